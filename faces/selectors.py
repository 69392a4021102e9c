"""Reads for the public pages: a photo's status, faces and gated suggestions; officers' photos.

The gate holds here for everything the public sees: suggestions are read only when the
photo's department allows recognition *now*, and only for officers of departments that
allow it now, so no distance is ever shown for an officer outside the allowed gallery.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Protocol

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from accounts.roles import is_volunteer
from departments.models import Department, Officer
from departments.policy import allowed_departments_q, forbidding_rule, recognition_allowed
from faces.models import BiometricPurge, Face, GateAuditRun, Image, MatchSuggestion
from faces.pipeline.search import confidence_label
from faces.renditions import is_public_officer_face, rendition_key
from faces.uploader import session_uploader_key

SUGGESTION_WORDING = "Possible match — for volunteers to confirm"
HIDDEN_SUGGESTIONS_STATE = (
    "Not identified yet. Possible matches are shown only to the person who uploaded the photo and to volunteers."
)
STATUS_LABELS: dict[str, str] = {
    Image.Status.QUEUED: "Waiting in line to be processed",
    Image.Status.PROCESSING: "Looking for faces…",
    Image.Status.DONE: "Done",
    Image.Status.FAILED: "Failed",
}


def recognition_notice(department: Department) -> dict:
    """What the public is told about recognition for a department, with the state law if any."""
    if recognition_allowed(department):
        return {
            "allowed": True,
            "rule": "",
            "text": "Faces will be compared with the officer gallery of departments that allow it. "
            "Any match is only a suggestion until a volunteer confirms it.",
        }
    rule = forbidding_rule(department.state)
    text = "No facial recognition is used for this jurisdiction."
    if rule is not None:
        text += f" State law ({rule.state}): {rule.legal_reason}"
    return {"allowed": False, "rule": rule.legal_reason if rule else "", "text": text}


class Viewer(Protocol):
    """Who is looking: an HttpRequest or a DRF Request both fit."""

    user: Any
    session: Any


def suggestions_visible_to(viewer: Viewer, image: Image) -> bool:
    """May this viewer read the photo's unconfirmed suggestions (officers' names)?

    Only the uploader — their account, or for an anonymous upload the browser session that
    made it — and volunteers and above (docs/architecture.md, rule 6). Everyone else, the public and
    unapproved accounts included, sees only identifications a volunteer confirmed.
    """
    user: Any = getattr(viewer, "user", None)
    if is_volunteer(user):
        return True
    signed_in = bool(getattr(user, "is_authenticated", False) and user.is_active)
    if signed_in and image.uploaded_by_id is not None and user.pk == image.uploaded_by_id:
        return True
    mine = session_uploader_key(getattr(viewer, "session", None))
    return bool(mine and image.uploader_session and constant_time_compare(mine, image.uploader_session))


def suggestion_face_limit(viewer: Viewer) -> int | None:
    """On how many faces of one photo this viewer may read suggestions (None: all of them).

    Volunteers review every face. An uploader who is not a volunteer sees suggestions for the
    FACES_UPLOADER_SUGGESTED_FACES largest faces only: otherwise one collage of gallery faces
    would be as many searches as it has faces, around every recognition throttle.
    """
    return None if is_volunteer(getattr(viewer, "user", None)) else settings.FACES_UPLOADER_SUGGESTED_FACES


def _largest_face_ids(faces: Iterable[Face], limit: int | None) -> set[int] | None:
    """The `limit` largest boxes (ties by id), or None for "every face"."""
    if limit is None:
        return None
    return {f.pk for f in sorted(faces, key=lambda f: (-f.w * f.h, f.pk))[:limit]}


def suggestible_face_ids(image: Image, limit: int | None) -> set[int] | None:
    """The faces whose suggestions may be shown under `limit`: the largest boxes, chosen by
    size alone so that which faces are chosen says nothing about who matched."""
    if limit is None:
        return None
    return _largest_face_ids(Face.objects.filter(image=image).only("pk", "w", "h"), limit)


def _pending_suggestions(image: Image, face_ids: set[int] | None) -> dict[int, list[MatchSuggestion]]:
    """Pending suggestions per face id naming officers of allowed departments; the caller has
    checked that the photo's own department allows recognition."""
    suggestions = (
        MatchSuggestion.objects.filter(face__image=image, status=MatchSuggestion.Status.PENDING)
        .filter(allowed_departments_q("officer__department__"))
        .select_related("officer__department")
        .order_by("face_id", "rank")
    )
    if face_ids is not None:
        suggestions = suggestions.filter(face_id__in=face_ids)
    by_face: dict[int, list[MatchSuggestion]] = {}
    for suggestion in suggestions:
        by_face.setdefault(suggestion.face_id, []).append(suggestion)
    return by_face


def public_suggestions(image: Image, *, limit: int | None = None) -> dict[int, list[MatchSuggestion]]:
    """Pending suggestions per face id, or nothing at all where recognition is not allowed.

    Gated by the policy only: show them only where suggestions_visible_to() says so, on the
    faces suggestible_face_ids() allows for the viewer's `limit`.
    """
    if not recognition_allowed(image.department_id):
        return {}
    return _pending_suggestions(image, suggestible_face_ids(image, limit))


def officer_photo_faces(officer_ids: Iterable[int]) -> dict[int, int]:
    """For each officer, the face id whose public crop represents them (featured first)."""
    ids = list(set(officer_ids))
    if not ids:
        return {}
    result: dict[int, int] = {}
    for officer_id, face_id in Officer.objects.filter(pk__in=ids, featured_face__isnull=False).values_list(
        "pk", "featured_face_id"
    ):
        face = Face.objects.filter(pk=face_id, officer_id=officer_id, is_civilian=False).only("pk").first()
        if face is not None:
            result[officer_id] = face.pk
    rest = [i for i in ids if i not in result]
    latest = (
        Face.objects.filter(officer_id__in=rest, is_civilian=False)
        .order_by("officer_id", "-identified_at", "-pk")
        .distinct("officer_id")
        .values_list("officer_id", "pk")
    )
    result.update(dict(latest))
    return result


def attach_officer_photos(officers: Iterable[Officer]) -> None:
    """Set `photo_face_id` on each officer: the face whose public crop represents them."""
    officers = list(officers)
    photos = officer_photo_faces(o.pk for o in officers)
    for officer in officers:
        officer.photo_face_id = photos.get(officer.pk)


def _officer_payload(officer: Officer, crops: dict[int, int]) -> dict:
    face_id = crops.get(officer.pk)
    return {
        "id": officer.pk,
        "name": officer.full_name,
        "badge": officer.badge_number,
        "rank": officer.rank,
        "department": officer.department.name,
        "url": reverse("officer_detail", args=[officer.pk]),
        "photo_url": reverse("face_crop", args=[face_id]) if face_id else "",
    }


def _face_display_state(face: Face, image: Image, allowed: bool, has_suggestions: bool, shown: bool) -> str:
    if is_public_officer_face(face):
        return "Confirmed by a volunteer."
    if not allowed:
        return "No facial recognition is used for this jurisdiction."
    if image.status in (Image.Status.QUEUED, Image.Status.PROCESSING) or face.processed_at is None:
        return "Comparing with the officer gallery…"
    if face.embedding_skipped_reason:
        return face.embedding_skipped_reason
    if not shown:
        # The same words whether or not there is a match: its existence is not public either.
        return HIDDEN_SUGGESTIONS_STATE
    return "" if has_suggestions else "No likely match in the gallery."


def _shown(face_id: int, shown_ids: set[int] | None) -> bool:
    return shown_ids is None or face_id in shown_ids


def labels_pending(image: Image) -> bool:
    """Whether the photo's sorting hints are still to come (a failed photo gets none)."""
    return image.status != Image.Status.FAILED and not image.labels


def image_page_data(
    image: Image, *, editable_face_ids: set[int], show_suggestions: bool, suggestion_limit: int | None = None
) -> dict:
    """Everything the photo page and its status.json show; the same dict for both.

    `editable_face_ids` are the faces the viewer may move or delete (decided by the view);
    `show_suggestions` comes from suggestions_visible_to(), `suggestion_limit` from
    suggestion_face_limit().
    """
    faces = list(image.faces.select_related("officer__department").order_by("pk"))
    allowed = recognition_allowed(image.department_id)
    # None: every face; a set: only these faces' suggestions are shown to this viewer.
    shown_ids = _largest_face_ids(faces, suggestion_limit) if show_suggestions else set()
    by_face = _pending_suggestions(image, shown_ids) if allowed and show_suggestions else {}
    officer_ids = {f.officer_id for f in faces if is_public_officer_face(f) and f.officer_id is not None}
    officer_ids |= {s.officer_id for items in by_face.values() for s in items}
    crops = officer_photo_faces(officer_ids)
    key = rendition_key(image, faces)
    pending = image.status in (Image.Status.QUEUED, Image.Status.PROCESSING)
    face_items = []
    for number, face in enumerate(faces, start=1):
        suggestions = by_face.get(face.pk, [])
        officer = face.officer if is_public_officer_face(face) else None
        if allowed and face.processed_at is None and not is_public_officer_face(face):
            pending = True
        face_items.append(
            {
                "id": face.pk,
                "number": number,
                "x": face.x,
                "y": face.y,
                "w": face.w,
                "h": face.h,
                "source": face.source,
                "editable": face.pk in editable_face_ids,
                "officer": _officer_payload(officer, crops) if officer else None,
                "crop_url": reverse("face_crop", args=[face.pk]) if is_public_officer_face(face) else "",
                "update_url": reverse("face_update", args=[face.pk]),
                "delete_url": reverse("face_delete", args=[face.pk]),
                "state": _face_display_state(face, image, allowed, bool(suggestions), _shown(face.pk, shown_ids)),
                "suggestions": [
                    {
                        "officer": _officer_payload(s.officer, crops),
                        "confidence": confidence_label(s.distance),
                        "distance": round(s.distance, 2),
                        "wording": SUGGESTION_WORDING,
                    }
                    for s in suggestions
                ],
            }
        )
    return {
        "id": image.pk,
        "status": image.status,
        "status_label": STATUS_LABELS.get(image.status, image.status),
        "error": image.error if image.status == Image.Status.FAILED else "",
        "pending": pending,
        # Sorting hints come from their own task after the suggestions (services/labels.py).
        "labels_pending": labels_pending(image),
        "width": image.width,
        "height": image.height,
        "public_url": f"{reverse('image_public', args=[image.pk])}?v={key}",
        "recognition": recognition_notice(image.department),
        "suggestions_shown": allowed and show_suggestions,
        "faces": face_items,
        "urls": {
            "status": reverse("image_status", args=[image.pk]),
            "face_create": reverse("face_create", args=[image.pk]),
        },
    }


def officer_public_faces(officer: Officer) -> QuerySet[Face]:
    return Face.objects.filter(officer=officer, is_civilian=False).select_related("image").order_by("-pk")


def officer_public_images(officer: Officer) -> QuerySet[Image]:
    return Image.objects.filter(faces__officer=officer, faces__is_civilian=False).distinct().order_by("-created_at")


def _has_public_photo() -> Exists:
    return Exists(Face.objects.filter(officer=OuterRef("pk"), is_civilian=False))


def officers_filtered(
    *,
    department: Department | None = None,
    name: str = "",
    badge: str = "",
    rank: str = "",
    unit: str = "",
    gender: str = "",
    race: str = "",
    min_age: int | None = None,
    max_age: int | None = None,
    employed_from: date | None = None,
    employed_to: date | None = None,
    has_photo: bool = False,
) -> QuerySet[Officer]:
    """Officers matching the roster/search filters, with `has_photo` annotated.

    Ages come from the roster's stated birth year against this year (never inferred), so an
    officer without a birth year never matches an age filter. The page form and the API's
    OfficerFilter both call this, so the two agree on every filter.
    """
    officers = Officer.objects.select_related("department").annotate(has_photo=_has_public_photo())
    if department is not None:
        officers = officers.filter(department=department)
    for word in name.split()[:5]:
        officers = officers.filter(
            Q(first_name__icontains=word) | Q(middle_name__icontains=word) | Q(last_name__icontains=word)
        )
    if badge.strip():
        officers = officers.filter(badge_number__icontains=badge.strip())
    if rank.strip():
        officers = officers.filter(rank__iexact=rank.strip())
    if unit.strip():
        officers = officers.filter(unit__icontains=unit.strip())
    if gender:
        officers = officers.filter(gender=gender)
    if race:
        officers = officers.filter(race=race)
    this_year = timezone.localdate().year
    if min_age is not None:
        officers = officers.filter(birth_year__lte=this_year - min_age)
    if max_age is not None:
        officers = officers.filter(birth_year__gte=this_year - max_age)
    if employed_from is not None:
        officers = officers.filter(employment_date__gte=employed_from)
    if employed_to is not None:
        officers = officers.filter(employment_date__lte=employed_to)
    if has_photo:
        officers = officers.filter(has_photo=True)
    return officers.order_by("last_name", "first_name", "pk")


def roster_values(field: str, department: Department | None = None) -> list[str]:
    """The distinct non-empty values of a roster column (gender, race, unit), for the filters' choices."""
    if field not in {"gender", "race", "unit", "rank"}:
        raise ValueError(f"not a filterable roster column: {field}")
    officers = Officer.objects.exclude(**{field: ""})
    if department is not None:
        officers = officers.filter(department=department)
    return list(officers.order_by(field).values_list(field, flat=True).distinct())


def _visible(suggestions: QuerySet[MatchSuggestion]) -> QuerySet[MatchSuggestion]:
    """The gate of visible_suggestions and visible_suggestions_by_face, shared so the two cannot drift.

    Pending only, and both ends of the gate read from the database now: the department of
    the face's photo and that of the suggested officer must allow recognition.
    """
    return (
        suggestions.filter(status=MatchSuggestion.Status.PENDING)
        .filter(allowed_departments_q("face__image__department__"))
        .filter(allowed_departments_q("officer__department__"))
        .select_related("officer", "officer__featured_face")
    )


def visible_suggestions(face: Face) -> QuerySet[MatchSuggestion]:
    """Pending suggestions a volunteer may see and act on for this face: none unless recognition is allowed now.

    Both ends of the gate are checked: the photo's department and each suggested
    officer's department must allow recognition at this moment. The dashboard shows these,
    and faces.services.review refuses to confirm or reject any other.
    """
    return _visible(MatchSuggestion.objects.filter(face=face)).order_by("rank", "distance")


def visible_suggestions_by_face(faces: Iterable[Face]) -> dict[int, list[MatchSuggestion]]:
    """visible_suggestions() of many faces in one query: face id → its suggestions, in the same
    order (faces with none are absent). For pages listing many faces, such as a video sequence."""
    face_ids = {face.pk for face in faces}
    if not face_ids:
        return {}
    by_face: dict[int, list[MatchSuggestion]] = {}
    for suggestion in _visible(MatchSuggestion.objects.filter(face_id__in=face_ids)).order_by(
        "face_id", "rank", "distance"
    ):
        by_face.setdefault(suggestion.face_id, []).append(suggestion)
    return by_face


def last_gate_audit() -> GateAuditRun | None:
    """The latest run of `manage.py gate_audit` (by hand or from beat), for the jurisdiction page."""
    return GateAuditRun.objects.order_by("-created_at", "-pk").first()


def gate_purges(department_ids: list[int] | None = None, *, limit: int = 50) -> QuerySet[BiometricPurge]:
    """Recent purges made by the database triggers or the gate audit, newest first."""
    purges = BiometricPurge.objects.select_related("department", "actor").order_by("-created_at", "-pk")
    if department_ids is not None:
        purges = purges.filter(department_id__in=department_ids)
    return purges[:limit]
