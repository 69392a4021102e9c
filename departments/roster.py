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
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from departments.models import Assignment, Department, Officer, RecordChange
from departments.roster_columns import ROSTER_COLUMNS
from departments.roster_reading import (
    ASSIGNMENT_FIELDS,
    DATE_FIELDS,
    PERSON_FIELDS,
    NotUtf8,
    RosterReport,
    RowChange,
    decoded_lines,
    read_header,
    row_values,
)
from departments.services.records import audit_actor, require_editor

MAX_CHANGES = 1000  # per-row changes kept for a preview; the counts always cover every row
BATCH = 2000
# An effective date decades away is a typo (2204 for 2024), not a plan; every door shares this.
EFFECTIVE_DATE_RANGE_YEARS = 50


def effective_date_problem(value: datetime.date) -> str | None:
    """Why `value` cannot be a roster's effective date, or None."""
    if abs(value.year - timezone.localdate().year) > EFFECTIVE_DATE_RANGE_YEARS:
        return f"{value:%Y-%m-%d} is too far from today; check the year."
    return None


@dataclass
class _Existing:
    pk: int
    values: dict[str, Any]
    open_assignment_start: datetime.date | None = None


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
    return existing


def roster_import(
    department: Department,
    file_obj: IO[Any] | Iterable[Any],
    *,
    actor: Any,
    effective_date: datetime.date | None = None,
    dry_run: bool = False,
    file_name: str = "",
    expect_digest: str | None = None,
    upload_id: int | None = None,
) -> RosterReport:
    """Create and update a department's officers from a roster CSV; all or nothing.

    1. Refuse actors who may not edit the department's records (NotPermitted), and an effective
       date more than EFFECTIVE_DATE_RANGE_YEARS from today (a report error).
    2. Stream the rows; check each (lengths, names, dates, birth year, key, duplicates in the file,
       badges of other officers) against the roster loaded once from the database.
    3. Any error: write nothing and return the report with every error (up to MAX_ERRORS).
       `report.plan_digest` fingerprints the whole plan; with `expect_digest` (the preview's),
       a different plan writes nothing either and sets `report.plan_changed`.
       `upload_id` (the page's stored RosterUpload) is recorded in the audit row, to link to it.
    4. Otherwise, unless `dry_run`: in one transaction, bulk-create new officers with their first
       assignment starting on `effective_date`, bulk-update changed ones, close the open
       assignment of those whose badge, rank or unit changed at `effective_date` and open a new
       one, and record one audit row for the import.
    """
    require_editor(actor, department)
    effective = effective_date or timezone.localdate()
    report = RosterReport(file_name=file_name or getattr(file_obj, "name", "") or "", dry_run=dry_run)
    report.effective_date = effective
    problem = effective_date_problem(effective)
    if problem is not None:
        report.error(0, "effective_date", problem)
        return report
    with transaction.atomic():
        if not dry_run:
            # Two imports of one department queue instead of interleaving their checks and writes.
            Department.objects.select_for_update().filter(pk=department.pk).first()
        existing = _load_existing(department)
        plan = _plan(report, department, file_obj, existing, effective)
        if plan is None or not report.ok:
            return report
        report.plan_digest = _digest(plan, existing, effective)
        if expect_digest is not None and report.plan_digest != expect_digest:
            # The roster (or the file) changed since the preview: writing now would apply changes
            # nobody reviewed, such as reverting a correction made in between.
            report.plan_changed = True
            return report
        if dry_run:
            return report
        try:
            _apply(report, department, plan, existing, effective)
        except IntegrityError:
            # A concurrent write outside this import (the checks above saw the roster as it was).
            transaction.set_rollback(True)
            report.opened_assignments.clear()
            report.closed_assignments.clear()
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
                **({"roster_upload": upload_id} if upload_id is not None else {}),
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
    reader = csv.reader(decoded_lines(file_obj))
    line_end = 0
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            report.error(1, None, "the file is empty; the first line must name the columns.")
            return None
        line_end = reader.line_num
        columns = read_header(report, header)
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
            values = row_values(report, line, cells, present)
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
    except NotUtf8 as exc:
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


def _digest(plan: _Plan, existing: dict[int, _Existing], effective: datetime.date) -> str:
    """SHA-256 of everything the plan writes, with the stored values it replaces."""
    hasher = hashlib.sha256(effective.isoformat().encode())
    for _line, values in plan.creates:
        hasher.update(json.dumps(["create", values], sort_keys=True, default=str).encode())
    for pk, person, assignment in plan.updates:
        before = existing[pk].values
        entry = [
            "update",
            pk,
            {name: [before[name], value] for name, value in person.items()},
            None if assignment is None else {name: [before[name], value] for name, value in assignment.items()},
            existing[pk].open_assignment_start,
        ]
        hasher.update(json.dumps(entry, sort_keys=True, default=str).encode())
    return hasher.hexdigest()


def _keep_change(report: RosterReport, change: RowChange) -> None:
    if len(report.changes) >= MAX_CHANGES:
        report.changes_truncated = True
        return
    report.changes.append(change)


def _batches(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def _apply(
    report: RosterReport, department: Department, plan: _Plan, existing: dict[int, _Existing], effective: datetime.date
) -> None:
    """Write the plan; record in `report` which assignments it opened and closed (by officer)."""
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
            closing = dict(
                Assignment.objects.select_for_update()
                .filter(officer_id__in=moving, end_date__isnull=True)
                .values_list("officer_id", "pk")
            )
            Assignment.objects.filter(pk__in=closing.values()).update(end_date=effective)
            report.closed_assignments.update(closing)
        # Field sets differ row to row; one bulk_update per distinct set keeps each UPDATE exact.
        groups: dict[tuple[str, ...], list[Officer]] = {}
        for pk, person_values, assignment in batch:
            values = {**person_values, **(assignment or {})}
            officer = Officer(pk=pk, department=department, updated_at=now, **values)
            groups.setdefault(tuple(sorted(values)), []).append(officer)
        for names, officers in groups.items():
            Officer.objects.bulk_update(officers, [*names, "updated_at"], batch_size=BATCH)
        if moving:
            opened = Assignment.objects.bulk_create(
                [
                    Assignment(officer_id=pk, start_date=effective, **assignment)
                    for pk, _person_values, assignment in batch
                    if assignment is not None
                ],
                batch_size=BATCH,
            )
            report.opened_assignments.update((a.officer_id, a.pk) for a in opened)
    for batch in _batches(plan.creates):
        created = Officer.objects.bulk_create(
            [Officer(department=department, **values) for _line, values in batch], batch_size=BATCH
        )
        firsts = Assignment.objects.bulk_create(
            [
                Assignment(officer=o, badge_number=o.badge_number, rank=o.rank, unit=o.unit, start_date=effective)
                for o in created
            ],
            batch_size=BATCH,
        )
        report.opened_assignments.update((a.officer_id, a.pk) for a in firsts)
