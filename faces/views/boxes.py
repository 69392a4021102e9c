"""The box editor's endpoints: draw, move and delete face boxes, and officers' face crops.

A refusal of the services (InvalidBox, NotPermitted) propagates to
oversight.middleware.DomainErrorMiddleware, which answers the editor's script in JSON.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from faces.forms import BoxForm
from faces.models import Face, Image
from faces.renditions import face_crop_bytes, is_public_officer_face, rendition_invalidate
from faces.services import face_box_create
from faces.services.uploads import face_box_delete, face_box_update
from faces.throttles import UPLOAD_THROTTLES, RecognitionThrottle, throttle_wait
from faces.views.access import can_edit_box, forget_face, remember_face, too_many_requests, wants_json
from oversight.exceptions import NotPermitted

# A drawn or moved box is stored and searched against the gallery: both limits apply.
BOX_THROTTLES = (*UPLOAD_THROTTLES, RecognitionThrottle)


def _reply(request: HttpRequest, image_id: int, *, status: int, message: str, **payload) -> HttpResponse:
    if wants_json(request):
        body = {"message": message, **payload} if status < 400 else {"error": message, **payload}
        return JsonResponse(body, status=status)
    if status >= 400:
        messages.error(request, message)
    else:
        messages.success(request, message)
    return redirect("image_detail", image_id)


def _form_error(form: BoxForm) -> str:
    return "The box is not valid: " + "; ".join(
        f"{field} — {' '.join(map(str, errors))}" for field, errors in form.errors.items()
    )


@require_POST
def face_create(request: HttpRequest, image_id: int) -> HttpResponse:
    image = get_object_or_404(Image, pk=image_id)
    wait = throttle_wait(request, BOX_THROTTLES)
    if wait is not None:
        return too_many_requests(request, wait)
    form = BoxForm(request.POST)
    if not form.is_valid():
        return _reply(request, image.pk, status=400, message=_form_error(form))
    face = face_box_create(image=image, created_by=request.user, **form.cleaned_data)
    remember_face(request, face.pk)
    rendition_invalidate(image.pk)
    return _reply(request, image.pk, status=201, message="Box saved. It is being processed.", face_id=face.pk)


def _editable_face(request: HttpRequest, face_id: int) -> Face:
    face = get_object_or_404(Face.objects.select_related("image"), pk=face_id)
    if not can_edit_box(request, face):
        raise NotPermitted("You can only change boxes you drew yourself.")
    return face


@require_POST
def face_update(request: HttpRequest, face_id: int) -> HttpResponse:
    face = _editable_face(request, face_id)
    wait = throttle_wait(request, BOX_THROTTLES)
    if wait is not None:
        return too_many_requests(request, wait)
    form = BoxForm(request.POST)
    if not form.is_valid():
        return _reply(request, face.image_id, status=400, message=_form_error(form))
    face_box_update(face, **form.cleaned_data)
    rendition_invalidate(face.image_id)
    return _reply(
        request, face.image_id, status=200, message="Box moved. It is being processed again.", face_id=face.pk
    )


@require_POST
def face_delete(request: HttpRequest, face_id: int) -> HttpResponse:
    face = _editable_face(request, face_id)
    face_box_delete(face)
    forget_face(request, face.pk)
    rendition_invalidate(face.image_id)
    return _reply(request, face.image_id, status=200, message="Box deleted.", face_id=face_id)


@require_GET
def face_crop(request: HttpRequest, face_id: int) -> HttpResponse:
    """A public crop, only of a face a volunteer confirmed as an officer (404 otherwise)."""
    face = Face.objects.select_related("image").filter(pk=face_id).first()
    if face is None or not is_public_officer_face(face):
        raise Http404("No public photo of this face.")
    try:
        data = face_crop_bytes(face)
    except (FileNotFoundError, OSError, ValueError):
        raise Http404("This photo is not available.") from None
    response = HttpResponse(data, content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=60"
    return response
