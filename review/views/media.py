"""The private photos volunteers review: originals (metadata already stripped) and face crops."""

from __future__ import annotations

import io
from typing import TypeVar

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotFound
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET
from PIL import Image as PILImage

from faces.models import Face, Image
from review.views.access import volunteer_required

CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
CROP_SIDE = 256


_Response = TypeVar("_Response", bound=HttpResponseBase)


def _private(response: _Response) -> _Response:
    # Unblurred civilians are in these: never cached by shared caches.
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
@volunteer_required
def photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    image = get_object_or_404(Image, pk=pk)
    try:
        handle = image.file.open("rb")
    except (FileNotFoundError, OSError):
        return HttpResponseNotFound("The photo file is missing.")
    return _private(FileResponse(handle, content_type=CONTENT_TYPES.get(image.format, "application/octet-stream")))


@require_GET
@volunteer_required
def face_crop(request: HttpRequest, pk: int) -> HttpResponse:
    """The face with a margin, at most 256 px, as JPEG."""
    face = get_object_or_404(Face.objects.select_related("image"), pk=pk)
    try:
        with face.image.file.open("rb") as handle, PILImage.open(handle) as im:
            margin_x, margin_y = face.w // 4, face.h // 4
            box = (
                max(face.x - margin_x, 0),
                max(face.y - margin_y, 0),
                min(face.x + face.w + margin_x, im.width),
                min(face.y + face.h + margin_y, im.height),
            )
            crop = im.convert("RGB").crop(box)
    except (FileNotFoundError, OSError):
        return HttpResponseNotFound("The photo file is missing.")
    crop.thumbnail((CROP_SIDE, CROP_SIDE))
    buffer = io.BytesIO()
    crop.save(buffer, "JPEG", quality=88)
    return _private(HttpResponse(buffer.getvalue(), content_type="image/jpeg"))
