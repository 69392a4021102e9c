"""The recognition policy: the one module that answers "may we compute or match faces here?".

Everything that computes a face embedding, stores one or searches the gallery asks this
module, at the moment of doing it. Nothing else reads `facial_recognition_allowed` to make
a decision.

Rules answered here (docs/architecture.md, "The rules"):
1. recognition is allowed for a department only if its flag is on *and* no jurisdiction
   rule of its state forbids it;
5. a state rule makes the flag impossible to turn on.

This module only answers questions and knows nothing about faces. Changing the flag, and
the purge that turning it off requires (rule 4), live in faces.services.recognition,
above both apps.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q

from departments.models import Department, JurisdictionRule
from oversight.exceptions import NotPermitted


class RecognitionNotAllowed(NotPermitted):
    """Raised where biometric work was about to happen for a department that forbids it."""

    code = "recognition_not_allowed"


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
    FOR SHARE row lock, which conflicts with the FOR UPDATE that
    `faces.services.recognition.department_set_recognition` takes, so a flag turned off
    either waits for the write to commit (and then purges it) or commits first (and then
    this returns False): an embedding can never outlive the flag.
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
