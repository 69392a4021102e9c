"""Decisions taken on the dashboard.

faces.services.review applies them with every check of a decision (already decided,
suggestion hidden by the gate) and records the Decision rows; the API calls the same
functions. This layer adds only the queue bookkeeping: claims and skips.
"""

from __future__ import annotations

from django.db import transaction

from departments.models import Officer
from departments.services import officer_create
from faces.models import Decision, Face, Image, MatchSuggestion
from faces.services import review as face_review
from faces.services.review import FACE_DECIDED, SUGGESTION_HIDDEN, AlreadyDecided, SuggestionUnavailable
from review.models import QueueKind
from review.services.claims import claim_holder, claim_release, skip_remember
from review.services.errors import ClaimedByAnother, ReviewError


def _ensure_not_held_by_other(*, user, kind: str, item_id: int) -> None:
    holder = claim_holder(kind=kind, item_id=item_id)
    if holder is not None and holder.pk != user.pk:
        raise ClaimedByAnother("Another volunteer is working on this item right now; it was not changed.")


def _record_skip(*, user, kind: str, department_id: int, image_id: int, face_id: int | None = None) -> None:
    item_id = face_id if kind == QueueKind.IDENTIFY else image_id
    assert item_id is not None  # an identify skip always names its face
    skip_remember(user=user, kind=kind, item_id=item_id)
    Decision.objects.create(
        actor=user,
        kind=Decision.Kind.SKIP,
        department_id=department_id,
        image_id=image_id,
        face_id=face_id,
        after={"queue": kind},
    )


@transaction.atomic
def image_sort_decide(image: Image, *, answer: str, actor) -> None:
    """Answer "are there police officers in this photo?": yes, no or skip.

    The checks of a decision (a photo already sorted is refused) live in the faces service,
    which the API calls too; this adds the claim and skip bookkeeping of the dashboard.
    """
    _ensure_not_held_by_other(user=actor, kind=QueueKind.SORT, item_id=image.pk)
    if answer == "skip":
        _record_skip(user=actor, kind=QueueKind.SORT, department_id=image.department_id, image_id=image.pk)
        return
    if answer not in ("yes", "no"):
        raise ReviewError("Answer yes, no or skip.")
    face_review.image_sort(image, contains_officers=answer == "yes", actor=actor)
    claim_release(user=actor, kind=QueueKind.SORT, item_id=image.pk)


def _suggestion_of(face: Face, suggestion_id: int | None) -> MatchSuggestion:
    """The suggestion the page acted on, if it belongs to this face (the service checks the rest)."""
    suggestion = MatchSuggestion.objects.filter(pk=suggestion_id, face=face).first() if suggestion_id else None
    if suggestion is None:
        raise SuggestionUnavailable(SUGGESTION_HIDDEN)
    return suggestion


@transaction.atomic
def face_decide(
    face: Face,
    *,
    action: str,
    actor,
    suggestion_id: int | None = None,
    officer: Officer | None = None,
    use_for_recognition: bool = True,
) -> Face:
    """Apply one decision about a face: confirm / reject a suggestion, identify, civilian, skip.

    1. Refuse if another volunteer holds the face.
    2. Call the faces review service for the action: it refuses a face already decided or
       a suggestion the gate hides, and records the Decision.
    3. Release the claim (a rejection keeps it: the face still needs an identity).
    """
    _ensure_not_held_by_other(user=actor, kind=QueueKind.IDENTIFY, item_id=face.pk)
    if action == "confirm":
        suggestion = _suggestion_of(face, suggestion_id)
        face = face_review.suggestion_confirm(suggestion, actor=actor, use_for_recognition=use_for_recognition)
    elif action == "reject":
        face_review.suggestion_reject(_suggestion_of(face, suggestion_id), actor=actor)
        return face
    elif action == "identify":
        if officer is None:
            raise ReviewError("Choose an officer.")
        face = face_review.face_identify(face, officer=officer, actor=actor, use_for_recognition=use_for_recognition)
    elif action == "civilian":
        face = face_review.face_identify(face, officer=None, civilian=True, actor=actor, use_for_recognition=False)
    elif action == "skip":
        _record_skip(
            user=actor,
            kind=QueueKind.IDENTIFY,
            department_id=face.image.department_id,
            image_id=face.image_id,
            face_id=face.pk,
        )
        return face
    else:
        raise ReviewError("Unknown action.")
    claim_release(user=actor, kind=QueueKind.IDENTIFY, item_id=face.pk)
    return face


@transaction.atomic
def face_identify_new_officer(face: Face, *, actor, use_for_recognition: bool = True, **officer_fields) -> Face:
    """Add an officer to the photo's department and identify the face as them, all or nothing.

    A face already decided is refused before the officer is created, so a stale page adds nobody.
    """
    _ensure_not_held_by_other(user=actor, kind=QueueKind.IDENTIFY, item_id=face.pk)
    face = Face.objects.select_related("image__department").get(pk=face.pk)
    if face.officer_id is not None or face.is_civilian:
        raise AlreadyDecided(FACE_DECIDED)
    officer = officer_create(department=face.image.department, actor=actor, **officer_fields)
    face = face_review.face_identify(face, officer=officer, actor=actor, use_for_recognition=use_for_recognition)
    claim_release(user=actor, kind=QueueKind.IDENTIFY, item_id=face.pk)
    return face
