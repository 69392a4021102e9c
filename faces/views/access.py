"""Who may move or delete a box, and small response helpers shared by the views.

Anonymous uploaders own the boxes they drew through their session (a list of face ids),
so they can fix their own boxes and nobody else's; logged-in people own theirs by
`created_by`; volunteers may remove any box drawn by a person.
"""

from __future__ import annotations

import math

from django.http import HttpRequest, HttpResponse, JsonResponse

from accounts.roles import is_volunteer
from faces.models import Face, Image

SESSION_KEY = "oversight_my_faces"
SESSION_LIMIT = 500


def session_face_ids(request: HttpRequest) -> set[int]:
    raw = request.session.get(SESSION_KEY, [])
    return {int(v) for v in raw if isinstance(v, int)} if isinstance(raw, list) else set()


def remember_face(request: HttpRequest, face_id: int) -> None:
    ids = [v for v in request.session.get(SESSION_KEY, []) if isinstance(v, int)]
    ids.append(face_id)
    request.session[SESSION_KEY] = ids[-SESSION_LIMIT:]


def forget_face(request: HttpRequest, face_id: int) -> None:
    ids = [v for v in request.session.get(SESSION_KEY, []) if isinstance(v, int) and v != face_id]
    request.session[SESSION_KEY] = ids


def _owns(request: HttpRequest, face: Face, session_ids: set[int]) -> bool:
    if face.pk in session_ids:
        return True
    user = request.user
    return bool(user.is_authenticated and user.is_active and face.created_by_id == user.pk)


def can_edit_box(request: HttpRequest, face: Face, session_ids: set[int] | None = None) -> bool:
    if face.source != Face.Source.USER:
        return False
    if is_volunteer(request.user):
        return True
    if face.officer_id is not None or face.is_civilian:
        return False  # decided by a volunteer: no longer the drawer's to change
    return _owns(request, face, session_face_ids(request) if session_ids is None else session_ids)


def editable_face_ids(request: HttpRequest, image: Image) -> set[int]:
    session_ids = session_face_ids(request)
    return {face.pk for face in image.faces.filter(source=Face.Source.USER) if can_edit_box(request, face, session_ids)}


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "") or (
        request.headers.get("X-Requested-With") == "XMLHttpRequest"
    )


def too_many_requests(request: HttpRequest, wait: float) -> HttpResponse:
    seconds = max(1, math.ceil(wait))
    minutes = max(1, math.ceil(seconds / 60))
    message = f"Too many requests from you for now. Please try again in about {minutes} minute(s)."
    if wants_json(request):
        response: HttpResponse = JsonResponse({"error": message}, status=429)
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(seconds)
    return response
