"""The officers of an OpenOversight import: the roster file, and how the other files name officers.

OpenOversight's officers file has no badge, rank or unit (they live in its assignments), and
each row has an `id` — a database id or a "#new" placeholder — that the other files use to
name the officer. So before the roster import runs, the assignments file is read once for each
officer's current badge, rank and unit, and the officers file is streamed to `roster_import`
with those columns filled in. The `id` of each row is remembered with the key the roster
import matches on (employee_id, else badge), so that once the officers are written,
`OfficerIndex` turns an `officer id` of any file into our officer.

Our own export names officers by their key instead (employee_id, else the badge number).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from departments.models import Department, Officer
from departments.openoversight_reading import CellError, Table, TableReport, date_cell
from departments.roster_reading import NotUtf8, canonical_column, decoded_lines

ASSIGNMENT_ALIASES = {
    "officer_id": "officer_ref",
    "officer_unique_identifier": "officer_employee_id",
    "officer_employee_id": "officer_employee_id",
    "officer_badge_number": "officer_badge_number",
    "star_no": "badge_number",
    "badge_number": "badge_number",
    "job_title": "rank",
    "rank": "rank",
    "unit_name": "unit",
    "unit_description": "unit",
    "unit": "unit",
    "start_date": "start_date",
    "resign_date": "end_date",
    "end_date": "end_date",
}
# `id` names the row in OpenOversight's database; `unit_id` its unit table, which does not travel.
ASSIGNMENT_IGNORED = {"id", "unit_id"}
FILLED = ("badge_number", "rank", "unit")


def current_assignments(path: Path) -> dict[str, tuple[str, str, str]]:
    """OpenOversight officer id -> (badge, rank, unit) of its open (else latest) assignment in the file.

    A lenient first pass: rows it cannot read are left to the assignments import to report.
    """
    best: dict[str, tuple[tuple[bool, datetime.date], tuple[str, str, str]]] = {}
    table = Table(TableReport("assignments", str(path)), path, ASSIGNMENT_ALIASES, ASSIGNMENT_IGNORED)
    for row in table.rows():
        ref = row.get("officer_ref")
        if not ref:
            continue
        try:
            start, end = date_cell(row.get("start_date")), date_cell(row.get("end_date"))
        except CellError:
            continue
        rank_key = (end is None, start or datetime.date.min)
        if ref not in best or rank_key >= best[ref][0]:
            best[ref] = (rank_key, (row.get("badge_number"), row.get("rank"), row.get("unit")))
    return {ref: values for ref, (_key, values) in best.items()}


@dataclass
class OfficerIndex:
    """Finds our officer for an OpenOversight `officer id` or for one of our officer keys."""

    refs: dict[str, tuple[str, str]] = field(default_factory=dict)  # file id -> (employee_id, badge)
    by_employee_id: dict[str, int] = field(default_factory=dict)
    by_badge: dict[str, int] = field(default_factory=dict)
    current: dict[int, tuple[str, str, str]] = field(default_factory=dict)  # pk -> (badge, rank, unit)
    headers: dict[str, str] = field(default_factory=dict)  # the roster's column -> the officers file's header

    def load(self, department: Department) -> None:
        self.by_employee_id.clear()
        self.by_badge.clear()
        self.current.clear()
        rows = Officer.objects.filter(department=department).values_list(
            "pk", "employee_id", "badge_number", "rank", "unit"
        )
        for pk, employee_id, badge, rank, unit in rows.iterator(chunk_size=5000):
            if employee_id:
                self.by_employee_id[employee_id] = pk
            self.by_badge[badge] = pk
            self.current[pk] = (badge, rank, unit)

    def from_ids(self, employee_id: str, badge: str) -> int | None:
        if employee_id:
            return self.by_employee_id.get(employee_id)
        return self.by_badge.get(badge) if badge else None

    def from_ref(self, ref: str) -> int | None:
        """An `officer id` of OpenOversight's files: the `id` of a row of the officers file."""
        key = self.refs.get(ref)
        return self.from_ids(*key) if key is not None else None

    def from_key(self, key: str) -> int | None:
        """An officer key of our export: the employee_id, else the badge number."""
        return self.by_employee_id.get(key) or self.by_badge.get(key)


def officer_lines(
    path: Path,
    index: OfficerIndex,
    current: dict[str, tuple[str, str, str]],
) -> Iterator[str]:
    """The officers file's lines for `roster_import`, with badge, rank and unit filled in.

    1. Columns the file lacks among badge_number, rank and unit are appended; an empty badge
       cell is filled too. Values come from the officer's current assignment in the assignments
       file, else (an officer we already have, by employee_id) from our record, so an officer the
       assignments file does not mention keeps what it has.
    2. Each row's `id` is remembered in `index.refs` with the key the roster import matches on.
    3. Rows keep their physical lines (a quoted cell may span several), so the roster import's
       line numbers are the file's.
    """
    with path.open("rb") as handle:
        reader = csv.reader(decoded_lines(handle))
        header = next(reader, None)
        if header is None:
            return
        names = [canonical_column(h) for h in header]
        index.headers = {name: raw.strip() for name, raw in zip(names, header, strict=True)}
        width = len(header)
        missing = [name for name in FILLED if name not in names]
        at = {name: names.index(name) for name in ("id", "employee_id", *FILLED) if name in names}
        yield from _written([*header, *missing])
        try:
            for cells in reader:
                if cells and len(cells) <= width:
                    cells = cells + [""] * (width - len(cells))
                    _fill(cells, at, missing, index, current)
                yield from _written(cells)
        except (csv.Error, NotUtf8):
            # The roster import reads the file itself too and reports where it breaks.
            return


def _fill(
    cells: list[str],
    at: dict[str, int],
    missing: list[str],
    index: OfficerIndex,
    current: dict[str, tuple[str, str, str]],
) -> None:
    ref = cells[at["id"]].strip() if "id" in at else ""
    employee_id = cells[at["employee_id"]].strip() if "employee_id" in at else ""
    known = index.by_employee_id.get(employee_id) if employee_id else None
    values = current.get(ref) if ref else None
    if values is None and known is not None:
        values = index.current[known]
    values = values or ("", "", "")
    filled = dict(zip(FILLED, values, strict=True))
    if "badge_number" in at and not cells[at["badge_number"]].strip():
        cells[at["badge_number"]] = filled["badge_number"]
    cells.extend(filled[name] for name in missing)
    if ref:
        badge = cells[at["badge_number"]] if "badge_number" in at else filled["badge_number"]
        index.refs[ref] = (employee_id, badge.strip())


def _written(cells: list[str]) -> Iterator[str]:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerow(cells)
    yield from text.getvalue().splitlines(keepends=True)
