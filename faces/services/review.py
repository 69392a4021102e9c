"""Decisions by people: identify a face, confirm or reject a suggestion, sort a photo.

People decide (DESIGN.md rule 6): a suggestion becomes an identification only here.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from departments import policy
from departments.models import Officer
from faces.models import Decision, Face, Image, MatchSuggestion
from faces.renditions import rendition_invalidate


class ReviewError(ValueError):
    """A decision that cannot be applied as asked, with a reason for people."""


def _locked_face(face: Face) -> Face:
    return Face.objects.select_for_update().select_related("image").get(pk=face.pk)


def _face_state(face: Face) -> dict:
    return {
        "officer_id": face.officer_id,
        "is_civilian": face.is_civilian,
        "use_for_recognition": face.use_for_recognition,
    }


def _actor(actor):
    return actor if getattr(actor, "pk", None) else None


@transaction.atomic
def face_identify(
    face: Face,
    *,
    officer: Officer | None,
    actor,
    civilian: bool = False,
    use_for_recognition: bool = True,
    suggestion: MatchSuggestion | None = None,
) -> Face:
    """Record who a face is: an officer, a civilian (stays blurred), or unknown again.

    1. Lock the face; an officer must belong to the photo's department, unless a person
       confirms a suggestion: the gallery spans every department that allows recognition
       (officers move, and neighbouring departments police the same events).
    2. Set the identity and who decided; a civilian face never feeds the gallery.
    3. The stored embedding stays only if both the photo's and the officer's departments
       allow recognition now (rule 2); otherwise it is deleted.
    4. Pending suggestions for the face are settled: the chosen officer's is confirmed,
       the others withdrawn.
    """
    face = _locked_face(face)
    before = _face_state(face)
    if officer is not None and civilian:
        raise ReviewError("A face cannot be both an officer and a civilian.")
    cross_department = officer is not None and officer.department_id != face.image.department_id
    if cross_department and (suggestion is None or suggestion.officer_id != officer.pk):
        raise ReviewError("The officer must belong to the photo's department.")
    now = timezone.now()
    face.officer = officer
    face.is_civilian = civilian
    face.use_for_recognition = bool(officer is not None and use_for_recognition)
    face.identified_by = _actor(actor)
    face.identified_at = now
    fields = ["officer", "is_civilian", "use_for_recognition", "identified_by", "identified_at"]
    if face.embedding is not None and not policy.lock_recognition_allowed(
        face.image.department_id, officer.department_id if officer else None
    ):
        face.embedding = None
        fields.append("embedding")
    face.save(update_fields=fields)
    pending = MatchSuggestion.objects.filter(face=face, status=MatchSuggestion.Status.PENDING)
    if officer is not None:
        pending.filter(officer=officer).update(
            status=MatchSuggestion.Status.CONFIRMED, decided_by=face.identified_by, decided_at=now
        )
        Image.objects.filter(pk=face.image_id).update(contains_officers=True)
    pending.exclude(officer=officer).update(status=MatchSuggestion.Status.WITHDRAWN, decided_at=now)
    if suggestion is not None:
        kind = Decision.Kind.CONFIRM
    else:
        kind = Decision.Kind.CIVILIAN if civilian else Decision.Kind.IDENTIFY
    Decision.objects.create(
        actor=_actor(actor),
        kind=kind,
        department_id=face.image.department_id,
        image_id=face.image_id,
        face=face,
        officer=officer,
        suggestion=suggestion,
        before=before,
        after=_face_state(face),
    )
    transaction.on_commit(lambda: rendition_invalidate(face.image_id))  # un/blur it in the public photo
    return face


@transaction.atomic
def suggestion_confirm(suggestion: MatchSuggestion, *, actor, use_for_recognition: bool = True) -> Face:
    suggestion = MatchSuggestion.objects.select_for_update().select_related("face", "officer").get(pk=suggestion.pk)
    if suggestion.status != MatchSuggestion.Status.PENDING:
        raise ReviewError(f"This suggestion is already {suggestion.status}.")
    return face_identify(
        suggestion.face,
        officer=suggestion.officer,
        actor=actor,
        use_for_recognition=use_for_recognition,
        suggestion=suggestion,
    )


@transaction.atomic
def suggestion_reject(suggestion: MatchSuggestion, *, actor) -> MatchSuggestion:
    """Reject: this officer is never suggested again for this face."""
    suggestion = MatchSuggestion.objects.select_for_update().select_related("face__image").get(pk=suggestion.pk)
    if suggestion.status != MatchSuggestion.Status.PENDING:
        raise ReviewError(f"This suggestion is already {suggestion.status}.")
    suggestion.status = MatchSuggestion.Status.REJECTED
    suggestion.decided_by = _actor(actor)
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "decided_by", "decided_at"])
    face = suggestion.face
    Decision.objects.create(
        actor=_actor(actor),
        kind=Decision.Kind.REJECT,
        department_id=face.image.department_id,
        image_id=face.image_id,
        face=face,
        officer_id=suggestion.officer_id,
        suggestion=suggestion,
        before={"status": MatchSuggestion.Status.PENDING},
        after={"status": MatchSuggestion.Status.REJECTED},
    )
    return suggestion


@transaction.atomic
def image_sort(image: Image, *, contains_officers: bool, actor) -> Image:
    """A person's answer to "are there police officers in this photo?"."""
    image = Image.objects.select_for_update().get(pk=image.pk)
    before = {"contains_officers": image.contains_officers}
    image.contains_officers = contains_officers
    image.save(update_fields=["contains_officers"])
    Decision.objects.create(
        actor=_actor(actor),
        kind=Decision.Kind.SORT,
        department_id=image.department_id,
        image=image,
        before=before,
        after={"contains_officers": contains_officers},
    )
    return image
