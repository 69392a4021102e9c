"""Incidents and links of an OpenOversight import (or of our own export), written in batches.

Incidents have no id that survives a move, so one matches a stored incident by its report
number and date (or, with no report number, by date, location and description); the file's
`id` (OpenOversight's id, a "#new" placeholder, or our export's id) is remembered only for the
links file. OpenOversight's link may belong to several officers and incidents; ours belongs to
one, so it becomes one link per subject, matched by (url, officer) or (url, incident).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from departments.models import Department, Incident, Link, validate_web_url
from departments.openoversight_officers import OfficerIndex
from departments.openoversight_reading import CellError, Row, Table, TableReport, date_cell, reference_list, text_cell
from departments.openoversight_tables import BATCH
from departments.services.incidents import normalise_url

INCIDENT_ALIASES = {
    "id": "ref",
    "date": "date",
    "report_number": "report_number",
    "report_num": "report_number",
    "description": "description",
    "location": "location",
    "street_name": "street_name",
    "cross_street1": "cross_street1",
    "cross_street2": "cross_street2",
    "city": "city",
    "state": "state",
    "zip_code": "zip_code",
    "officer_ids": "officer_refs",
    "officers": "officer_keys",
}
INCIDENT_IGNORED = {
    "time",
    "department_name",
    "department_state",
    "license_plates",
    "licenses",
    "links",
    "created_by",
    "last_updated_by",
}
TEXT_LIMITS = {"location": 500, "report_number": 100, "description": None}


def _location(row: Row) -> str:
    """OpenOversight's address parts as one line: "Fake Street (Main Street / Elm), Chicago, IL 60603"."""
    if row.get("location"):
        return row.get("location")
    street = row.get("street_name")
    cross = " / ".join(p for p in (row.get("cross_street1"), row.get("cross_street2")) if p)
    if cross:
        street = f"{street} ({cross})" if street else f"near {cross}"
    place = " ".join(p for p in (row.get("state"), row.get("zip_code")) if p)
    return ", ".join(p for p in (street, row.get("city"), place) if p)


def _incident_officers(report: TableReport, row: Row, index: OfficerIndex) -> set[int] | None:
    officers: set[int] = set()
    for column, find in (("officer_refs", index.from_ref), ("officer_keys", index.from_key)):
        for ref in reference_list(row.get(column)):
            found = find(ref)
            if found is None:
                report.error(
                    row.line, row.header(column), f"officer {ref!r} is not in the officers file or this department."
                )
                return None
            officers.add(found)
    return officers


def _incident_key(values: dict[str, Any]) -> tuple[Any, ...]:
    if values["report_number"]:
        return ("report", values["report_number"], values["date"])
    return ("text", values["date"], values["location"], values["description"])


def import_incidents(
    report: TableReport, path: Path, department: Department, index: OfficerIndex, refs: dict[str, int]
) -> None:
    """Create or correct incidents and who was involved; fill `refs` (the file's id -> our incident)."""
    table = Table(report, path, INCIDENT_ALIASES, INCIDENT_IGNORED)
    fields = ("date", "location", "description", "report_number")
    stored: dict[tuple[Any, ...], int] = {}
    stored_values: dict[int, dict[str, Any]] = {}
    for pk, *values in Incident.objects.filter(department=department).values_list("pk", *fields):
        as_dict = dict(zip(fields, values, strict=True))
        stored.setdefault(_incident_key(as_dict), pk)
        stored_values[pk] = as_dict
    members: dict[int, set[int]] = {}
    for incident_id, officer_id in Incident.officers.through.objects.filter(
        incident__department=department
    ).values_list("incident_id", "officer_id"):
        members.setdefault(incident_id, set()).add(officer_id)
    lines: dict[tuple[Any, ...], int] = {}
    pending: list[tuple[str, Incident, set[int]]] = []
    download: bool | None = None
    for row in table.rows():
        if download is None:
            # OpenOversight's download lists officers by name, which cannot be matched.
            download = (
                "officer_keys" in table.headers and table.headers.get("report_number", "").lower() == "report_num"
            )
            if download:
                report.ignored_columns.append(table.headers["officer_keys"])
        if download:
            row.cells.pop("officer_keys", None)
        values = _incident_values(report, row)
        officers = _incident_officers(report, row, index)
        if values is None or officers is None:
            continue
        key = _incident_key(values)
        if key in lines:
            report.error(row.line, row.header("report_number"), f"the same incident is on line {lines[key]}.")
            continue
        lines[key] = row.line
        ref = row.get("ref")
        pk = stored.get(key)
        if pk is None:
            pending.append((ref, Incident(department=department, **values), officers))
            report.created += 1
            if len(pending) >= BATCH and report.ok:
                _create_incidents(pending, refs)
            continue
        if ref:
            refs[ref] = pk
        changed = {k: v for k, v in values.items() if stored_values[pk][k] != v}
        if changed:
            Incident.objects.filter(pk=pk).update(**changed)
        if members.get(pk, set()) != officers:
            Incident.objects.get(pk=pk).officers.set(officers)
            changed["officers"] = True
        if changed:
            report.updated += 1
        else:
            report.unchanged += 1
    if report.ok:
        _create_incidents(pending, refs)


def _incident_values(report: TableReport, row: Row) -> dict[str, Any] | None:
    try:
        date = date_cell(row.get("date"))
    except CellError as exc:
        report.error(row.line, row.header("date"), str(exc))
        return None
    values: dict[str, Any] = {"date": date}
    for name, limit in TEXT_LIMITS.items():
        value = _location(row) if name == "location" else row.get(name)
        try:
            values[name] = text_cell(value, limit)
        except CellError as exc:
            report.error(row.line, row.header(name if row.has(name) else "street_name"), str(exc))
            return None
    return values


def _create_incidents(pending: list[tuple[str, Incident, set[int]]], refs: dict[str, int]) -> None:
    created = Incident.objects.bulk_create([incident for _ref, incident, _officers in pending], batch_size=BATCH)
    through = Incident.officers.through
    pairs = [
        through(incident_id=incident.pk, officer_id=officer_id)
        for incident, (_ref, _i, officers) in zip(created, pending, strict=True)
        for officer_id in officers
    ]
    through.objects.bulk_create(pairs, batch_size=BATCH)
    for incident, (ref, _i, _officers) in zip(created, pending, strict=True):
        if ref:
            refs[ref] = incident.pk
    pending.clear()


# --- Links ---------------------------------------------------------------------------------
LINK_ALIASES = {
    "url": "url",
    "title": "title",
    "author": "author",
    "link_type": "kind",
    "kind": "kind",
    "officer_ids": "officer_refs",
    "officers": "officer_refs",
    "officer": "officer_key",
    "incident_ids": "incident_refs",
    "incidents_ids": "incident_refs",
    "incidents": "incident_refs",
    "incident_id": "incident_refs",
}
LINK_IGNORED = {"id", "description", "created_by", "last_updated_by"}
# OpenOversight's link types (values and labels) and our own kinds, as `column_name` spells them.
KINDS = {
    "": Link.Kind.OTHER,
    "link": Link.Kind.OTHER,
    "video": Link.Kind.VIDEO,
    "youtube_video": Link.Kind.VIDEO,
    "other_video": Link.Kind.VIDEO,
    **{value: Link.Kind(value) for value in Link.Kind.values},
    **{label.lower().replace(" ", "_"): Link.Kind(value) for value, label in Link.Kind.choices},
}
URL_LIMIT = 2000
TITLE_LIMIT = 300


def _link_url(report: TableReport, row: Row) -> str | None:
    url = normalise_url(row.get("url"))
    try:
        text_cell(url, URL_LIMIT)
        validate_web_url(url)
    except (CellError, ValidationError):
        report.error(row.line, row.header("url"), f"{url[:60]!r} is not a web address (http:// or https:// only).")
        return None
    return url


def _link_subjects(
    report: TableReport, row: Row, index: OfficerIndex, incidents: dict[str, int]
) -> list[tuple[int | None, int | None]] | None:
    subjects: list[tuple[int | None, int | None]] = []
    finders: tuple[tuple[str, Callable[[str], int | None], bool], ...] = (
        ("officer_refs", index.from_ref, True),
        ("officer_key", index.from_key, True),
        ("incident_refs", incidents.get, False),
    )
    for column, find, is_officer in finders:
        for ref in reference_list(row.get(column)):
            found = find(ref)
            if found is None:
                what = "officer" if is_officer else "incident"
                report.error(row.line, row.header(column), f"{what} {ref!r} is not in the {what}s file.")
                return None
            subject = (found, None) if is_officer else (None, found)
            if subject not in subjects:
                subjects.append(subject)
    if not subjects:
        where = next((row.header(c) for c in ("officer_refs", "officer_key", "incident_refs") if row.has(c)), None)
        report.error(row.line, where, "names no officer and no incident; a link belongs to one of them.")
        return None
    return subjects


def import_links(
    report: TableReport, path: Path, department: Department, index: OfficerIndex, incidents: dict[str, int]
) -> None:
    """Create or retitle links, one per officer or incident each row names."""
    table = Table(report, path, LINK_ALIASES, LINK_IGNORED)
    stored = {
        (url, officer_id, incident_id): (pk, title, kind)
        for pk, url, officer_id, incident_id, title, kind in Link.objects.filter(
            Q(officer__department=department) | Q(incident__department=department)
        ).values_list("pk", "url", "officer_id", "incident_id", "title", "kind")
    }
    done: set[tuple[str, int | None, int | None]] = set()
    creating: list[Link] = []
    for row in table.rows():
        if "url" not in table.present():
            report.error(1, "url", "this column is required.")
            return
        url = _link_url(report, row)
        kind = KINDS.get(row.get("kind").lower().replace(" ", "_").replace("-", "_"))
        if kind is None:
            report.error(row.line, row.header("kind"), f"{row.get('kind')[:40]!r} is not a kind of link.")
        title = row.get("title") or row.get("author") or (url or "")[:TITLE_LIMIT]
        if len(title) > TITLE_LIMIT:
            report.error(row.line, row.header("title"), f"is {len(title)} characters long; at most {TITLE_LIMIT}.")
            continue
        subjects = _link_subjects(report, row, index, incidents)
        if url is None or kind is None or subjects is None:
            continue
        for officer_id, incident_id in subjects:
            key = (url, officer_id, incident_id)
            if key in done:
                continue
            done.add(key)
            if key in stored:
                pk, stored_title, stored_kind = stored[key]
                if (stored_title, stored_kind) == (title, kind):
                    report.unchanged += 1
                else:
                    Link.objects.filter(pk=pk).update(title=title, kind=kind)
                    report.updated += 1
                continue
            creating.append(Link(url=url, title=title, kind=kind, officer_id=officer_id, incident_id=incident_id))
            report.created += 1
        if len(creating) >= BATCH and report.ok:
            Link.objects.bulk_create(creating, batch_size=BATCH)
            creating.clear()
    if report.ok and creating:
        Link.objects.bulk_create(creating, batch_size=BATCH)
