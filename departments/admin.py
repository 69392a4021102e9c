"""Admin for officers and the recognition audit trail.

Every page of the officer record writes under the services' rules (departments/admin_audit.py):
editors of the department only, and a RecordChange for every add, change and delete.

Departments and jurisdiction rules are registered in faces/admin_recognition.py: their
pages switch recognition, which purges face data, and departments must not import faces.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet

from departments import services
from departments.admin_audit import AuditedAdmin
from departments.models import Assignment, Incident, Link, Officer, RecognitionChange, RecordChange, Salary
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


# An address typed without a scheme becomes https://…, as Django 6 will do by default.
URL_FIELDS: Mapping[type[models.Field], Mapping[str, Any]] = {models.URLField: {"assume_scheme": "https"}}


class AssignmentFormSet(BaseInlineFormSet):
    """Refuse two open assignments as a form error, before the database constraint would."""

    def clean(self) -> None:
        super().clean()
        open_rows = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and not form.cleaned_data.get("end_date")
        ]
        if len(open_rows) > 1:
            raise ValidationError("An officer has at most one current assignment: give the others an end date.")


class AssignmentInline(admin.TabularInline):
    model = Assignment
    formset = AssignmentFormSet
    extra = 0
    fields = ("badge_number", "rank", "unit", "start_date", "end_date")


class SalaryInline(admin.TabularInline):
    model = Salary
    extra = 0


class OfficerLinkInline(admin.TabularInline):
    model = Link
    fk_name = "officer"
    extra = 0
    formfield_overrides = URL_FIELDS
    fields = ("title", "url", "kind", "added_by")
    readonly_fields = ("added_by",)


class IncidentLinkInline(OfficerLinkInline):
    fk_name = "incident"


@admin.register(Officer)
class OfficerAdmin(AuditedAdmin):
    list_display = ("last_name", "first_name", "badge_number", "rank", "unit", "employee_id", "department")
    list_filter = ("department",)
    search_fields = ("first_name", "last_name", "badge_number", "employee_id")
    raw_id_fields = ("featured_face",)
    inlines = (AssignmentInline, SalaryInline, OfficerLinkInline)

    def get_readonly_fields(self, request, obj=None):
        # Once an officer exists, badge, rank and unit follow the open assignment (edit it below).
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "badge_number", "rank", "unit") if obj is not None else readonly

    def related_saved(self, request, obj) -> None:
        officer = obj
        if not officer.assignments.exists():
            Assignment.objects.create(
                officer=officer, badge_number=officer.badge_number, rank=officer.rank, unit=officer.unit
            )
        services.officer_sync_current(officer)


@admin.register(Incident)
class IncidentAdmin(AuditedAdmin):
    list_display = ("date", "report_number", "location", "department")
    list_filter = ("department",)
    search_fields = ("report_number", "location", "description")
    autocomplete_fields = ("officers",)
    readonly_fields = ("created_by", "created_at", "updated_at")
    inlines = (IncidentLinkInline,)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Link)
class LinkAdmin(AuditedAdmin):
    list_display = ("title", "kind", "url", "officer", "incident", "added_by", "created_at")
    list_filter = ("kind",)
    search_fields = ("title", "url")
    raw_id_fields = ("officer", "incident")
    formfield_overrides = URL_FIELDS
    readonly_fields = ("added_by",)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.added_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Salary)
class SalaryAdmin(AuditedAdmin):
    list_display = ("officer", "year", "is_fiscal_year", "salary", "overtime_pay")
    list_filter = ("year", "is_fiscal_year")
    raw_id_fields = ("officer",)


@admin.register(RecordChange)
class RecordChangeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "department", "what", "object_id", "actor")
    list_filter = ("what", "department")


@admin.register(RecognitionChange)
class RecognitionChangeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "department", "allowed", "actor", "reason", "purged_embeddings", "backfill_done_at")
    list_filter = ("allowed", "department")
