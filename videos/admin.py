"""The admin for videos: read, and taken down only through the audited takedown (never deleted)."""

from __future__ import annotations

from django.contrib import admin

from faces.admin_takedown import TakedownAdminMixin
from oversight.admin_readonly import ReadOnlyAdmin
from videos.forms import VideoTakedownForm
from videos.models import Video, VideoTakedown
from videos.services.takedown import video_takedown


@admin.register(Video)
class VideoAdmin(TakedownAdminMixin, admin.ModelAdmin):
    list_display = ("pk", "department", "status", "duration_seconds", "width", "height", "created_at")
    list_filter = ("status", "department")
    search_fields = ("sha256", "original_filename")
    # What processing wrote and the files it stored are the pipeline's, and the department is
    # its stills' too (moving one without the other would split them); sequences are reviewed on
    # the review dashboard, where every decision is recorded.
    readonly_fields = tuple(f.name for f in Video._meta.concrete_fields if f.name != "id")
    actions = ["take_down"]
    # A video goes only by a takedown (faces.admin_takedown): its stills with their faces and
    # embeddings go with it, the audit row and the report's counts stay.
    takedown_noun = "video"
    takedown_explanation = (
        "Each video goes for good: the original, its public version and poster, the faces followed through "
        "it with their still frames, identifications, embeddings and suggestions, and the review decisions "
        "about them. One audit record per video keeps who, when and why."
    )
    takedown_form = VideoTakedownForm

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # a video arrives through the upload, which validates and sanitises it

    @admin.action(description="Take down the selected videos (everything of them goes; audited)")
    def take_down(self, request, queryset):
        """Through videos.services.takedown, which checks who asks and writes the audit row."""
        return self.take_down_selected(request, queryset, video_takedown)


@admin.register(VideoTakedown)
class VideoTakedownAdmin(ReadOnlyAdmin):
    list_display = ("video_id", "department", "actor", "stills_removed", "faces_removed", "files_removed", "created_at")
    list_filter = ("department",)
