"""Assignments and salaries of an OpenOversight import (or of our own export), written in batches.

Both run inside the import's one transaction, after the officers. Rows match what is stored, so
importing the same files twice changes nothing: an assignment by (officer, badge, rank, unit,
start date), a salary by (officer, year, fiscal year) — the model's unique key.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone

from departments.models import Assignment, Department, Officer, Salary
from departments.openoversight_officers import ASSIGNMENT_ALIASES, ASSIGNMENT_IGNORED, OfficerIndex
from departments.openoversight_reading import (
    CellError,
    Row,
    Table,
    TableReport,
    bool_cell,
    date_cell,
    money_cell,
    text_cell,
    year_cell,
)

BATCH = 1000
OFFICER_COLUMNS = ("officer_ref", "officer_employee_id", "officer_badge_number")


def _limit(model: type, name: str) -> int | None:
    return model._meta.get_field(name).max_length  # type: ignore[attr-defined]


def resolve_officer(report: TableReport, row: Row, index: OfficerIndex) -> int | None:
    """The officer a row names: OpenOversight's `officer id`, else our export's employee_id/badge."""
    ref = row.get("officer_ref")
    if ref:
        found = index.from_ref(ref)
        if found is None and row.get("officer_employee_id"):
            found = index.from_ids(row.get("officer_employee_id"), "")
        if found is None:
            report.error(row.line, row.header("officer_ref"), f"officer id {ref!r} is not in the officers file.")
        return found
    employee_id, badge = row.get("officer_employee_id"), row.get("officer_badge_number")
    if not employee_id and not badge:
        column = next((row.header(c) for c in OFFICER_COLUMNS if row.has(c)), None)
        report.error(row.line, column, "names no officer.")
        return None
    found = index.from_ids(employee_id, badge)
    if found is None:
        column = row.header("officer_employee_id" if employee_id else "officer_badge_number")
        report.error(
            row.line,
            column,
            f"no officer of this department has {'employee ID' if employee_id else 'badge'} {employee_id or badge!r}.",
        )
    return found


def _require_officer_column(report: TableReport, table: Table) -> bool:
    if not table.present() & set(OFFICER_COLUMNS):
        report.error(1, None, "the header names no officer column (officer id, or officer_employee_id/_badge_number).")
        return False
    return True


# --- Assignments ---------------------------------------------------------------------------
@dataclass
class _Planned:
    line: int
    badge: str
    rank: str
    unit: str
    start: datetime.date | None
    end: datetime.date | None

    def key(self) -> tuple[str, str, str, datetime.date | None]:
        return (self.badge, self.rank, self.unit, self.start)


def import_assignments(
    report: TableReport,
    path: Path,
    department: Department,
    index: OfficerIndex,
    *,
    effective: datetime.date,
    roster_opened: dict[int, int],
    closed_by_roster: dict[int, int],
) -> None:
    """Merge the file's assignments into each officer's history; keep one open, copied onto the officer.

    1. Read the file, grouped by officer (a compact tuple per row); report every bad row.
    2. Per batch of officers: drop the first assignment the roster import opened for them in this
       run (`roster_opened`, officer -> assignment pk) and reopen the one it closed
       (`closed_by_roster`), since the file's history covers both.
    3. Match each row to a stored assignment by (badge, rank, unit, start date): a match takes
       the file's end date, the rest are created.
    4. At most one stays open: the one that started last; the others end when it starts.
    5. Copy the open assignment's badge, rank and unit onto the officer (badges parked first,
       so officers may swap them).
    """
    table = Table(report, path, ASSIGNMENT_ALIASES, ASSIGNMENT_IGNORED)
    planned: dict[int, list[_Planned]] = defaultdict(list)
    seen: dict[tuple[int, tuple[Any, ...]], int] = {}
    limits = {name: _limit(Assignment, name) for name in ("badge_number", "rank", "unit")}
    header_checked = False
    for row in table.rows():
        if not header_checked:
            header_checked = True
            if not _require_officer_column(report, table):
                return
        officer_id = resolve_officer(report, row, index)
        try:
            badge = text_cell(row.get("badge_number"), limits["badge_number"])
            rank = text_cell(row.get("rank"), limits["rank"])
            unit = text_cell(row.get("unit"), limits["unit"])
        except CellError as exc:
            column = next(c for c in ("badge_number", "rank", "unit") if len(row.get(c)) > (limits[c] or 0))
            report.error(row.line, row.header(column), str(exc))
            continue
        try:
            start = date_cell(row.get("start_date"))
        except CellError as exc:
            report.error(row.line, row.header("start_date"), str(exc))
            continue
        try:
            end = date_cell(row.get("end_date"))
        except CellError as exc:
            report.error(row.line, row.header("end_date"), str(exc))
            continue
        if start and end and end < start:
            report.error(row.line, row.header("end_date"), f"{end} is before the start date {start}.")
            continue
        if officer_id is None:
            continue
        # OpenOversight allows an assignment without a star number; ours always has a badge.
        item = _Planned(row.line, badge or index.current[officer_id][0], rank, unit, start, end)
        if (officer_id, item.key()) in seen:
            where = row.header("start_date") if row.has("start_date") else None
            report.error(row.line, where, f"the same assignment is on line {seen[(officer_id, item.key())]}.")
            continue
        seen[(officer_id, item.key())] = row.line
        planned[officer_id].append(item)
    seen.clear()
    if not report.ok:
        return
    synced: dict[int, tuple[str, str, str]] = {}
    officer_ids = list(planned)
    for start_at in range(0, len(officer_ids), BATCH):
        batch = officer_ids[start_at : start_at + BATCH]
        _merge_batch(report, batch, planned, effective, roster_opened, closed_by_roster, index, synced)
    _sync_officers(department, synced)


def _merge_batch(
    report: TableReport,
    batch: list[int],
    planned: dict[int, list[_Planned]],
    effective: datetime.date,
    roster_opened: dict[int, int],
    closed_by_roster: dict[int, int],
    index: OfficerIndex,
    synced: dict[int, tuple[str, str, str]],
) -> None:
    placeholders = [roster_opened[o] for o in batch if o in roster_opened]
    if placeholders:
        report.replaced += Assignment.objects.filter(pk__in=placeholders).delete()[0]
        reopen = [closed_by_roster[o] for o in batch if o in roster_opened and o in closed_by_roster]
        Assignment.objects.filter(pk__in=reopen, end_date=effective).update(end_date=None)
    stored: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in Assignment.objects.filter(officer_id__in=batch).order_by("pk"):
        stored[assignment.officer_id].append(assignment)
    closing: list[Assignment] = []
    opening: list[Assignment] = []
    creating: list[Assignment] = []
    for officer_id in batch:
        mine = stored[officer_id]
        by_key: dict[tuple[str, str, str, datetime.date | None], Assignment] = {}
        for a in mine:
            by_key.setdefault((a.badge_number, a.rank, a.unit, a.start_date), a)
        original_end = {a.pk: a.end_date for a in mine}
        new: list[Assignment] = []
        matched: set[int] = set()
        for item in planned[officer_id]:
            match = by_key.get(item.key())
            if match is None:
                new.append(
                    Assignment(
                        officer_id=officer_id,
                        badge_number=item.badge,
                        rank=item.rank,
                        unit=item.unit,
                        start_date=item.start,
                        end_date=item.end,
                    )
                )
            else:
                match.end_date = item.end
                matched.add(match.pk)
        everything = [*mine, *new]
        _keep_one_open(everything, effective)
        for a in mine:
            if a.end_date != original_end[a.pk]:
                report.updated += 1
                (opening if a.end_date is None else closing).append(a)
            elif a.pk in matched:
                report.unchanged += 1
        creating += new
        report.created += len(new)
        current = next((a for a in everything if a.end_date is None), None)
        if current is not None:
            values = (current.badge_number, current.rank, current.unit)
            if values != index.current[officer_id]:
                synced[officer_id] = values
    Assignment.objects.bulk_update(closing, ["end_date"], batch_size=BATCH)
    Assignment.objects.bulk_create(creating, batch_size=BATCH)
    Assignment.objects.bulk_update(opening, ["end_date"], batch_size=BATCH)


def _keep_one_open(assignments: list[Assignment], effective: datetime.date) -> None:
    """The open assignment that started last stays open; the others end when it starts."""
    open_ones = [a for a in assignments if a.end_date is None]
    if len(open_ones) < 2:
        return
    # A tie goes to the later in `assignments` (stored ones by pk, then the file's rows in order),
    # which is the same row on every run: the file's rows are created in that order.
    position = {id(a): i for i, a in enumerate(assignments)}
    kept = max(open_ones, key=lambda a: (a.start_date or datetime.date.min, position[id(a)]))
    for a in open_ones:
        if a is kept:
            continue
        end = kept.start_date or a.start_date or effective
        a.end_date = max(end, a.start_date) if a.start_date else end


def _sync_officers(department: Department, synced: dict[int, tuple[str, str, str]]) -> None:
    items = list(synced.items())
    for start_at in range(0, len(items), BATCH):
        parked = [Officer(pk=pk, badge_number=f"~oo-import~{pk}") for pk, _v in items[start_at : start_at + BATCH]]
        Officer.objects.bulk_update(parked, ["badge_number"], batch_size=BATCH)
    now = timezone.now()
    for start_at in range(0, len(items), BATCH):
        officers = [
            Officer(pk=pk, department=department, badge_number=badge, rank=rank, unit=unit, updated_at=now)
            for pk, (badge, rank, unit) in items[start_at : start_at + BATCH]
        ]
        Officer.objects.bulk_update(officers, ["badge_number", "rank", "unit", "updated_at"], batch_size=BATCH)


# --- Salaries ------------------------------------------------------------------------------
SALARY_ALIASES = {
    "officer_id": "officer_ref",
    "officer_unique_identifier": "officer_employee_id",
    "officer_employee_id": "officer_employee_id",
    "officer_badge_number": "officer_badge_number",
    "salary": "salary",
    "overtime_pay": "overtime_pay",
    "overtime": "overtime_pay",
    "year": "year",
    "is_fiscal_year": "is_fiscal_year",
}
SALARY_IGNORED = {"id", "first_name", "last_name"}


def _salary_values(report: TableReport, row: Row) -> tuple[int, Decimal, Decimal | None, bool] | None:
    parsed: dict[str, Any] = {}
    for name, parse in (
        ("year", year_cell),
        ("salary", money_cell),
        ("overtime_pay", lambda v: money_cell(v) if v else None),
        ("is_fiscal_year", bool_cell),
    ):
        try:
            parsed[name] = parse(row.get(name))
        except CellError as exc:
            report.error(row.line, row.header(name), str(exc))
            return None
    return parsed["year"], parsed["salary"], parsed["overtime_pay"], parsed["is_fiscal_year"]


def import_salaries(report: TableReport, path: Path, department: Department, index: OfficerIndex) -> None:
    """Create or correct each officer's pay per (year, fiscal year); the file is the truth for what it names."""
    table = Table(report, path, SALARY_ALIASES, SALARY_IGNORED)
    stored = {
        (officer_id, year, fiscal): (pk, salary, overtime)
        for pk, officer_id, year, fiscal, salary, overtime in Salary.objects.filter(
            officer__department=department
        ).values_list("pk", "officer_id", "year", "is_fiscal_year", "salary", "overtime_pay")
    }
    lines: dict[tuple[int, int, bool], int] = {}
    creating: list[Salary] = []
    updating: list[Salary] = []
    header_checked = False
    for row in table.rows():
        if not header_checked:
            header_checked = True
            missing = [c for c in ("salary", "year") if c not in table.present()]
            if missing or not _require_officer_column(report, table):
                for name in missing:
                    report.error(1, name, "this column is required.")
                return
        officer_id = resolve_officer(report, row, index)
        values = _salary_values(report, row)
        if officer_id is None or values is None:
            continue
        year, salary, overtime, fiscal = values
        key = (officer_id, year, fiscal)
        if key in lines:
            report.error(row.line, row.header("year"), f"this officer's pay for {year} is also on line {lines[key]}.")
            continue
        lines[key] = row.line
        if key not in stored:
            creating.append(
                Salary(officer_id=officer_id, year=year, salary=salary, overtime_pay=overtime, is_fiscal_year=fiscal)
            )
            report.created += 1
        elif stored[key][1:] == (salary, overtime):
            report.unchanged += 1
        else:
            updating.append(Salary(pk=stored[key][0], salary=salary, overtime_pay=overtime))
            report.updated += 1
        if report.ok:
            _flush_salaries(creating, updating)
    if report.ok:
        _flush_salaries(creating, updating, force=True)


def _flush_salaries(creating: list[Salary], updating: list[Salary], *, force: bool = False) -> None:
    if creating and (force or len(creating) >= BATCH):
        Salary.objects.bulk_create(creating, batch_size=BATCH)
        creating.clear()
    if updating and (force or len(updating) >= BATCH):
        Salary.objects.bulk_update(updating, ["salary", "overtime_pay"], batch_size=BATCH)
        updating.clear()
