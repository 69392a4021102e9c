"""Reading OpenOversight's CSV tables (and our own export's): columns, cells, the report.

One table at a time, as a stream: headers are matched by name (case-insensitive, spaces as
underscores) through each table's aliases, columns we know but do not keep are listed as
ignored, others as unknown — neither is fatal. Every error names the file, the line and the
column. Writing is `departments.openoversight_tables`.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from departments.roster_reading import CONTROL, MAX_ERRORS, NotUtf8, column_name, decoded_lines, parse_date

TRUE = {"true", "t", "yes", "y", "1"}
FALSE = {"false", "f", "no", "n", "0", ""}
MONEY = re.compile(r"^\$?\s*(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$", re.ASCII)
# str.isdigit() accepts "²" (which int() refuses) and "١٩٨٠": a year is ASCII digits.
YEAR = re.compile(r"[0-9]{1,4}")


@dataclass
class TableError:
    file: str
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class TableReport:
    """What one file did (or, in a dry run, would do)."""

    table: str
    file_name: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    replaced: int = 0  # assignments only: first assignments the roster opened, replaced by the file's history
    unknown_columns: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    errors: list[TableError] = field(default_factory=list)
    errors_truncated: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, line: int, column: str | None, message: str) -> None:
        if len(self.errors) >= MAX_ERRORS:
            self.errors_truncated = True
            return
        self.errors.append(TableError(self.file_name, line, column, message))

    def counts(self) -> dict[str, Any]:
        return {
            "file_name": self.file_name[:200],
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "replaced": self.replaced,
        }


@dataclass
class Row:
    line: int
    cells: dict[str, str]  # canonical column -> trimmed cell (absent columns are absent)
    headers: Mapping[str, str]  # canonical column -> the file's own header, for messages

    def get(self, name: str) -> str:
        return self.cells.get(name, "")

    def has(self, name: str) -> bool:
        return name in self.cells

    def header(self, name: str) -> str:
        return self.headers.get(name, name)


class Table:
    """A CSV file read row by row, its columns renamed through `aliases`.

    `aliases` maps a header (as `column_name` spells it) to the table's own column name;
    `ignored` lists headers we know but do not import (reported, never fatal).
    """

    def __init__(self, report: TableReport, path: Path, aliases: Mapping[str, str], ignored: set[str]) -> None:
        self.report = report
        self.path = path
        self.aliases = aliases
        self.ignored = ignored
        self.columns: dict[int, str] = {}
        self.headers: dict[str, str] = {}

    def present(self) -> set[str]:
        return set(self.columns.values())

    def _read_header(self, header: list[str]) -> bool:
        for index, raw in enumerate(header):
            name = column_name(raw)
            if not name:
                continue
            if name in self.ignored:
                self.report.ignored_columns.append(raw.strip())
                continue
            canonical = self.aliases.get(name)
            if canonical is None:
                self.report.unknown_columns.append(raw.strip())
                continue
            if canonical in self.headers:
                self.report.error(1, raw.strip(), f"names the same column as {self.headers[canonical]!r}.")
                continue
            self.columns[index] = canonical
            self.headers[canonical] = raw.strip()
        return self.report.ok

    def rows(self, *, header_only: bool = False) -> Iterator[Row]:
        """The file's rows; read errors land in the report and end the iteration."""
        line_end = 0
        try:
            with self.path.open("rb") as handle:
                reader = csv.reader(decoded_lines(handle))
                header = next(reader, None)
                if header is None or not any(h.strip() for h in header):
                    self.report.error(1, None, "the file is empty; the first line must name the columns.")
                    return
                line_end = reader.line_num
                if not self._read_header(header) or header_only:
                    return
                width = len(header)
                for cells in reader:
                    line = line_end + 1
                    line_end = reader.line_num
                    if not any(c.strip() for c in cells):
                        continue
                    self.report.rows += 1
                    if len(cells) > width:
                        self.report.error(line, None, f"has {len(cells)} fields but the header names {width}.")
                        continue
                    # A quoted cell may span lines; keep its line breaks as plain "\n".
                    values = {
                        name: cells[i].strip().replace("\r\n", "\n").replace("\r", "\n")
                        for i, name in self.columns.items()
                        if i < len(cells)
                    }
                    bad = next((name for name, value in values.items() if CONTROL.search(value)), None)
                    if bad is not None:
                        self.report.error(line, self.headers[bad], "contains a control character (e.g. a NUL byte).")
                        continue
                    yield Row(line, values, self.headers)
        except NotUtf8 as exc:
            self.report.error(exc.line, None, "the file is not UTF-8 text; save it as “CSV UTF-8” and try again.")
        except csv.Error as exc:
            self.report.error(line_end + 1, None, f"the CSV is malformed: {exc}.")
        except OSError as exc:
            self.report.error(0, None, f"cannot read the file: {exc.strerror}.")


class CellError(ValueError):
    """A cell's value is wrong; the message says why, for people."""


def date_cell(value: str) -> datetime.date | None:
    if not value:
        return None
    # OpenOversight's downloads may carry a time after the date ("2020-07-20 00:00:00").
    try:
        return parse_date(value.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2} ", value, re.ASCII) else value)
    except ValueError:
        raise CellError(f"{value[:40]!r} is not a date; use YYYY-MM-DD (or M/D/YYYY, MM-DD-YYYY).") from None


def money_cell(value: str) -> Decimal:
    if not MONEY.match(value):
        raise CellError(f"{value[:40]!r} is not an amount of money (e.g. 85000 or 85,000.50).")
    try:
        amount = Decimal(value.replace("$", "").replace(",", "").strip())
    except InvalidOperation:
        raise CellError(f"{value[:40]!r} is not an amount of money.") from None
    if amount >= Decimal(10) ** 10:
        raise CellError(f"{value[:40]!r} is too large an amount.")
    return amount.quantize(Decimal("0.01"))


def bool_cell(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise CellError(f"{value[:40]!r} is neither true nor false.")


def year_cell(value: str, *, earliest: int = 1900, latest: int = 2200) -> int:
    if not YEAR.fullmatch(value) or not earliest <= int(value) <= latest:
        raise CellError(f"{value[:40]!r} is not a year ({earliest}–{latest}).")
    return int(value)


def text_cell(value: str, limit: int | None) -> str:
    if limit is not None and len(value) > limit:
        raise CellError(f"is {len(value)} characters long; at most {limit} are allowed.")
    return value


def reference_list(value: str) -> list[str]:
    """Ids joined by `|` (OpenOversight's import, our export) or a list as OpenOversight downloads it ("[1, 2]")."""
    value = value.strip()
    listed = value.startswith("[") and value.endswith("]")
    parts = value[1:-1].split(",") if listed else value.split("|")
    cleaned = (p.strip().strip("'\"").strip() for p in parts)
    return [p for p in cleaned if p]
