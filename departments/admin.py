"""Admin for officers and the recognition audit trail.

Departments and jurisdiction rules are registered in faces/admin_recognition.py: their
pages switch recognition, which purges face data, and departments must not import faces.
"""

from __future__ import annotations

from django.contrib import admin

from departments.models import Officer, RecognitionChange
from oversight.admin_readonly import ReadOnlyAdmin


class RecognitionChangeInline(admin.TabularInline):
    model = RecognitionChange
    extra = 0
    can_delete = False
    fields = (
        "created_at",
        "allowed",
        "actor",
        "reason",
        "purged_embeddings",
        "withdrawn_suggestions",
        "backfill_done_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Officer)
class OfficerAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "badge_number", "rank", "unit", "department")
    list_filter = ("department",)
    search_fields = ("first_name", "last_name", "badge_number")
    raw_id_fields = ("featured_face",)


@admin.register(RecognitionChange)
class RecognitionChangeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "department", "allowed", "actor", "reason", "purged_embeddings", "backfill_done_at")
    list_filter = ("allowed", "department")
