"""Writes about officers: adding one, editing the record, the assignment history."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from departments.models import Assignment, Department, Officer
from departments.services.records import RecordInvalid, audit, clean_or_refuse, require_editor, snapshot, strip
from oversight.exceptions import Conflict


@transaction.atomic
def officer_create(
    *,
    department: Department,
    first_name: str,
    last_name: str,
    badge_number: str,
    rank: str = "",
    unit: str = "",
    actor=None,
) -> Officer:
    """Add an officer to a department's roster.

    1. Trim the fields and validate them like a form would (lengths, required names/badge).
    2. Refuse a badge number already used in the department (ValidationError on the field).
    3. Create the row; a concurrent duplicate surfaces as the same ValidationError.

    `actor` is accepted for the audit trail of callers; permission checks belong to them.
    """
    officer = Officer(
        department=department,
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
        badge_number=(badge_number or "").strip(),
        rank=(rank or "").strip(),
        unit=(unit or "").strip(),
    )
    if not officer.last_name and not officer.first_name:
        raise ValidationError({"last_name": "Give at least a first or a last name."})
    # Some rosters know only one of the names, so an empty one is not an error here.
    exclude = ["featured_face", "public_notes"] + [n for n in ("first_name", "last_name") if not getattr(officer, n)]
    officer.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    duplicate = ValidationError(
        {"badge_number": f"Badge {officer.badge_number} is already used by an officer of {department.name}."}
    )
    if Officer.objects.filter(department=department, badge_number=officer.badge_number).exists():
        raise duplicate
    try:
        with transaction.atomic():
            officer.save()
    except IntegrityError as exc:
        raise duplicate from exc
    # Every officer has a current assignment mirroring these columns (see Officer's docstring).
    Assignment.objects.create(officer=officer, badge_number=officer.badge_number, rank=officer.rank, unit=officer.unit)
    return officer


OFFICER_EDITABLE = (
    "employee_id",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "employment_date",
    "separation_date",
    "gender",
    "race",
    "birth_year",
    "public_notes",
)


@transaction.atomic
def officer_update(officer: Officer, *, actor: Any, **fields: Any) -> Officer:
    """Change an officer's names, employee ID, employment dates, roster-stated demographics or notes.

    Badge, rank and unit are the current assignment's and change only through `assignment_start`.
    Refuses a duplicate employee ID in the department (Conflict); records the change.
    """
    require_editor(actor, officer.department_id)
    unknown = set(fields) - set(OFFICER_EDITABLE)
    if unknown:
        raise RecordInvalid({name: ["This field is not edited here."] for name in sorted(unknown)})
    officer = Officer.objects.select_for_update().get(pk=officer.pk)
    before = snapshot(officer, list(fields))
    for name, value in fields.items():
        text = name not in ("employment_date", "separation_date", "birth_year")
        setattr(officer, name, (strip(value) or "") if text else (None if value == "" else value))
    if not officer.first_name and not officer.last_name:
        raise RecordInvalid({"last_name": ["Give at least a first or a last name."]})
    clean_or_refuse(
        officer, exclude=["featured_face"] + [n for n in ("first_name", "last_name") if not getattr(officer, n)]
    )
    if officer.separation_date and officer.employment_date and officer.separation_date < officer.employment_date:
        raise RecordInvalid({"separation_date": ["The separation date is before the employment date."]})
    if (
        officer.employee_id
        and Officer.objects.filter(department_id=officer.department_id, employee_id=officer.employee_id)
        .exclude(pk=officer.pk)
        .exists()
    ):
        raise Conflict(f"Employee ID {officer.employee_id} is already used by another officer of this department.")
    after = snapshot(officer, list(fields))
    if after == before:
        return officer
    try:
        with transaction.atomic():
            officer.save(update_fields=[*fields, "updated_at"])
    except IntegrityError as exc:
        raise Conflict("Employee ID already used by another officer of this department.") from exc
    audit(actor, officer.department, "officer.update", officer, before, after)
    return officer


@transaction.atomic
def assignment_start(
    officer: Officer,
    *,
    badge_number: str,
    rank: str = "",
    unit: str = "",
    start_date: datetime.date | None,
    actor: Any,
) -> Assignment:
    """The officer takes a new badge, rank or unit on `start_date`.

    1. Lock the officer, so two concurrent changes queue instead of both opening an assignment.
    2. If the open assignment already says the same, change nothing and return it (imports rerun).
    3. Close the open assignment at `start_date` (refused if it would end before it began).
    4. Open the new one and copy its badge, rank and unit onto the officer: those columns are the
       current assignment, which the roster and the search read.
    """
    require_editor(actor, officer.department_id)
    officer = Officer.objects.select_for_update().select_related("department").get(pk=officer.pk)
    new = Assignment(
        officer=officer,
        badge_number=strip(badge_number or ""),
        rank=strip(rank or ""),
        unit=strip(unit or ""),
        start_date=start_date,
    )
    clean_or_refuse(new, exclude=["officer"])
    current = officer.assignments.filter(end_date__isnull=True).first()
    if current is not None and (current.badge_number, current.rank, current.unit) == (
        new.badge_number,
        new.rank,
        new.unit,
    ):
        return current
    if (
        new.badge_number != officer.badge_number
        and Officer.objects.filter(department_id=officer.department_id, badge_number=new.badge_number)
        .exclude(pk=officer.pk)
        .exists()
    ):
        raise Conflict(f"Badge {new.badge_number} is already used by another officer of {officer.department.name}.")
    fields = ("badge_number", "rank", "unit", "start_date", "end_date")
    before = snapshot(current, fields) if current is not None else None
    if current is not None:
        if start_date is None:
            raise RecordInvalid({"start_date": ["Give the date the new assignment starts."]})
        if current.start_date is not None and start_date < current.start_date:
            raise Conflict(
                f"The current assignment started on {current.start_date}; a new one cannot start before that."
            )
        current.end_date = start_date
        current.save(update_fields=["end_date"])
    new.save()
    officer.badge_number, officer.rank, officer.unit = new.badge_number, new.rank, new.unit
    try:
        with transaction.atomic():
            officer.save(update_fields=["badge_number", "rank", "unit", "updated_at"])
    except IntegrityError as exc:
        raise Conflict(f"Badge {new.badge_number} is already used by another officer of this department.") from exc
    audit(actor, officer.department, "assignment.start", new, before, snapshot(new, fields))
    return new


def officer_sync_current(officer: Officer) -> None:
    """Copy the open assignment's badge, rank and unit onto the officer (after an admin edit of the history)."""
    current = officer.assignments.filter(end_date__isnull=True).first()
    if current is None:
        return
    Officer.objects.filter(pk=officer.pk).update(
        badge_number=current.badge_number, rank=current.rank, unit=current.unit
    )
