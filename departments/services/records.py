"""What every edit of the officer record shares: who may edit, the audit row, validation.

Coordinators of a department and administrators edit its records; trusted code paths with no
person behind them (seed data, command-line imports) act as `SYSTEM`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.db.models import Model

from accounts.roles import can_edit_officers
from departments.models import Department, RecordChange
from oversight.exceptions import DomainError, NotPermitted


class RecordInvalid(DomainError):
    """A field of the officer record is not valid; `errors` maps fields to messages."""

    code = "invalid"
    status = 400

    def __init__(self, errors: ValidationError | dict[str, list[str]] | str) -> None:
        if isinstance(errors, ValidationError):
            errors = errors.message_dict if hasattr(errors, "error_dict") else {"__all__": list(errors.messages)}
        elif isinstance(errors, str):
            errors = {"__all__": [errors]}
        self.errors: dict[str, list[str]] = errors
        super().__init__(" ".join(f"{m}" for messages in errors.values() for m in messages))


class SystemActor:
    """The actor of trusted code paths with no person behind them (seed data, command-line imports)."""

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM: Final = SystemActor()


def record_editable_by(actor: Any, department: Department | int) -> bool:
    """Whether `actor` may edit the officer records of `department` (the pages ask this too)."""
    return actor is SYSTEM or can_edit_officers(actor, department)


def require_editor(actor: Any, department: Department | int) -> None:
    if not record_editable_by(actor, department):
        raise NotPermitted("Only coordinators of this department and administrators may edit its officer records.")


def audit_actor(actor: Any) -> Any:
    return None if actor is SYSTEM else actor


def _json(value: Any) -> Any:
    if isinstance(value, datetime.date | Decimal):
        return str(value)
    return value


def snapshot(obj: Model, fields: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {name: _json(getattr(obj, name)) for name in fields}


def audit(
    actor: Any, department: Department, what: str, obj: Model, before: dict | None, after: dict | None
) -> RecordChange:
    return RecordChange.objects.create(
        actor=audit_actor(actor), department=department, what=what, object_id=obj.pk, before=before, after=after
    )


def clean_or_refuse(obj: Model, *, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise RecordInvalid(exc) from exc


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value
