"""The recognition policy: the one module that answers "may we compute or match faces here?".

Everything that computes a face embedding, stores one or searches the gallery asks this
module, at the moment of doing it. Nothing else reads `facial_recognition_allowed` to make
a decision.

Rules enforced here (DESIGN.md, "the rules that never bend"):
1. recognition is allowed for a department only if its flag is on *and* no jurisdiction
   rule of its state forbids it;
4. turning the flag off purges, in the same transaction, every embedding of the
   department's faces and of its officers' faces, and withdraws pending suggestions;
5. a state rule makes the flag impossible to turn on (and turns it off where it was on).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from departments.models import Department, JurisdictionRule, RecognitionChange

logger = logging.getLogger(__name__)


class RecognitionPolicyError(ValueError):
    """A change of the recognition flag that the policy refuses, with a reason for people."""


class RecognitionNotAllowed(PermissionError):
    """Raised where biometric work was about to happen for a department that forbids it."""


@dataclass(frozen=True)
class RecognitionChangeResult:
    department: Department
    allowed: bool
    changed: bool
    purged_embeddings: int
    withdrawn_suggestions: int
    audit: RecognitionChange | None


def forbidding_rule(state: str) -> JurisdictionRule | None:
    return JurisdictionRule.objects.filter(state=state, recognition_forbidden=True).first()


def allowed_departments_q(prefix: str = "") -> Q:
    """A filter selecting departments where recognition is allowed now.

    `prefix` is the lookup path to a Department from the queried model, e.g.
    "officer__department__".
    """
    forbidden_states = JurisdictionRule.objects.filter(recognition_forbidden=True).values("state")
    return Q(**{f"{prefix}facial_recognition_allowed": True}) & ~Q(**{f"{prefix}state__in": forbidden_states})


def allowed_department_ids() -> set[int]:
    return set(Department.objects.filter(allowed_departments_q()).values_list("pk", flat=True))


def recognition_allowed(department: Department | int | None) -> bool:
    """Whether recognition is allowed for this department *now*.

    Always reads the database: a Department instance held in memory may be stale (the flag
    can be turned off while a task runs), so only its primary key is trusted.
    """
    if department is None:
        return False
    department_id = department if isinstance(department, int) else department.pk
    return Department.objects.filter(allowed_departments_q(), pk=department_id).exists()


def require_recognition_allowed(department: Department | int | None) -> None:
    if not recognition_allowed(department):
        raise RecognitionNotAllowed(f"facial recognition is not allowed for department {department}")


def lock_recognition_allowed(*department_ids: int | None) -> bool:
    """Inside a transaction: share-lock the departments and say whether all allow recognition.

    Writers of embeddings and suggestions call this right before writing. The lock is a
    FOR SHARE row lock, which conflicts with the FOR UPDATE that `department_set_recognition`
    takes, so a flag turned off either waits for the write to commit (and then purges it)
    or commits first (and then this returns False): an embedding can never outlive the flag.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("lock_recognition_allowed must run inside transaction.atomic()")
    ids = sorted({pk for pk in department_ids if pk is not None})
    if not ids:
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, state, facial_recognition_allowed FROM departments_department "
            "WHERE id = ANY(%s) ORDER BY id FOR SHARE",
            [ids],
        )
        rows = cursor.fetchall()
    if len(rows) != len(ids) or not all(allowed for _, _, allowed in rows):
        return False
    states = {state for _, state, _ in rows}
    return not JurisdictionRule.objects.filter(state__in=states, recognition_forbidden=True).exists()


def _purge_department(department: Department) -> tuple[int, int]:
    """Null every embedding of the department's faces and its officers' faces; withdraw suggestions."""
    from faces.models import Face, MatchSuggestion

    in_department = Q(image__department=department) | Q(officer__department=department)
    purged = Face.objects.filter(in_department, embedding__isnull=False).update(
        embedding=None, embedding_skipped_reason="Recognition turned off for this department."
    )
    withdrawn = MatchSuggestion.objects.filter(
        Q(face__image__department=department) | Q(officer__department=department),
        status=MatchSuggestion.Status.PENDING,
    ).update(status=MatchSuggestion.Status.WITHDRAWN, decided_at=timezone.now())
    return purged, withdrawn


def purge_preview(department: Department) -> dict[str, int]:
    """What turning the flag off would delete, for confirmation pages."""
    from faces.models import Face, MatchSuggestion

    return {
        "embeddings": Face.objects.filter(
            Q(image__department=department) | Q(officer__department=department), embedding__isnull=False
        ).count(),
        "suggestions": MatchSuggestion.objects.filter(
            Q(face__image__department=department) | Q(officer__department=department),
            status=MatchSuggestion.Status.PENDING,
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
        purged, withdrawn = _purge_department(locked)
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
    from faces.tasks import backfill_department

    try:
        backfill_department.delay(department_id, change_id)
    except Exception:  # broker down: the audit row still says a backfill is due
        logger.exception("could not queue backfill for department %s; it stays due", department_id)


@transaction.atomic
def jurisdiction_rule_save(rule: JurisdictionRule, *, actor, reason: str = "") -> list[RecognitionChangeResult]:
    """Save a state rule; a forbidding rule turns recognition off for every department of the state."""
    rule.full_clean()
    rule.save()
    results = []
    if rule.recognition_forbidden:
        why = reason or f"State rule for {rule.state}: {rule.legal_reason}"
        for department in Department.objects.filter(state=rule.state, facial_recognition_allowed=True):
            results.append(department_set_recognition(department, allowed=False, actor=actor, reason=why))
    return results
