"""Changing where recognition is allowed, and what that does to face data.

departments.policy answers "may we?" and knows nothing about faces; the writes that turn
the answer into data live here, above both apps, because they touch faces:
1. `department_set_recognition` — the only way to switch a department's flag; turning it
   off purges in the same transaction (docs/architecture.md, rule 4);
2. `jurisdiction_rule_save` — a forbidding state rule turns the flag off everywhere in the
   state, through the same function (rule 5);
3. `purge_department` — delete every embedding of a department's faces and its officers'
   faces and withdraw their pending suggestions; `purge_preview` counts what it would delete;
4. `department_save` — a department moved into a forbidding state has its flag turned off
   (audited, purged) before the move is saved;
5. `jurisdiction_rule_delete` — removing a rule is audited (RuleChange) and turns nothing on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from departments.models import Department, JurisdictionRule, RecognitionChange
from departments.policy import forbidding_rule
from faces.models import Face, FaceGroup, MatchSuggestion, RuleChange
from oversight.exceptions import DomainError

logger = logging.getLogger(__name__)

PURGE_REASON = "Recognition turned off for this department."


class RecognitionPolicyError(DomainError):
    """A change of the recognition flag that the policy refuses, with a reason for people."""

    code = "forbidden_by_policy"
    status = 400
    field = "allowed"


@dataclass(frozen=True)
class RecognitionChangeResult:
    department: Department
    allowed: bool
    changed: bool
    purged_embeddings: int
    withdrawn_suggestions: int
    audit: RecognitionChange | None


def _department_faces(department: Department | int) -> Q:
    return Q(image__department=department) | Q(officer__department=department)


def _department_suggestions(department: Department | int) -> Q:
    return Q(face__image__department=department) | Q(officer__department=department)


def purge_department(department: Department | int, *, reason: str = PURGE_REASON) -> tuple[int, int]:
    """Null every embedding of the department's faces and its officers' faces; withdraw pending suggestions.

    Returns (embeddings purged, suggestions withdrawn). Call it inside the transaction that
    makes recognition disallowed, so nothing outlives the change.
    """
    purged = Face.objects.filter(_department_faces(department), embedding__isnull=False).update(
        embedding=None, embedding_skipped_reason=reason
    )
    withdrawn = MatchSuggestion.objects.filter(
        _department_suggestions(department), status=MatchSuggestion.Status.PENDING
    ).update(status=MatchSuggestion.Status.WITHDRAWN, decided_at=timezone.now())
    # Groups of unidentified faces are derived from the embeddings: they go too (the
    # triggers of migration 0009 have emptied them already; this removes the group rows).
    FaceGroup.objects.filter(department=department).delete()
    return purged, withdrawn


def purge_preview(department: Department | int) -> dict[str, int]:
    """What turning the flag off would delete, for confirmation pages."""
    return {
        "embeddings": Face.objects.filter(_department_faces(department), embedding__isnull=False).count(),
        "suggestions": MatchSuggestion.objects.filter(
            _department_suggestions(department), status=MatchSuggestion.Status.PENDING
        ).count(),
    }


@transaction.atomic
def department_set_recognition(department: Department, *, allowed: bool, actor, reason: str) -> RecognitionChangeResult:
    """Turn a department's facial recognition on or off.

    1. Lock the department row (FOR UPDATE) so embedding writers wait or see the new value.
    2. Refuse without a reason, or when enabling where a state rule forbids it.
    3. On disable: purge embeddings and withdraw pending suggestions in this transaction.
    4. Write the audit row; on enable, mark a backfill due and queue it after commit.
    """
    reason = (reason or "").strip()
    if not reason:
        raise RecognitionPolicyError("A reason is required to change facial recognition.")
    locked = Department.objects.select_for_update().get(pk=department.pk)
    if allowed:
        rule = forbidding_rule(locked.state)
        if rule is not None:
            raise RecognitionPolicyError(
                f"Facial recognition cannot be enabled for departments in {rule.state}: {rule.legal_reason}"
            )
    purged = withdrawn = 0
    changed = locked.facial_recognition_allowed != allowed
    if not allowed:
        # Purge even when the flag was already off: nothing may survive a disable.
        purged, withdrawn = purge_department(locked)
    Department.objects.filter(pk=locked.pk).update(facial_recognition_allowed=allowed, updated_at=timezone.now())
    locked.facial_recognition_allowed = allowed
    department.facial_recognition_allowed = allowed
    audit = RecognitionChange.objects.create(
        department=locked,
        allowed=allowed,
        actor=actor if getattr(actor, "pk", None) else None,
        reason=reason,
        purged_embeddings=purged,
        withdrawn_suggestions=withdrawn,
        backfill_due=allowed,
    )
    if allowed:
        transaction.on_commit(lambda: _queue_backfill(locked.pk, audit.pk))
    logger.info(
        "recognition %s for %s by %s (purged %d embeddings, withdrew %d suggestions)",
        "enabled" if allowed else "disabled",
        locked,
        actor,
        purged,
        withdrawn,
    )
    return RecognitionChangeResult(locked, allowed, changed, purged, withdrawn, audit)


def _queue_backfill(department_id: int, change_id: int) -> None:
    from faces.tasks import backfill_department  # tasks import the services: a module-level import would cycle

    try:
        backfill_department.delay(department_id, change_id)
    except Exception:  # broker down: the audit row still says a backfill is due
        logger.exception("could not queue backfill for department %s; it stays due", department_id)


@transaction.atomic
def department_save(department: Department, *, actor) -> RecognitionChangeResult | None:
    """Save a department (a new one, or an edit such as its state); never leave its flag on where a rule forbids.

    1. Lock the stored row, and read the flag from it (the form's copy may be stale).
    2. If a rule forbids recognition in the department's (new) state and the flag is on, turn
       it off through `department_set_recognition` first — audited with the actor and the
       rule's reason, purged in this transaction — so the database safety net (migration
       0006) finds it off and does not audit it a second time.
    3. Save the department.
    """
    result = None
    stored = Department.objects.select_for_update().filter(pk=department.pk).first() if department.pk else None
    rule = forbidding_rule(department.state)
    if stored is not None and stored.facial_recognition_allowed and rule is not None:
        moved = stored.state != department.state
        why = f"{'Moved to' if moved else 'Forbidden in'} {rule.state}: {rule.legal_reason}"
        result = department_set_recognition(department, allowed=False, actor=actor, reason=why)
    elif stored is not None:
        # The flag is not a form field: keep the stored value, never the form's copy.
        department.facial_recognition_allowed = stored.facial_recognition_allowed
    department.save()
    return result


def _rule_fields(rule: JurisdictionRule) -> dict[str, object]:
    return {"state": rule.state, "recognition_forbidden": rule.recognition_forbidden, "legal_reason": rule.legal_reason}


@transaction.atomic
def jurisdiction_rule_save(rule: JurisdictionRule, *, actor, reason: str = "") -> list[RecognitionChangeResult]:
    """Save a state rule, audited (RuleChange); a forbidding rule turns recognition off in its state.

    Relaxing a rule, or moving it to another state, turns nothing on: departments it no
    longer covers keep their flag off until someone turns it on with a reason.
    """
    rule.full_clean()
    stored = JurisdictionRule.objects.select_for_update().filter(pk=rule.pk).first() if rule.pk else None
    before = _rule_fields(stored) if stored is not None else {}
    results = []
    if rule.recognition_forbidden:
        # Flags off first, then the rule: the service's purge is audited in RecognitionChange with
        # its counts, and the rule's database trigger then finds nothing left to purge.
        why = reason or f"State rule for {rule.state}: {rule.legal_reason}"
        for department in Department.objects.filter(state=rule.state, facial_recognition_allowed=True):
            results.append(department_set_recognition(department, allowed=False, actor=actor, reason=why))
    rule.save()
    after = _rule_fields(rule)
    if before != after:
        RuleChange.objects.create(
            state=rule.state,
            action=RuleChange.Action.CHANGED if stored is not None else RuleChange.Action.ADDED,
            before=before,
            after=after,
            actor=actor if getattr(actor, "pk", None) else None,
        )
    return results


@transaction.atomic
def jurisdiction_rule_delete(rule: JurisdictionRule, *, actor) -> RuleChange:
    """Delete a state rule, audited. Flags stay as they are (off): nothing is turned on by a deletion."""
    audit = RuleChange.objects.create(
        state=rule.state,
        action=RuleChange.Action.REMOVED,
        before=_rule_fields(rule),
        after={},
        actor=actor if getattr(actor, "pk", None) else None,
    )
    rule.delete()
    return audit
