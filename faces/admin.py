from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from departments.admin import OfficerAdmin as DepartmentsOfficerAdmin
from departments.models import Officer
from faces import admin_recognition  # noqa: F401  (registers Department and JurisdictionRule)
from faces.admin_gate import GatePurgeMessages
from faces.admin_takedown import TakedownAdminMixin
from faces.forms import TakedownForm
from faces.models import BiometricPurge, Face, GateAuditRun, Image, MatchSuggestion, RecognitionEvent, Takedown
from faces.services.takedown import image_takedown
from oversight.admin_readonly import ReadOnlyAdmin

# Who a face is, whether a photo shows officers, and gallery use are people's decisions
# (rule 6): each is recorded as a faces.Decision and changed only by an audited undo on the
# review dashboard, so the admin shows them read-only.
DECISION_FIELDS = ("officer", "is_civilian", "use_for_recognition", "identified_by", "identified_at")
DECISION_HELP = (
    "Identity (officer, civilian), gallery use and the photo's sort answer are decisions: they are made and "
    'undone, with an audit record, on the review dashboard (<a href="{}">decisions and undo</a>, and each '
    "face's identify page), not here."
)


def decision_help() -> str:
    return format_html(DECISION_HELP, reverse("review_decisions"))


class FaceInline(admin.TabularInline):
    model = Face
    extra = 0
    fields = ("x", "y", "w", "h", "source", "officer", "is_civilian", "use_for_recognition", "embedded")
    readonly_fields = ("x", "y", "w", "h", "source", "embedded", "officer", "is_civilian", "use_for_recognition")
    verbose_name_plural = "faces (identities are decided on the review dashboard, with an undo)"

    @admin.display(boolean=True, description="Embedding stored")
    def embedded(self, obj: Face) -> bool:
        return obj.embedding is not None


@admin.register(Image)
class ImageAdmin(GatePurgeMessages, TakedownAdminMixin, admin.ModelAdmin):
    list_display = ("pk", "department", "status", "contains_officers", "width", "height", "created_at")
    list_filter = ("status", "department", "contains_officers")
    search_fields = ("sha256", "original_filename")
    readonly_fields = (
        "file",
        "public_file",
        "sha256",
        "format",
        "width",
        "height",
        "status",
        "error",
        "labels",
        "taken_at",
        "uploaded_by",
        "processed_at",
        "attempts",
        "contains_officers",
    )
    inlines = [FaceInline]
    actions = ["take_down"]
    # A photo goes only by a takedown (faces.admin_takedown): the audit row and the report's
    # counts stay, the uploader is told.
    takedown_noun = "photo"
    takedown_explanation = (
        "Each photo goes for good: the original, its public version and crops, its faces with their "
        "identifications, embeddings and suggestions, and the review decisions about it. One audit record "
        "per photo keeps who, when and why. Uploaders who left an address are told (not why)."
    )
    takedown_form = TakedownForm

    def get_fieldsets(self, request, obj=None):
        return _with_description(super().get_fieldsets(request, obj))

    @admin.action(description="Take down the selected photos (everything of them goes; audited)")
    def take_down(self, request, queryset):
        """Through faces.services.takedown, which checks who asks and writes the audit row."""
        return self.take_down_selected(request, queryset, image_takedown)


@admin.register(Takedown)
class TakedownAdmin(ReadOnlyAdmin):
    list_display = ("image_id", "department", "actor", "faces_removed", "files_removed", "created_at")
    list_filter = ("department",)


@admin.register(Face)
class FaceAdmin(GatePurgeMessages, admin.ModelAdmin):
    list_display = ("pk", "image", "source", "officer", "is_civilian", "use_for_recognition", "embedded")
    list_filter = ("source", "use_for_recognition", "is_civilian")
    raw_id_fields = ("image", "created_by")
    readonly_fields = ("embedded", "embedding_skipped_reason", "detector_score", *DECISION_FIELDS)

    def get_fieldsets(self, request, obj=None):
        return _with_description(super().get_fieldsets(request, obj))

    @admin.display(boolean=True, description="Embedding stored")
    def embedded(self, obj: Face) -> bool:
        return obj.embedding is not None


def _with_description(fieldsets):
    (name, options), *rest = fieldsets
    return [(name, {**options, "description": decision_help()}), *rest]


@admin.register(MatchSuggestion)
class MatchSuggestionAdmin(ReadOnlyAdmin):
    list_display = ("face", "officer", "distance", "rank", "status", "decided_by", "decided_at")
    list_filter = ("status",)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting a photo (privacy) must take its suggestions with it.
        return request.user.is_superuser


@admin.register(RecognitionEvent)
class RecognitionEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "face", "department", "outcome", "result_count", "detail")
    list_filter = ("outcome", "department")


@admin.register(BiometricPurge)
class BiometricPurgeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "department", "cause", "purged_embeddings", "withdrawn_suggestions", "actor")
    list_filter = ("source", "department")


@admin.register(GateAuditRun)
class GateAuditRunAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "ran_by",
        "fix",
        "embeddings_found",
        "suggestions_found",
        "embeddings_purged",
        "suggestions_withdrawn",
    )
    list_filter = ("ran_by", "fix")


# Transferring an officer purges their faces' embeddings (rule 4); the officer admin is
# defined in departments, which must not import faces, so the purge report is added here.
admin.site.unregister(Officer)


@admin.register(Officer)
class OfficerAdmin(GatePurgeMessages, DepartmentsOfficerAdmin):
    pass
