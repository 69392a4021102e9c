from __future__ import annotations

from django.contrib import admin

from faces.models import Face, Image, MatchSuggestion, RecognitionEvent


class FaceInline(admin.TabularInline):
    model = Face
    extra = 0
    fields = ("x", "y", "w", "h", "source", "officer", "is_civilian", "use_for_recognition", "embedded")
    readonly_fields = ("x", "y", "w", "h", "source", "embedded")
    raw_id_fields = ("officer",)

    @admin.display(boolean=True, description="Embedding stored")
    def embedded(self, obj: Face) -> bool:
        return obj.embedding is not None


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
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
    )
    inlines = [FaceInline]


@admin.register(Face)
class FaceAdmin(admin.ModelAdmin):
    list_display = ("pk", "image", "source", "officer", "is_civilian", "use_for_recognition", "embedded")
    list_filter = ("source", "use_for_recognition", "is_civilian")
    raw_id_fields = ("image", "officer", "created_by", "identified_by")
    readonly_fields = ("embedded", "embedding_skipped_reason", "detector_score")

    @admin.display(boolean=True, description="Embedding stored")
    def embedded(self, obj: Face) -> bool:
        return obj.embedding is not None


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
