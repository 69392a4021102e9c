"""Writes about officers. Views, the review dashboard and the API call these."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model

from accounts.roles import can_edit_officers
from departments.models import Assignment, Department, Incident, Link, Officer, RecordChange, Salary
from oversight.exceptions import Conflict, DomainError, NotPermitted


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


# --- The officer record: edits by coordinators and administrators -------------------------------
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
INCIDENT_EDITABLE = ("date", "location", "description", "report_number")
LINK_FIELDS = ("url", "title", "kind", "officer_id", "incident_id")


def record_editable_by(actor: Any, department: Department | int) -> bool:
    """Whether `actor` may edit the officer records of `department` (the pages ask this too)."""
    return actor is SYSTEM or can_edit_officers(actor, department)


def _require_editor(actor: Any, department: Department | int) -> None:
    if not record_editable_by(actor, department):
        raise NotPermitted("Only coordinators of this department and administrators may edit its officer records.")


def _person(actor: Any) -> Any:
    return None if actor is SYSTEM else actor


def _json(value: Any) -> Any:
    if isinstance(value, datetime.date | Decimal):
        return str(value)
    return value


def _snapshot(obj: Model, fields: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {name: _json(getattr(obj, name)) for name in fields}


def _audit(
    actor: Any, department: Department, what: str, obj: Model, before: dict | None, after: dict | None
) -> RecordChange:
    return RecordChange.objects.create(
        actor=_person(actor), department=department, what=what, object_id=obj.pk, before=before, after=after
    )


def _clean(obj: Model, *, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise RecordInvalid(exc) from exc


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


@transaction.atomic
def officer_update(officer: Officer, *, actor: Any, **fields: Any) -> Officer:
    """Change an officer's names, employee ID, employment dates, roster-stated demographics or notes.

    Badge, rank and unit are the current assignment's and change only through `assignment_start`.
    Refuses a duplicate employee ID in the department (Conflict); records the change.
    """
    _require_editor(actor, officer.department_id)
    unknown = set(fields) - set(OFFICER_EDITABLE)
    if unknown:
        raise RecordInvalid({name: ["This field is not edited here."] for name in sorted(unknown)})
    officer = Officer.objects.select_for_update().get(pk=officer.pk)
    before = _snapshot(officer, list(fields))
    for name, value in fields.items():
        text = name not in ("employment_date", "separation_date", "birth_year")
        setattr(officer, name, (_strip(value) or "") if text else (None if value == "" else value))
    if not officer.first_name and not officer.last_name:
        raise RecordInvalid({"last_name": ["Give at least a first or a last name."]})
    _clean(officer, exclude=["featured_face"] + [n for n in ("first_name", "last_name") if not getattr(officer, n)])
    if officer.separation_date and officer.employment_date and officer.separation_date < officer.employment_date:
        raise RecordInvalid({"separation_date": ["The separation date is before the employment date."]})
    if (
        officer.employee_id
        and Officer.objects.filter(department_id=officer.department_id, employee_id=officer.employee_id)
        .exclude(pk=officer.pk)
        .exists()
    ):
        raise Conflict(f"Employee ID {officer.employee_id} is already used by another officer of this department.")
    after = _snapshot(officer, list(fields))
    if after == before:
        return officer
    try:
        with transaction.atomic():
            officer.save(update_fields=[*fields, "updated_at"])
    except IntegrityError as exc:
        raise Conflict("Employee ID already used by another officer of this department.") from exc
    _audit(actor, officer.department, "officer.update", officer, before, after)
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
    _require_editor(actor, officer.department_id)
    officer = Officer.objects.select_for_update().select_related("department").get(pk=officer.pk)
    new = Assignment(
        officer=officer,
        badge_number=_strip(badge_number or ""),
        rank=_strip(rank or ""),
        unit=_strip(unit or ""),
        start_date=start_date,
    )
    _clean(new, exclude=["officer"])
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
    before = _snapshot(current, fields) if current is not None else None
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
    _audit(actor, officer.department, "assignment.start", new, before, _snapshot(new, fields))
    return new


def officer_sync_current(officer: Officer) -> None:
    """Copy the open assignment's badge, rank and unit onto the officer (after an admin edit of the history)."""
    current = officer.assignments.filter(end_date__isnull=True).first()
    if current is None:
        return
    Officer.objects.filter(pk=officer.pk).update(
        badge_number=current.badge_number, rank=current.rank, unit=current.unit
    )


def _incident_officers(department: Department, officers: Any) -> list[Officer]:
    officers = list(officers)
    strangers = [o for o in officers if o.department_id != department.pk]
    if strangers:
        raise RecordInvalid({"officers": ["Every officer of an incident must belong to its department."]})
    return officers


@transaction.atomic
def incident_create(
    department: Department,
    *,
    actor: Any,
    date: datetime.date | None = None,
    location: str = "",
    description: str = "",
    report_number: str = "",
    officers: Any = (),
) -> Incident:
    _require_editor(actor, department)
    incident = Incident(
        department=department,
        date=date,
        location=_strip(location),
        description=_strip(description),
        report_number=_strip(report_number),
        created_by=_person(actor),
    )
    _clean(incident, exclude=["department", "created_by"])
    members = _incident_officers(department, officers)
    incident.save()
    incident.officers.set(members)
    after = {**_snapshot(incident, INCIDENT_EDITABLE), "officers": sorted(o.pk for o in members)}
    _audit(actor, department, "incident.create", incident, None, after)
    return incident


def _incident_state(incident: Incident) -> dict[str, Any]:
    officers = sorted(incident.officers.values_list("pk", flat=True))
    return {**_snapshot(incident, INCIDENT_EDITABLE), "officers": officers}


@transaction.atomic
def incident_update(incident: Incident, *, actor: Any, officers: Any = None, **fields: Any) -> Incident:
    """Change an incident's fields and, when `officers` is given, the officers involved."""
    _require_editor(actor, incident.department_id)
    unknown = set(fields) - set(INCIDENT_EDITABLE)
    if unknown:
        raise RecordInvalid({name: ["This field is not edited here."] for name in sorted(unknown)})
    incident = Incident.objects.select_for_update().select_related("department").get(pk=incident.pk)
    before = _incident_state(incident)
    for name, value in fields.items():
        setattr(incident, name, _strip(value) if name != "date" else value)
    _clean(incident, exclude=["department", "created_by"])
    incident.save()
    if officers is not None:
        incident.officers.set(_incident_officers(incident.department, officers))
    after = _incident_state(incident)
    if after != before:
        _audit(actor, incident.department, "incident.update", incident, before, after)
    return incident


def _normalise_url(url: str) -> str:
    url = (url or "").strip()
    scheme, sep, rest = url.partition("://")
    # "HTTPS://…" is a web address too; the database check wants the scheme in lower case.
    return f"{scheme.lower()}{sep}{rest}" if sep else url


@transaction.atomic
def link_add(
    *,
    actor: Any,
    url: str,
    title: str,
    kind: str = Link.Kind.OTHER,
    officer: Officer | None = None,
    incident: Incident | None = None,
) -> Link:
    """Attach a web link (http or https only) to exactly one officer or one incident."""
    if (officer is None) == (incident is None):
        raise RecordInvalid("A link belongs to exactly one officer or one incident.")
    subject = officer if officer is not None else incident
    department = subject.department  # type: ignore[union-attr]
    _require_editor(actor, department)
    link = Link(
        officer=officer,
        incident=incident,
        url=_normalise_url(url),
        title=_strip(title or ""),
        kind=kind,
        added_by=_person(actor),
    )
    _clean(link, exclude=["added_by"])
    link.save()
    _audit(actor, department, "link.add", link, None, _snapshot(link, LINK_FIELDS))
    return link


@transaction.atomic
def link_remove(link: Link, *, actor: Any) -> None:
    link = Link.objects.select_related("officer__department", "incident__department").get(pk=link.pk)
    department = link.officer.department if link.officer is not None else link.incident.department  # type: ignore[union-attr]
    _require_editor(actor, department)
    before = _snapshot(link, LINK_FIELDS)
    pk = link.pk
    link.delete()
    link.pk = pk
    _audit(actor, department, "link.remove", link, before, None)


@transaction.atomic
def salary_set(
    officer: Officer,
    *,
    actor: Any,
    year: int,
    salary: Decimal | int | str,
    overtime_pay: Decimal | int | str | None = None,
    is_fiscal_year: bool = False,
) -> Salary:
    """Record (or correct) an officer's pay for a calendar or fiscal year, as a payroll publishes it."""
    _require_editor(actor, officer.department_id)
    row = Salary.objects.select_for_update().filter(officer=officer, year=year, is_fiscal_year=is_fiscal_year).first()
    fields = ("year", "salary", "overtime_pay", "is_fiscal_year")
    before = _snapshot(row, fields) if row is not None else None
    row = row or Salary(officer=officer, year=year, is_fiscal_year=is_fiscal_year)
    row.salary = salary
    row.overtime_pay = overtime_pay
    _clean(row, exclude=["officer"])
    if row.salary < 0 or (row.overtime_pay is not None and row.overtime_pay < 0):
        raise RecordInvalid({"salary": ["Pay cannot be negative."]})
    row.save()
    row.refresh_from_db()
    after = _snapshot(row, fields)
    if after != before:
        _audit(actor, officer.department, "salary.set", row, before, after)
    return row
