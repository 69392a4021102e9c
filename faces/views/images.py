"""The photo page, its live status, the public rendition and the volunteers' original."""

from __future__ import annotations

import logging

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import condition, require_GET

from accounts.roles import is_volunteer
from faces.models import Image
from faces.pipeline.decode import ImageRejected
from faces.renditions import content_type_of, public_rendition_bytes, rendition_key
from faces.selectors import image_page_data, suggestion_face_limit, suggestions_visible_to
from faces.services.takedown import can_take_down
from faces.views.access import editable_face_ids

logger = logging.getLogger(__name__)


def _image(image_id: int) -> Image:
    return get_object_or_404(Image.objects.select_related("department"), pk=image_id)


def _page_data(request: HttpRequest, image: Image) -> dict:
    return image_page_data(
        image,
        editable_face_ids=editable_face_ids(request, image),
        show_suggestions=suggestions_visible_to(request, image),
        suggestion_limit=suggestion_face_limit(request),
    )


@require_GET
def image_detail(request: HttpRequest, image_id: int) -> HttpResponse:
    image = _image(image_id)
    data = _page_data(request, image)
    return render(
        request,
        "faces/image_detail.html",
        {
            "image": image,
            "data": data,
            "can_see_original": is_volunteer(request.user),
            "can_take_down": can_take_down(request.user, image.department_id),
        },
    )


@require_GET
def image_status(request: HttpRequest, image_id: int) -> JsonResponse:
    """JSON for live polling: status, error, faces with boxes, suggestions where allowed."""
    image = _image(image_id)
    response = JsonResponse(_page_data(request, image))
    response["Cache-Control"] = "no-store"
    return response


def _public_etag(request: HttpRequest, image_id: int) -> str | None:
    image = Image.objects.filter(pk=image_id).first()
    return rendition_key(image) if image is not None else None


def _image_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type_of(data))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
@condition(etag_func=_public_etag)
def image_public(request: HttpRequest, image_id: int) -> HttpResponse:
    """The public rendition: civilians blurred, no metadata. Revalidated on every view."""
    image = _image(image_id)
    try:
        data, _ = public_rendition_bytes(image)
    except (FileNotFoundError, ImageRejected, OSError) as exc:
        logger.exception("public rendition of image %s unavailable", image_id)
        raise Http404("This photo is not available.") from exc
    response = _image_response(data, f"photo-{image.pk}.jpg")
    response["Cache-Control"] = "public, no-cache"
    return response


@require_GET
def image_original(request: HttpRequest, image_id: int) -> HttpResponse:
    """The sanitised original, unblurred: volunteers only."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_volunteer(request.user):
        return HttpResponseForbidden("Only volunteers can see original photos.")
    image = _image(image_id)
    try:
        with image.file.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, OSError) as exc:
        raise Http404("This photo's file is missing.") from exc
    response = _image_response(data, f"original-{image.pk}")
    response["Cache-Control"] = "private, no-store"
    return response
