"""Decisions by people: identify a face, confirm or reject a suggestion, sort a photo.

People decide (docs/architecture.md, rule 6): a suggestion becomes an identification only here.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from departments import policy
from departments.models import Officer
from faces.models import Decision, Face, Image, MatchSuggestion
from faces.renditions import rendition_invalidate
from faces.selectors import visible_suggestions
from faces.services.notifications import notify_identified
from faces.signals import face_identity_changed
from oversight.exceptions import Conflict, DomainError


class ReviewError(DomainError):
    """A decision that cannot be applied as asked, with a reason for people."""

    code = "review_error"


class AlreadyDecided(ReviewError, Conflict):
    """Someone decided this already; a change of decision is an undo, then a new decision."""

    code = "already_decided"
    status = 409


class SuggestionUnavailable(ReviewError, Conflict):
    """The suggestion is not one people may act on now: decided, withdrawn, or hidden by the gate."""

    code = "suggestion_unavailable"
    status = 409


FACE_DECIDED = (
    "This face was already identified by someone else; nothing was changed. "
    "To change it, a coordinator or administrator undoes that decision first."
)
IMAGE_SORTED = (
    "This photo was sorted by someone else already; nothing was changed. "
    "To change it, a coordinator or administrator undoes that decision first."
)
SUGGESTION_HIDDEN = "This suggestion is no longer available (already decided, or recognition is off here)."


def _locked_face(face_id: int) -> Face:
    return Face.objects.select_for_update(of=("self",)).select_related("image").get(pk=face_id)


def _refuse_if_decided(face: Face) -> None:
    if face.officer_id is not None or face.is_civilian:
        raise AlreadyDecided(FACE_DECIDED)


def _identity_snapshot(face: Face) -> dict:
    """What a Decision records before and after an identity change (undo restores it)."""
    return {
        "officer_id": face.officer_id,
        "is_civilian": face.is_civilian,
        "use_for_recognition": face.use_for_recognition,
    }


def _actor(actor):
    return actor if getattr(actor, "pk", None) else None


def _set_identity(
    face: Face,
    *,
    officer: Officer | None,
    actor,
    civilian: bool,
    use_for_recognition: bool,
    suggestion: MatchSuggestion | None,
) -> Face:
    """Write an identity on a face the caller has locked.

    1. An officer must belong to the photo's department, unless a person confirms a
       suggestion: the gallery spans every department that allows recognition (officers
       move, and neighbouring departments police the same events).
    2. Set the identity and who decided; a civilian face never feeds the gallery.
    3. The stored embedding stays only if both the photo's and the officer's departments
       allow recognition now (rule 2); otherwise it is deleted.
    4. Pending suggestions for the face are settled: the chosen officer's is confirmed,
       the others withdrawn (their ids recorded on the Decision, for the undo).
    5. An officer identified: the uploader, if they left an address, gets their one e-mail.
    """
    before = _identity_snapshot(face)
    if officer is not None and civilian:
        raise ReviewError("A face cannot be both an officer and a civilian.")
    confirmed_officer_id = suggestion.officer_id if suggestion is not None else None
    if officer is not None and officer.department_id != face.image.department_id and confirmed_officer_id != officer.pk:
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
    # Recorded on the Decision, so an undo puts back exactly these (review.services.undo).
    withdrawn = sorted(pending.exclude(officer=officer).values_list("pk", flat=True))
    MatchSuggestion.objects.filter(pk__in=withdrawn).update(status=MatchSuggestion.Status.WITHDRAWN, decided_at=now)
    if officer is not None and not civilian:
        notify_identified(face.image_id)  # the uploader's one e-mail, if they left an address
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
        after={**_identity_snapshot(face), **({"withdrawn_suggestions": withdrawn} if withdrawn else {})},
    )
    transaction.on_commit(lambda: rendition_invalidate(face.image_id))  # un/blur it in the public photo
    face_identity_changed.send(sender=Face, face=face, before=before)  # and wherever else it is shown
    return face


@transaction.atomic
def face_identify(
    face: Face,
    *,
    officer: Officer | None,
    actor,
    civilian: bool = False,
    use_for_recognition: bool = True,
) -> Face:
    """A person says who a face is: an officer of the photo's department, or a civilian (stays blurred).

    Refuses a face someone already identified or marked civilian (AlreadyDecided, 409).
    """
    face = _locked_face(face.pk)
    _refuse_if_decided(face)
    return _set_identity(
        face, officer=officer, actor=actor, civilian=civilian, use_for_recognition=use_for_recognition, suggestion=None
    )


@transaction.atomic
def face_identity_restore(
    face: Face, *, officer: Officer | None, actor, civilian: bool, use_for_recognition: bool
) -> Face:
    """Put back an identity recorded before: for review.services.undo only.

    It overwrites the face's current identity on purpose; the undo service has checked who
    may do that and records it as an UNDO.
    """
    return _set_identity(
        _locked_face(face.pk),
        officer=officer,
        actor=actor,
        civilian=civilian,
        use_for_recognition=use_for_recognition,
        suggestion=None,
    )


def _actionable_suggestion(suggestion: MatchSuggestion) -> tuple[Face, MatchSuggestion]:
    """Lock the face and the suggestion, and refuse unless people may act on it now.

    1. Lock the face first (the order every decision uses); refuse a face already decided.
    2. Lock the suggestion; refuse unless it is still pending.
    3. Refuse unless the gate lets people see it now: both the photo's and the officer's
       departments allow recognition (the same query the pages show suggestions with).
    """
    face = _locked_face(suggestion.face_id)
    _refuse_if_decided(face)
    suggestion = MatchSuggestion.objects.select_for_update().select_related("officer").get(pk=suggestion.pk)
    if suggestion.status != MatchSuggestion.Status.PENDING:
        raise SuggestionUnavailable(f"This suggestion is already {suggestion.status}.")
    if not visible_suggestions(face).filter(pk=suggestion.pk).exists():
        raise SuggestionUnavailable(SUGGESTION_HIDDEN)
    return face, suggestion


@transaction.atomic
def suggestion_confirm(suggestion: MatchSuggestion, *, actor, use_for_recognition: bool = True) -> Face:
    """Confirm a suggested officer: the face is identified as them (rule 6: a person decides)."""
    face, suggestion = _actionable_suggestion(suggestion)
    return _set_identity(
        face,
        officer=suggestion.officer,
        actor=actor,
        civilian=False,
        use_for_recognition=use_for_recognition,
        suggestion=suggestion,
    )


@transaction.atomic
def suggestion_reject(suggestion: MatchSuggestion, *, actor) -> MatchSuggestion:
    """Reject: this officer is never suggested again for this face."""
    face, suggestion = _actionable_suggestion(suggestion)
    suggestion.status = MatchSuggestion.Status.REJECTED
    suggestion.decided_by = _actor(actor)
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "decided_by", "decided_at"])
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


def _set_sorted(image: Image, *, contains_officers: bool | None, actor) -> Image:
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


@transaction.atomic
def image_sort(image: Image, *, contains_officers: bool, actor) -> Image:
    """A person's answer to "are there police officers in this photo?"; refuses a photo already sorted."""
    image = Image.objects.select_for_update().get(pk=image.pk)
    if image.contains_officers is not None:
        raise AlreadyDecided(IMAGE_SORTED)
    return _set_sorted(image, contains_officers=contains_officers, actor=actor)


@transaction.atomic
def image_sort_restore(image: Image, *, contains_officers: bool | None, actor) -> Image:
    """Put back a recorded sort answer (None: unsorted again): for review.services.undo only."""
    return _set_sorted(
        Image.objects.select_for_update().get(pk=image.pk), contains_officers=contains_officers, actor=actor
    )
