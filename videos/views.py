"""The video pages: upload, the video page and its live status, the public rendition and poster.

Public like the photo pages: anyone may upload (throttled with the photo uploads' allowance)
and anyone may see a video's page, its public rendition (faces not identified as officers
blurred) and its timeline. The sanitised original stays private (videos.models.Video.file).
"""

from __future__ import annotations

import logging
import mimetypes
import re

from django.conf import settings
from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import condition, require_GET

from departments.models import Department
from departments.selectors import department_picker_groups
from faces.selectors import recognition_notice
from faces.services.takedown import can_take_down
from faces.throttles import throttle_wait
from faces.uploader import upload_marker
from faces.views.access import too_many_requests
from oversight.exceptions import DomainError
from videos.forms import ACCEPT, VideoUploadForm
from videos.models import Video
from videos.selectors import video_for_page, video_page_data
from videos.services.uploads import video_create
from videos.validation import VideoLimits

logger = logging.getLogger(__name__)

# Room for the form's other fields and the multipart framing around the file.
BODY_SLACK = 1024 * 1024
CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _context(form: VideoUploadForm, selected: Department | None, error: str = "") -> dict:
    limits = VideoLimits.from_settings()
    return {
        "form": form,
        "groups": department_picker_groups(),
        "selected": selected,
        "notice": recognition_notice(selected) if selected else None,
        "error": error,
        "accept": ACCEPT,
        "limits": {
            "max_bytes": limits.max_bytes,
            "max_minutes": limits.max_seconds // 60,
            "max_width": limits.max_width,
            "max_height": limits.max_height,
        },
    }


def _selected(raw: str) -> Department | None:
    return Department.objects.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 12 else None


def _too_large(request: HttpRequest) -> HttpResponse:
    form = VideoUploadForm()
    message = VideoLimits.from_settings().size_message()
    return render(request, "videos/submit.html", _context(form, None, message), status=413)


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@csrf_exempt  # only so the size check below runs before the body is read; the CSRF check follows
def video_submit(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: one video through the upload service, then its page."""
    if request.method == "POST" and _declared_length(request) > settings.VIDEO_MAX_BYTES + BODY_SLACK:
        return _too_large(request)
    return _video_submit(request)


@csrf_protect
def _video_submit(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        slug = request.GET.get("department", "")
        selected = Department.objects.filter(slug=slug).first() if slug else None
        return render(
            request, "videos/submit.html", _context(VideoUploadForm(initial={"department": selected}), selected)
        )

    form = VideoUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        selected = _selected(request.POST.get("department", ""))
        return render(request, "videos/submit.html", _context(form, selected), status=400)
    department = form.cleaned_data["department"]
    wait = throttle_wait(request)
    if wait is not None:
        return too_many_requests(request, wait)
    upload = form.cleaned_data["file"]
    try:
        result = video_create(
            upload,
            department=department,
            uploaded_by=request.user,
            uploader_session=upload_marker(request.user, request.session),
            original_filename=getattr(upload, "name", ""),
        )
    except DomainError as exc:  # shown on the form, with the department still chosen
        form = VideoUploadForm(initial={"department": department})
        return render(request, "videos/submit.html", _context(form, department, exc.message), status=exc.status)
    if result.created:
        messages.success(request, "Uploaded. The video is being processed; this page shows how far it got.")
    else:
        messages.info(request, "This video was uploaded before; here it is.")
    return redirect("video_detail", video_id=result.video.pk)


@require_GET
def video_detail(request: HttpRequest, video_id: int) -> HttpResponse:
    video = video_for_page(video_id)
    if video is None:
        raise Http404("No such video.")
    context = {
        "video": video,
        "data": video_page_data(video),
        "can_take_down": can_take_down(request.user, video.department_id),
    }
    return render(request, "videos/video_detail.html", context)


@require_GET
def video_status(request: HttpRequest, video_id: int) -> JsonResponse:
    """JSON for live polling: status, progress, the rendition once written, the timeline."""
    video = video_for_page(video_id)
    if video is None:
        raise Http404("No such video.")
    response = JsonResponse(video_page_data(video))
    response["Cache-Control"] = "no-store"
    return response


def _public_etag(request: HttpRequest, video_id: int) -> str | None:
    # A new rendition (identities changed) is stored under a new name.
    return Video.objects.filter(pk=video_id).values_list("public_file", flat=True).first() or None


def _poster_etag(request: HttpRequest, video_id: int) -> str | None:
    return Video.objects.filter(pk=video_id).values_list("poster", flat=True).first() or None


def _stored_file_response(request: HttpRequest, name: str, filename: str) -> HttpResponse | StreamingHttpResponse:
    """A stored file, with byte ranges: a player seeks by asking for the part it needs."""
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    try:
        handle = default_storage.open(name, "rb")
        size = handle.size
    except (FileNotFoundError, OSError) as exc:
        logger.exception("stored video file %s unavailable", name)
        raise Http404("This video is not available.") from exc
    match = _RANGE.match(request.headers.get("Range", "").strip())
    response: HttpResponse | StreamingHttpResponse
    if match and (match.group(1) or match.group(2)):
        start_raw, end_raw = match.groups()
        if start_raw:
            start, end = int(start_raw), min(int(end_raw) if end_raw else size - 1, size - 1)
        else:  # the last N bytes
            start, end = max(0, size - int(end_raw)), size - 1
        if start >= size or start > end:
            handle.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        handle.seek(start)
        response = StreamingHttpResponse(_read(handle, end - start + 1), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        response = FileResponse(handle, content_type=content_type)
        response["Content-Length"] = str(size)
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "public, no-cache"
    return response


def _read(handle, length: int):
    try:
        while length > 0:
            chunk = handle.read(min(CHUNK, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()


@require_GET
@condition(etag_func=_public_etag)
def video_public(request: HttpRequest, video_id: int) -> HttpResponse | StreamingHttpResponse:
    """The public rendition: every face not identified as an officer blurred, no metadata."""
    video = get_object_or_404(Video, pk=video_id)
    if not video.public_file:
        raise Http404("The public version of this video is not ready yet.")
    name = video.public_file.name or ""
    extension = name.rsplit(".", 1)[-1] if "." in name else "mp4"
    return _stored_file_response(request, name, f"video-{video.pk}.{extension}")


@require_GET
@condition(etag_func=_poster_etag)
def video_poster(request: HttpRequest, video_id: int) -> HttpResponse | StreamingHttpResponse:
    video = get_object_or_404(Video, pk=video_id)
    if not video.poster:
        raise Http404("This video has no poster yet.")
    return _stored_file_response(request, video.poster.name or "", f"video-{video.pk}-poster.jpg")
