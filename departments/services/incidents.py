"""Writes about incidents, links and salaries of a department's officers."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from departments.models import Department, Incident, Link, Officer, Salary
from departments.services.records import (
    RecordInvalid,
    audit,
    audit_actor,
    clean_or_refuse,
    require_editor,
    snapshot,
    strip,
)

INCIDENT_EDITABLE = ("date", "location", "description", "report_number")
LINK_FIELDS = ("url", "title", "kind", "officer_id", "incident_id")


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
    require_editor(actor, department)
    incident = Incident(
        department=department,
        date=date,
        location=strip(location),
        description=strip(description),
        report_number=strip(report_number),
        created_by=audit_actor(actor),
    )
    clean_or_refuse(incident, exclude=["department", "created_by"])
    members = _incident_officers(department, officers)
    incident.save()
    incident.officers.set(members)
    after = {**snapshot(incident, INCIDENT_EDITABLE), "officers": sorted(o.pk for o in members)}
    audit(actor, department, "incident.create", incident, None, after)
    return incident


def _incident_state(incident: Incident) -> dict[str, Any]:
    officers = sorted(incident.officers.values_list("pk", flat=True))
    return {**snapshot(incident, INCIDENT_EDITABLE), "officers": officers}


@transaction.atomic
def incident_update(incident: Incident, *, actor: Any, officers: Any = None, **fields: Any) -> Incident:
    """Change an incident's fields and, when `officers` is given, the officers involved."""
    require_editor(actor, incident.department_id)
    unknown = set(fields) - set(INCIDENT_EDITABLE)
    if unknown:
        raise RecordInvalid({name: ["This field is not edited here."] for name in sorted(unknown)})
    incident = Incident.objects.select_for_update().select_related("department").get(pk=incident.pk)
    before = _incident_state(incident)
    for name, value in fields.items():
        setattr(incident, name, strip(value) if name != "date" else value)
    clean_or_refuse(incident, exclude=["department", "created_by"])
    incident.save()
    if officers is not None:
        incident.officers.set(_incident_officers(incident.department, officers))
    after = _incident_state(incident)
    if after != before:
        audit(actor, incident.department, "incident.update", incident, before, after)
    return incident


def normalise_url(url: str) -> str:
    """A web address as stored: trimmed, its scheme in lower case (the database check wants that)."""
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
    require_editor(actor, department)
    link = Link(
        officer=officer,
        incident=incident,
        url=normalise_url(url),
        title=strip(title or ""),
        kind=kind,
        added_by=audit_actor(actor),
    )
    clean_or_refuse(link, exclude=["added_by"])
    link.save()
    audit(actor, department, "link.add", link, None, snapshot(link, LINK_FIELDS))
    return link


@transaction.atomic
def link_remove(link: Link, *, actor: Any) -> None:
    link = Link.objects.select_related("officer__department", "incident__department").get(pk=link.pk)
    department = link.officer.department if link.officer is not None else link.incident.department  # type: ignore[union-attr]
    require_editor(actor, department)
    before = snapshot(link, LINK_FIELDS)
    pk = link.pk
    link.delete()
    link.pk = pk
    audit(actor, department, "link.remove", link, before, None)


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
    require_editor(actor, officer.department_id)
    row = Salary.objects.select_for_update().filter(officer=officer, year=year, is_fiscal_year=is_fiscal_year).first()
    fields = ("year", "salary", "overtime_pay", "is_fiscal_year")
    before = snapshot(row, fields) if row is not None else None
    row = row or Salary(officer=officer, year=year, is_fiscal_year=is_fiscal_year)
    row.salary = salary
    row.overtime_pay = overtime_pay
    clean_or_refuse(row, exclude=["officer"])
    if row.salary < 0 or (row.overtime_pay is not None and row.overtime_pay < 0):
        raise RecordInvalid({"salary": ["Pay cannot be negative."]})
    row.save()
    row.refresh_from_db()
    after = snapshot(row, fields)
    if after != before:
        audit(actor, officer.department, "salary.set", row, before, after)
    return row
