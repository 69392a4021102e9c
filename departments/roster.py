"""Roster import: a department's officer CSV, applied all-or-nothing in bulk.

One service, `roster_import`, behind every door (the command line, a page, the API). It reads
the file once as a stream, checks every row against the officer record's rules and the roster
already in the database, and only when no row is wrong writes everything in one transaction
with batched `bulk_create`/`bulk_update`. A 50,000-row roster is far too slow through the
per-officer services (one lock and one audit row per officer), so this path reuses their rules
(lengths from the model, names, dates, badge uniqueness, the open-assignment invariant) and
records ONE audit row per import.

Columns are matched by header name, case-insensitive, in any order, spaces as underscores;
OpenOversight's officer headers are understood too. Officers absent from the file are left
untouched (a roster import never separates or deletes anyone); a column absent from the file
leaves that field untouched; an empty employee_id cell never clears a stored one.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from departments.models import Assignment, Department, Officer, RecordChange
from departments.roster_columns import ROSTER_COLUMNS
from departments.services.records import audit_actor, require_editor

# OpenOversight's headers (after lower-casing, spaces as underscores): its import format and its
# department download ("unique identifier", "badge number", "job title", "middle initial").
ALIASES: dict[str, str] = {
    "unique_internal_identifier": "employee_id",
    "unique_identifier": "employee_id",
    "middle_initial": "middle_name",
    "star_no": "badge_number",
    "job_title": "rank",
}
ASSIGNMENT_FIELDS = ("badge_number", "rank", "unit")
PERSON_FIELDS = tuple(c for c in ROSTER_COLUMNS if c not in ASSIGNMENT_FIELDS)
DATE_FIELDS = ("employment_date", "separation_date")
MAX_ERRORS = 100
MAX_CHANGES = 1000  # per-row changes kept for a preview; the counts always cover every row
BATCH = 2000
EARLIEST_BIRTH_YEAR = 1900
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class RosterError:
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class RowChange:
    line: int
    key: str
    action: str  # "create" or "update"
    fields: dict[str, tuple[Any, Any]]  # name -> (before, after); before is None on create


@dataclass
class RosterReport:
    file_name: str = ""
    dry_run: bool = False
    effective_date: datetime.date | None = None
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    assignments_changed: int = 0
    unknown_columns: list[str] = field(default_factory=list)
    errors: list[RosterError] = field(default_factory=list)
    errors_truncated: bool = False
    changes: list[RowChange] = field(default_factory=list)
    changes_truncated: bool = False
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, line: int, column: str | None, message: str) -> None:
        if len(self.errors) >= MAX_ERRORS:
            self.errors_truncated = True
            return
        self.errors.append(RosterError(line, column, message))

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (the API answers this)."""
        return {
            "file_name": self.file_name,
            "dry_run": self.dry_run,
            "applied": self.applied,
            "effective_date": self.effective_date.isoformat() if self.effective_date else None,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "assignments_changed": self.assignments_changed,
            "unknown_columns": self.unknown_columns,
            "errors": [{"line": e.line, "column": e.column, "message": e.message} for e in self.errors],
            "errors_truncated": self.errors_truncated,
            "changes": [
                {
                    "line": c.line,
                    "key": c.key,
                    "action": c.action,
                    "fields": {k: [_text(b), _text(a)] for k, (b, a) in c.fields.items()},
                }
                for c in self.changes
            ],
            "changes_truncated": self.changes_truncated,
        }


def _text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


class _NotUtf8(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def _decoded_lines(file_obj: IO[Any] | Iterable[Any]) -> Iterator[str]:
    """Text lines of a binary or text stream; bytes must be UTF-8 (a leading BOM is dropped)."""
    for number, raw in enumerate(file_obj, start=1):
        if isinstance(raw, bytes):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise _NotUtf8(number) from None
        else:
            line = raw
        if number == 1:
            line = line.removeprefix("\ufeff")
        yield line


def canonical_column(header: str) -> str:
    name = re.sub(r"[\s\-]+", "_", header.strip().lower())
    return ALIASES.get(name, name)


def _max_length(name: str) -> int | None:
    return Officer._meta.get_field(name).max_length  # type: ignore[union-attr]


def _parse_date(value: str) -> datetime.date:
    if ISO_DATE.match(value):
        return datetime.date.fromisoformat(value)
    us = US_DATE.match(value)
    if us:
        month, day, year = (int(g) for g in us.groups())
        return datetime.date(year, month, day)
    raise ValueError(value)


@dataclass
class _Existing:
    pk: int
    values: dict[str, Any]
    open_assignment_start: datetime.date | None = None
    has_open_assignment: bool = False


def _load_existing(department: Department) -> dict[int, _Existing]:
    columns = ("pk", *ROSTER_COLUMNS)
    existing = {
        row[0]: _Existing(pk=row[0], values=dict(zip(ROSTER_COLUMNS, row[1:], strict=True)))
        for row in Officer.objects.filter(department=department).values_list(*columns).iterator(chunk_size=5000)
    }
    for officer_id, start in Assignment.objects.filter(
        officer__department=department, end_date__isnull=True
    ).values_list("officer_id", "start_date"):
        if officer_id in existing:
            existing[officer_id].open_assignment_start = start
            existing[officer_id].has_open_assignment = True
    return existing


def _row_values(report: RosterReport, line: int, cells: dict[str, str], present: set[str]) -> dict[str, Any] | None:
    """Validate one row's cells; return the typed values of the present columns, or None on error."""
    values: dict[str, Any] = {}
    failed = False

    def fail(column: str | None, message: str) -> None:
        nonlocal failed
        failed = True
        report.error(line, column, message)

    for name in ROSTER_COLUMNS:
        if name not in present:
            continue
        raw = cells.get(name, "")
        if CONTROL.search(raw):
            fail(name, "contains a control character (for example a NUL byte).")
            continue
        if name in DATE_FIELDS:
            if not raw:
                values[name] = None
                continue
            try:
                values[name] = _parse_date(raw)
            except ValueError:
                fail(name, f"{raw[:40]!r} is not a date; use YYYY-MM-DD (or M/D/YYYY).")
            continue
        if name == "birth_year":
            if not raw:
                values[name] = None
                continue
            this_year = timezone.localdate().year
            if not raw.isdigit() or not EARLIEST_BIRTH_YEAR <= int(raw) <= this_year:
                fail(name, f"{raw[:40]!r} is not a plausible birth year ({EARLIEST_BIRTH_YEAR}–{this_year}).")
                continue
            values[name] = int(raw)
            continue
        limit = _max_length(name)
        if limit is not None and len(raw) > limit:
            fail(name, f"is {len(raw)} characters long; at most {limit} are allowed.")
            continue
        values[name] = raw
    if "badge_number" in present and not cells.get("badge_number") and "badge_number" in values:
        fail("badge_number", "is empty; every officer has a badge number.")
    names = [values.get("first_name") or "", values.get("last_name") or ""]
    if not any(names) and not failed:
        fail("last_name", "give at least a first or a last name.")
    start, end = values.get("employment_date"), values.get("separation_date")
    if start and end and end < start:
        fail("separation_date", "is before the employment date.")
    return None if failed else values


def _read_header(report: RosterReport, header: list[str]) -> dict[int, str] | None:
    columns: dict[int, str] = {}
    seen: dict[str, str] = {}
    ok = True
    for index, raw in enumerate(header):
        name = canonical_column(raw)
        if not name:
            continue
        if name not in ROSTER_COLUMNS:
            report.unknown_columns.append(raw.strip())
            continue
        if name in seen:
            report.error(1, raw.strip(), f"names the same column as {seen[name]!r}.")
            ok = False
            continue
        seen[name] = raw.strip()
        columns[index] = name
    present = set(columns.values())
    if not present & {"employee_id", "badge_number"}:
        report.error(1, None, "the header names neither employee_id nor badge_number (the key of each officer).")
        ok = False
    if not present & {"first_name", "last_name"}:
        report.error(1, None, "the header names neither first_name nor last_name.")
        ok = False
    return columns if ok else None


def roster_import(
    department: Department,
    file_obj: IO[Any] | Iterable[Any],
    *,
    actor: Any,
    effective_date: datetime.date | None = None,
    dry_run: bool = False,
    file_name: str = "",
) -> RosterReport:
    """Create and update a department's officers from a roster CSV; all or nothing.

    1. Refuse actors who may not edit the department's records (NotPermitted).
    2. Stream the rows; check each (lengths, names, dates, birth year, key, duplicates in the file,
       badges of other officers) against the roster loaded once from the database.
    3. Any error: write nothing and return the report with every error (up to MAX_ERRORS).
    4. Otherwise, unless `dry_run`: in one transaction, bulk-create new officers with their first
       assignment starting on `effective_date`, bulk-update changed ones, close the open
       assignment of those whose badge, rank or unit changed at `effective_date` and open a new
       one, and record one audit row for the import.
    """
    require_editor(actor, department)
    effective = effective_date or timezone.localdate()
    report = RosterReport(file_name=file_name or getattr(file_obj, "name", "") or "", dry_run=dry_run)
    report.effective_date = effective
    with transaction.atomic():
        if not dry_run:
            # Two imports of one department queue instead of interleaving their checks and writes.
            Department.objects.select_for_update().filter(pk=department.pk).first()
        existing = _load_existing(department)
        plan = _plan(report, department, file_obj, existing, effective)
        if plan is None or not report.ok or dry_run:
            return report
        try:
            _apply(department, plan, existing, effective)
        except IntegrityError:
            # A concurrent write outside this import (the checks above saw the roster as it was).
            transaction.set_rollback(True)
            report.error(0, "badge_number", "another change to this roster collided with the import; try again.")
            return report
        RecordChange.objects.create(
            actor=audit_actor(actor),
            department=department,
            what="roster.import",
            object_id=department.pk,
            before=None,
            after={
                "file_name": report.file_name[:200],
                "effective_date": effective.isoformat(),
                "rows": report.rows,
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "assignments_changed": report.assignments_changed,
            },
        )
        report.applied = True
    return report


@dataclass
class _Plan:
    creates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    # officer pk -> (changed person fields, new assignment values or None)
    updates: list[tuple[int, dict[str, Any], dict[str, Any] | None]] = field(default_factory=list)


def _plan(
    report: RosterReport,
    department: Department,
    file_obj: IO[Any] | Iterable[Any],
    existing: dict[int, _Existing],
    effective: datetime.date,
) -> _Plan | None:
    by_employee_id = {o.values["employee_id"]: o for o in existing.values() if o.values["employee_id"]}
    by_badge = {o.values["badge_number"]: o for o in existing.values()}
    final_badge_owner: dict[str, tuple[int | None, int]] = {}  # badge -> (officer pk or None if new, line)
    moved_badges: set[str] = set()  # badges leaving their current officer
    keys_seen: dict[str, int] = {}
    matched: set[int] = set()
    plan = _Plan()
    reader = csv.reader(_decoded_lines(file_obj))
    line_end = 0
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            report.error(1, None, "the file is empty; the first line must name the columns.")
            return None
        line_end = reader.line_num
        columns = _read_header(report, header)
        if columns is None:
            return None
        present = set(columns.values())
        width = len(header)
        for cells_list in reader:
            line = line_end + 1
            line_end = reader.line_num
            if not any(c.strip() for c in cells_list):
                continue
            report.rows += 1
            if len(cells_list) > width:
                report.error(line, None, f"has {len(cells_list)} fields but the header names {width}.")
                continue
            cells = {name: cells_list[i].strip() for i, name in columns.items() if i < len(cells_list)}
            values = _row_values(report, line, cells, present)
            if values is None:
                continue
            _plan_row(
                report,
                plan,
                line,
                values,
                present,
                existing,
                by_employee_id,
                by_badge,
                keys_seen,
                matched,
                final_badge_owner,
                moved_badges,
                effective,
            )
    except _NotUtf8 as exc:
        report.error(exc.line, None, "the file is not UTF-8 text; save it as “CSV UTF-8” and try again.")
        return None
    except csv.Error as exc:
        report.error(line_end + 1, None, f"the CSV is malformed: {exc}.")
        return None
    # A badge the file gives an officer must not stay with another officer the file does not move.
    for badge, (owner, line) in final_badge_owner.items():
        holder = by_badge.get(badge)
        if holder is not None and holder.pk != owner and badge not in moved_badges:
            report.error(line, "badge_number", f"badge {badge} belongs to another officer of {department.name}.")
    return plan


def _plan_row(
    report: RosterReport,
    plan: _Plan,
    line: int,
    values: dict[str, Any],
    present: set[str],
    existing: dict[int, _Existing],
    by_employee_id: dict[str, _Existing],
    by_badge: dict[str, _Existing],
    keys_seen: dict[str, int],
    matched: set[int],
    final_badge_owner: dict[str, tuple[int | None, int]],
    moved_badges: set[str],
    effective: datetime.date,
) -> None:
    employee_id = values.get("employee_id") or ""
    badge = values.get("badge_number") or ""
    if employee_id:
        key, key_column = f"employee_id {employee_id}", "employee_id"
    elif badge:
        key, key_column = f"badge_number {badge}", "badge_number"
    else:
        report.error(line, "employee_id" if "employee_id" in present else "badge_number", "has no key.")
        return
    if key in keys_seen:
        report.error(line, key_column, f"{key} is already on line {keys_seen[key]}.")
        return
    keys_seen[key] = line
    current: _Existing | None
    if employee_id:
        current = by_employee_id.get(employee_id)
        # A roster that gains employee IDs: the officer stored with this badge and no ID is this one.
        if current is None and badge and (holder := by_badge.get(badge)) and not holder.values["employee_id"]:
            current = holder
    else:
        current = by_badge.get(badge)
    if current is not None and current.pk in matched:
        report.error(line, key_column, "matches an officer already matched by another line of the file.")
        return
    if badge:
        if badge in final_badge_owner:
            other_line = final_badge_owner[badge][1]
            report.error(line, "badge_number", f"badge {badge} is also on line {other_line}.")
            return
        final_badge_owner[badge] = (current.pk if current else None, line)

    if current is None:
        if not badge:
            report.error(line, "badge_number", "a new officer needs a badge number.")
            return
        nullable = (*DATE_FIELDS, "birth_year")
        new = {name: values.get(name, None if name in nullable else "") for name in ROSTER_COLUMNS}
        plan.creates.append((line, new))
        report.created += 1
        filled = {k: (None, v) for k, v in new.items() if v not in ("", None)}
        _keep_change(report, RowChange(line, key, "create", filled))
        return

    matched.add(current.pk)
    changed: dict[str, tuple[Any, Any]] = {}
    person: dict[str, Any] = {}
    for name in PERSON_FIELDS:
        if name not in values or (name == "employee_id" and not values[name]):
            continue
        if values[name] != current.values[name]:
            person[name] = values[name]
            changed[name] = (current.values[name], values[name])
    assignment: dict[str, Any] | None = None
    new_assignment = {name: values.get(name, current.values[name]) for name in ASSIGNMENT_FIELDS}
    if any(new_assignment[n] != current.values[n] for n in ASSIGNMENT_FIELDS):
        start = current.open_assignment_start
        if start is not None and effective < start:
            report.error(
                line,
                next(n for n in ASSIGNMENT_FIELDS if new_assignment[n] != current.values[n]),
                f"the current assignment started on {start}; the effective date {effective} is before that.",
            )
            return
        assignment = new_assignment
        for name in ASSIGNMENT_FIELDS:
            if new_assignment[name] != current.values[name]:
                changed[name] = (current.values[name], new_assignment[name])
        if new_assignment["badge_number"] != current.values["badge_number"]:
            moved_badges.add(current.values["badge_number"])
        report.assignments_changed += 1
    if not changed:
        report.unchanged += 1
        return
    plan.updates.append((current.pk, person, assignment))
    report.updated += 1
    _keep_change(report, RowChange(line, key, "update", changed))


def _keep_change(report: RosterReport, change: RowChange) -> None:
    if len(report.changes) >= MAX_CHANGES:
        report.changes_truncated = True
        return
    report.changes.append(change)


def _batches(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def _apply(department: Department, plan: _Plan, existing: dict[int, _Existing], effective: datetime.date) -> None:
    now = timezone.now()
    # Badges may move between officers (a swap, a chain, a new officer taking a freed badge); the
    # unique badge index is checked row by row, so first park every moving badge on a placeholder.
    parked = [
        Officer(pk=pk, badge_number=f"~roster-import~{pk}")
        for pk, _person_values, assignment in plan.updates
        if assignment is not None and assignment["badge_number"] != existing[pk].values["badge_number"]
    ]
    for batch in _batches(parked):
        Officer.objects.bulk_update(batch, ["badge_number"], batch_size=BATCH)
    for batch in _batches(plan.updates):
        moving = [pk for pk, _person_values, assignment in batch if assignment is not None]
        if moving:
            Assignment.objects.filter(officer_id__in=moving, end_date__isnull=True).update(end_date=effective)
        # Field sets differ row to row; one bulk_update per distinct set keeps each UPDATE exact.
        groups: dict[tuple[str, ...], list[Officer]] = {}
        for pk, person_values, assignment in batch:
            values = {**person_values, **(assignment or {})}
            officer = Officer(pk=pk, department=department, updated_at=now, **values)
            groups.setdefault(tuple(sorted(values)), []).append(officer)
        for names, officers in groups.items():
            Officer.objects.bulk_update(officers, [*names, "updated_at"], batch_size=BATCH)
        if moving:
            Assignment.objects.bulk_create(
                [
                    Assignment(officer_id=pk, start_date=effective, **assignment)
                    for pk, _person_values, assignment in batch
                    if assignment is not None
                ],
                batch_size=BATCH,
            )
    for batch in _batches(plan.creates):
        created = Officer.objects.bulk_create(
            [Officer(department=department, **values) for _line, values in batch], batch_size=BATCH
        )
        Assignment.objects.bulk_create(
            [
                Assignment(officer=o, badge_number=o.badge_number, rank=o.rank, unit=o.unit, start_date=effective)
                for o in created
            ],
            batch_size=BATCH,
        )
