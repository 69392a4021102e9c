"""Reading a roster CSV: columns by name, cells checked against the officer record's rules.

Everything here is about one file and its rows — decoding (UTF-8, with or without BOM),
headers (case-insensitive, any order, OpenOversight's names), dates, lengths, control
characters — and the report that names every error by line and column. Matching rows to the
officers already stored, and writing, is `departments.roster`.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils import timezone

from departments.models import Officer
from departments.roster_columns import ROSTER_COLUMNS

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
EARLIEST_BIRTH_YEAR = 1900
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# M/D/YYYY, and OpenOversight's MM-DD-YYYY (its own test data and many exports use it).
# re.ASCII: \d would also match other scripts' digits, which a roster never means.
US_DATE = re.compile(r"^(\d{1,2})([/-])(\d{1,2})\2(\d{4})$", re.ASCII)
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
YEAR = re.compile(r"[0-9]{1,4}")


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
    # SHA-256 of the whole plan (every create, every update with its before and after values),
    # not of the truncated `changes`: an apply imports only the plan its preview showed.
    plan_digest: str = ""
    # The apply found a plan other than the previewed one (`expect_digest`) and wrote nothing.
    plan_changed: bool = False
    # officer pk -> pk of the assignment this import opened / closed (not part of the report's JSON).
    opened_assignments: dict[int, int] = field(default_factory=dict, repr=False)
    closed_assignments: dict[int, int] = field(default_factory=dict, repr=False)

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
            "plan_digest": self.plan_digest or None,
            "plan_changed": self.plan_changed,
        }


def _text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


class NotUtf8(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def decoded_lines(file_obj: IO[Any] | Iterable[Any]) -> Iterator[str]:
    """Text lines of a binary or text stream; bytes must be UTF-8 (a leading BOM is dropped)."""
    for number, raw in enumerate(file_obj, start=1):
        if isinstance(raw, bytes):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise NotUtf8(number) from None
        else:
            line = raw
        if number == 1:
            line = line.removeprefix("\ufeff")
        yield line


def column_name(header: str) -> str:
    """A header as a column name: trimmed, lower-case, spaces and dashes as underscores."""
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def canonical_column(header: str) -> str:
    name = column_name(header)
    return ALIASES.get(name, name)


def _max_length(name: str) -> int | None:
    return Officer._meta.get_field(name).max_length  # type: ignore[union-attr]


def parse_date(value: str) -> datetime.date:
    """YYYY-MM-DD, M/D/YYYY or MM-DD-YYYY; ValueError otherwise (or for a day that does not exist)."""
    if ISO_DATE.match(value):
        return datetime.date.fromisoformat(value)
    us = US_DATE.match(value)
    if us:
        month, _separator, day, year = us.groups()
        return datetime.date(int(year), int(month), int(day))
    raise ValueError(value)


def row_values(report: RosterReport, line: int, cells: dict[str, str], present: set[str]) -> dict[str, Any] | None:
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
                values[name] = parse_date(raw)
            except ValueError:
                fail(name, f"{raw[:40]!r} is not a date; use YYYY-MM-DD (or M/D/YYYY, MM-DD-YYYY).")
            continue
        if name == "birth_year":
            if not raw:
                values[name] = None
                continue
            this_year = timezone.localdate().year
            # str.isdigit() accepts "²" and "١٩٨٠"; a roster's year is ASCII digits.
            if not YEAR.fullmatch(raw) or not EARLIEST_BIRTH_YEAR <= int(raw) <= this_year:
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


def read_header(report: RosterReport, header: list[str]) -> dict[int, str] | None:
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
