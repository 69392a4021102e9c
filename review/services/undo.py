"""Undo a recorded decision: coordinators of the decision's department, and administrators.

The state is restored through the same services that applied it (so the gate and the
suggestion bookkeeping stay in one place); the Decision row those services write is
recorded as the UNDO decision, pointing at the decision it undoes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts import roles
from departments import policy
from departments.models import Officer
from faces.models import Decision, Face, MatchSuggestion
from faces.services import review as face_review
from oversight.exceptions import NotPermitted
from review.services.curation import face_set_gallery_use, officer_set_featured_face
from review.services.errors import ReviewError

Kind = Decision.Kind
IDENTITY_KINDS = (Kind.IDENTIFY, Kind.CIVILIAN, Kind.CONFIRM)


def _superseding(decision: Decision) -> QuerySet[Decision]:
    """Newer, still-standing decisions about the same thing: undoing past them would clobber them."""
    newer = Decision.objects.filter(pk__gt=decision.pk, undone_at__isnull=True).exclude(kind__in=[Kind.UNDO, Kind.SKIP])
    # The ids below may be None (a deleted officer); Django reads `field=None` as IS NULL, and
    # django-stubs accepts only values in a lookup, hence the ignores.
    if decision.kind == Kind.SORT:
        return newer.filter(kind=Kind.SORT, image_id=decision.image_id)  # type: ignore[misc]
    if decision.kind == Kind.CURATE and "featured_face_id" in decision.before:
        return newer.filter(  # type: ignore[misc]
            kind=Kind.CURATE, officer_id=decision.officer_id, after__has_key="featured_face_id"
        )
    return newer.filter(kind__in=[*IDENTITY_KINDS, Kind.CURATE], face_id=decision.face_id)  # type: ignore[misc]


def _undo_sort(decision: Decision, actor) -> None:
    assert decision.image is not None  # a sort names its photo (deleted with it)
    face_review.image_sort_restore(
        decision.image, contains_officers=decision.before.get("contains_officers"), actor=actor
    )


def _undo_identity(decision: Decision, actor) -> None:
    before = decision.before
    officer = None
    if before.get("officer_id"):
        officer = Officer.objects.filter(pk=before["officer_id"]).first()
        if officer is None:
            raise ReviewError("The officer this face was identified as before no longer exists.")
    assert decision.face is not None  # an identification names its face (deleted with it)
    face = face_review.face_identity_restore(
        decision.face,
        officer=officer,
        civilian=bool(before.get("is_civilian")),
        actor=actor,
        use_for_recognition=bool(before.get("use_for_recognition")),
    )
    if face.officer_id is not None or face.is_civilian:
        return  # identified again (restored to an earlier identity): its suggestions stay settled
    if decision.kind == Kind.CONFIRM and decision.suggestion_id:
        _reopen_suggestion(decision.suggestion_id, face)
    _reopen_withdrawn(decision.after.get("withdrawn_suggestions") or [], face)


def _reopen_withdrawn(suggestion_ids: list[int], face: Face) -> None:
    """Put back the suggestions the undone decision withdrew, through the same gate check.

    Only those still withdrawn and still on this face: one rejected or deleted since stays so.
    """
    ids = [i for i in suggestion_ids if isinstance(i, int)]
    withdrawn = MatchSuggestion.objects.filter(pk__in=ids, face=face, status=MatchSuggestion.Status.WITHDRAWN)
    for suggestion_id in withdrawn.values_list("pk", flat=True):
        _reopen_suggestion(suggestion_id, face)


def _reopen_suggestion(suggestion_id: int, face: Face) -> None:
    """Put a decided suggestion back to pending — only if the gate still allows showing it."""
    suggestion = MatchSuggestion.objects.select_for_update().select_related("officer").get(pk=suggestion_id)
    allowed = policy.lock_recognition_allowed(face.image.department_id, suggestion.officer.department_id)
    status = MatchSuggestion.Status.PENDING if allowed else MatchSuggestion.Status.WITHDRAWN
    MatchSuggestion.objects.filter(pk=suggestion.pk).update(
        status=status, decided_by=None, decided_at=None if allowed else timezone.now()
    )


def _undo_reject(decision: Decision, actor) -> None:
    # No suggestion id (deleted since) matches nothing; django-stubs accepts only values in a lookup.
    suggestion = (
        MatchSuggestion.objects.filter(pk=decision.suggestion_id)  # type: ignore[misc]
        .select_related("face__image")
        .first()
    )
    if suggestion is None or suggestion.status != MatchSuggestion.Status.REJECTED:
        raise ReviewError("This suggestion is no longer rejected; there is nothing to undo.")
    face = suggestion.face
    if face.officer_id is not None or face.is_civilian:
        raise ReviewError("The face has been identified since; undo that decision first.")
    _reopen_suggestion(suggestion.pk, face)
    Decision.objects.create(
        actor=actor,
        kind=Kind.UNDO,
        department_id=decision.department_id,
        image_id=decision.image_id,
        face_id=decision.face_id,
        officer_id=decision.officer_id,
        suggestion_id=suggestion.pk,
        before={"status": MatchSuggestion.Status.REJECTED},
        after={"status": "reopened", "undoes": decision.pk},
    )


def _undo_curate(decision: Decision, actor) -> None:
    before = decision.before
    if "use_for_recognition" in before:
        face = Face.objects.filter(pk=decision.face_id).first()  # type: ignore[misc]  # None matches nothing
        if face is None:
            raise ReviewError("That face no longer exists.")
        face_set_gallery_use(face, use=bool(before["use_for_recognition"]), actor=actor)
    elif "featured_face_id" in before:
        officer = Officer.objects.filter(pk=decision.officer_id).first()  # type: ignore[misc]  # None: deleted
        if officer is None:
            raise ReviewError("That officer no longer exists.")
        previous = Face.objects.filter(pk=before["featured_face_id"], officer=officer).first()
        officer_set_featured_face(officer, previous, actor=actor)
    else:
        raise ReviewError("This curation cannot be undone.")


HANDLERS: dict[str, Callable[[Decision, Any], None]] = {
    Kind.SORT: _undo_sort,
    Kind.IDENTIFY: _undo_identity,
    Kind.CIVILIAN: _undo_identity,
    Kind.CONFIRM: _undo_identity,
    Kind.REJECT: _undo_reject,
    Kind.CURATE: _undo_curate,
}


@transaction.atomic
def decision_undo(decision: Decision, *, actor) -> Decision:
    """Undo one decision and return the UNDO decision recorded for it.

    1. Lock the decision; only a coordinator of its department or an administrator may undo.
    2. Refuse skips, undos, decisions already undone, and decisions a newer standing
       decision about the same item depends on (undo that one first).
    3. Restore the `before` state through the services, and relabel the Decision they
       wrote as the UNDO (so the undoer is not credited with a sort or identification).
    4. Mark the original as undone (who, when).
    """
    decision = Decision.objects.select_for_update(of=("self",)).get(pk=decision.pk)
    if not roles.can_undo_decisions(actor, decision.department_id):
        raise NotPermitted("Only a coordinator of this department or an administrator can undo decisions.")
    if decision.undone_at is not None:
        raise ReviewError("This decision was already undone.")
    handler = HANDLERS.get(decision.kind)
    if handler is None:
        raise ReviewError("Skips and undos cannot be undone.")
    if _superseding(decision).exists():
        raise ReviewError("A newer decision about the same item stands; undo that one first.")
    mark = Decision.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    handler(decision, actor)
    written = list(
        Decision.objects.filter(pk__gt=mark, actor=actor, department_id=decision.department_id).order_by("pk")
    )
    for row in written:
        row.kind = Kind.UNDO
        row.after = {**row.after, "undoes": decision.pk}
        row.save(update_fields=["kind", "after"])
    if not written:  # nothing needed changing (state already as before): still leave a trace
        written.append(
            Decision.objects.create(
                actor=actor,
                kind=Kind.UNDO,
                department_id=decision.department_id,
                image_id=decision.image_id,
                face_id=decision.face_id,
                officer_id=decision.officer_id,
                after={"undoes": decision.pk},
            )
        )
    Decision.objects.filter(pk=decision.pk).update(undone_by=actor, undone_at=timezone.now())
    return written[-1]
