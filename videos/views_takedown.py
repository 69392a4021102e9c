"""The coordinators' "take down this video" page: a reason, then everything of the video goes."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from faces.services.takedown import can_take_down
from oversight.exceptions import NotPermitted
from videos.forms import VideoTakedownForm
from videos.models import Video
from videos.services.takedown import NOT_PERMITTED, video_takedown


@require_http_methods(["GET", "POST"])
def video_takedown_page(request: HttpRequest, video_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    video = get_object_or_404(Video.objects.select_related("department"), pk=video_id)
    if not can_take_down(request.user, video.department_id):
        raise NotPermitted(NOT_PERMITTED)
    form = VideoTakedownForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        takedown = video_takedown(video, actor=request.user, reason=form.cleaned_data["reason"])
        return render(request, "videos/video_takedown.html", {"takedown": takedown, "department": video.department})
    return render(
        request, "videos/video_takedown.html", {"form": form, "video": video}, status=400 if form.is_bound else 200
    )
