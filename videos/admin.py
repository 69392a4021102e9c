"""The admin for videos: read, and taken down only through the audited takedown (never deleted)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from oversight.admin_readonly import ReadOnlyAdmin
from oversight.exceptions import DomainError
from videos.forms import VideoTakedownForm
from videos.models import Video, VideoTakedown
from videos.services.takedown import video_takedown


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = ("pk", "department", "status", "duration_seconds", "width", "height", "created_at")
    list_filter = ("status", "department")
    search_fields = ("sha256", "original_filename")
    # What processing wrote and the files it stored are the pipeline's, and the department is
    # its stills' too (moving one without the other would split them); sequences are reviewed on
    # the review dashboard, where every decision is recorded.
    readonly_fields = tuple(f.name for f in Video._meta.concrete_fields if f.name != "id")
    actions = ["take_down"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # a video arrives through the upload, which validates and sanitises it

    def has_delete_permission(self, request, obj=None) -> bool:
        # A video goes only by a takedown (the action below): its stills with their faces and
        # embeddings go with it, the audit row and the report's counts stay. Django's delete
        # would leave the stills and every file behind.
        return False

    @admin.action(description="Take down the selected videos (everything of them goes; audited)")
    def take_down(self, request, queryset):
        """Through videos.services.takedown, which checks who asks and writes the audit row."""
        form = VideoTakedownForm(request.POST if "reason" in request.POST else None)
        if not form.is_valid():
            context = {
                **self.admin_site.each_context(request),
                "videos": list(queryset.select_related("department")),
                "form": form,
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "admin/videos/video/takedown.html", context)
        done = 0
        for video in queryset:
            try:
                video_takedown(video, actor=request.user, reason=form.cleaned_data["reason"])
            except DomainError as exc:
                self.message_user(request, f"Video {video.pk}: {exc.message}", messages.ERROR)
                continue
            done += 1
        self.message_user(request, f"{done} video{'s' if done != 1 else ''} taken down.", messages.SUCCESS)
        return None


@admin.register(VideoTakedown)
class VideoTakedownAdmin(ReadOnlyAdmin):
    list_display = ("video_id", "department", "actor", "stills_removed", "faces_removed", "files_removed", "created_at")
    list_filter = ("department",)
