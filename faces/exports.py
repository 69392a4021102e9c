"""A department's public record as a streamed ZIP of CSV files (GET /departments/<slug>/export.zip).

Files, each UTF-8 (no BOM) with a header row:

- officers.csv: employee_id, badge_number, first_name, middle_name, last_name, suffix, rank, unit,
  employment_date, separation_date, gender, race, birth_year — exactly the columns
  `import_roster` reads (badge_number, rank and unit are the current assignment's).
- assignments.csv: officer_employee_id, officer_badge_number (who: the officer's current badge),
  badge_number, rank, unit, start_date, end_date (the assignment's own values; no end date = current).
- salaries.csv: officer_employee_id, officer_badge_number, year, salary, overtime_pay, is_fiscal_year.
- incidents.csv: id, date, location, description, report_number, officers (officer keys joined by `|`).
- links.csv: title, url, kind, officer (an officer key, or empty), incident_id (or empty).

An officer key is the import's key: the employee_id when the officer has one, else the badge number.

Only public data: no uploader, e-mail, embedding, suggestion, `created_by`/`added_by` or notes
of who edited what. Values are written as stored, with NO spreadsheet-formula prefix ("'=...")
against CSV injection: the export must round-trip through `import_roster`, which keeps text as
given, so a prefix would change every such value on re-import. Spreadsheet users should import
the files as text (or open them in a tool that does not evaluate formulas).

Memory and queries stay bounded for any roster size: each table is read once with iterator()
(a server-side cursor on PostgreSQL) and written in chunks into a ZIP that never seeks, so the
response starts at once and the query count does not grow with the number of officers.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Q, QuerySet
from django.http import StreamingHttpResponse

from departments.models import Assignment, Department, Incident, Link, Officer, Salary
from departments.roster_columns import ROSTER_COLUMNS

# The importer's own columns, in its order: the export is re-importable by construction.
OFFICER_HEADERS = list(ROSTER_COLUMNS)
ASSIGNMENT_HEADERS = [
    "officer_employee_id",
    "officer_badge_number",
    "badge_number",
    "rank",
    "unit",
    "start_date",
    "end_date",
]
SALARY_HEADERS = ["officer_employee_id", "officer_badge_number", "year", "salary", "overtime_pay", "is_fiscal_year"]
INCIDENT_HEADERS = ["id", "date", "location", "description", "report_number", "officers"]
LINK_HEADERS = ["title", "url", "kind", "officer", "incident_id"]

CHUNK_ROWS = 2000


def export_filename(department: Department) -> str:
    return f"{department.slug}-export.zip"


def officer_key(employee_id: str, badge_number: str) -> str:
    """The key `import_roster` matches officers on: employee_id when given, else the badge number."""
    return employee_id or badge_number


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _rows(queryset: QuerySet, *fields: str) -> Iterator[list[Any]]:
    """The queryset's `fields` as CSV cells, read in chunks so memory stays flat."""
    for row in queryset.values_list(*fields).iterator(chunk_size=CHUNK_ROWS):
        yield [_cell(v) for v in row]


def _officer_rows(department: Department) -> Iterator[list[Any]]:
    return _rows(Officer.objects.filter(department=department).order_by("pk"), *OFFICER_HEADERS)


def _assignment_rows(department: Department) -> Iterator[list[Any]]:
    return _rows(
        Assignment.objects.filter(officer__department=department).order_by("officer_id", "start_date", "pk"),
        *("officer__employee_id", "officer__badge_number", "badge_number", "rank", "unit", "start_date", "end_date"),
    )


def _salary_rows(department: Department) -> Iterator[list[Any]]:
    return _rows(
        Salary.objects.filter(officer__department=department).order_by("officer_id", "year", "is_fiscal_year"),
        *("officer__employee_id", "officer__badge_number", "year", "salary", "overtime_pay", "is_fiscal_year"),
    )


def _incident_rows(department: Department) -> Iterator[list[Any]]:
    # One query for every incident–officer pair, so the count stays fixed however many incidents.
    officers_of: dict[int, list[str]] = defaultdict(list)
    pairs = (
        Incident.officers.through.objects.filter(incident__department=department)
        .order_by("incident_id", "officer_id")
        .values_list("incident_id", "officer__employee_id", "officer__badge_number")
    )
    for incident_id, employee_id, badge in pairs.iterator(chunk_size=CHUNK_ROWS):
        officers_of[incident_id].append(officer_key(employee_id, badge))
    rows = (
        Incident.objects.filter(department=department)
        .order_by("pk")
        .values_list("pk", "date", "location", "description", "report_number")
        .iterator(chunk_size=CHUNK_ROWS)
    )
    for row in rows:
        yield [_cell(v) for v in row] + ["|".join(officers_of.get(row[0], []))]


def _link_rows(department: Department) -> Iterator[list[Any]]:
    rows = (
        Link.objects.filter(Q(officer__department=department) | Q(incident__department=department))
        .order_by("pk")
        .values_list("title", "url", "kind", "officer__employee_id", "officer__badge_number", "incident_id")
        .iterator(chunk_size=CHUNK_ROWS)
    )
    for title, url, kind, employee_id, badge, incident_id in rows:
        officer = officer_key(employee_id or "", badge or "") if badge is not None else ""
        yield [title, url, kind, officer, _cell(incident_id)]


def export_files(department: Department) -> list[tuple[str, list[str], Iterable[list[Any]]]]:
    """(file name, header, rows) of every file in the export, in order; rows are read lazily."""
    return [
        ("officers.csv", OFFICER_HEADERS, _officer_rows(department)),
        ("assignments.csv", ASSIGNMENT_HEADERS, _assignment_rows(department)),
        ("salaries.csv", SALARY_HEADERS, _salary_rows(department)),
        ("incidents.csv", INCIDENT_HEADERS, _incident_rows(department)),
        ("links.csv", LINK_HEADERS, _link_rows(department)),
    ]


class _Pipe(io.RawIOBase):
    """A write-only, unseekable file: zipfile writes into it, the generator takes what was written."""

    def __init__(self) -> None:
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def stream_zip(files: Iterable[tuple[str, list[str], Iterable[list[Any]]]]) -> Iterator[bytes]:
    """The ZIP's bytes, chunk by chunk; each CSV is written CHUNK_ROWS rows at a time."""
    pipe = _Pipe()
    # An unseekable target makes zipfile write data descriptors after each entry instead of
    # going back to patch sizes, which is what lets the bytes leave before the end.
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, header, rows in files:
            with archive.open(name, mode="w", force_zip64=True) as entry:
                text = io.StringIO()
                writer = csv.writer(text, lineterminator="\r\n")
                writer.writerow(header)
                for count, row in enumerate(rows, start=1):
                    writer.writerow(row)
                    if count % CHUNK_ROWS == 0:
                        entry.write(text.getvalue().encode("utf-8"))
                        text.seek(0)
                        text.truncate()
                        yield pipe.take()
                entry.write(text.getvalue().encode("utf-8"))
            yield pipe.take()
    yield pipe.take()


def export_response(department: Department) -> StreamingHttpResponse:
    """The HTTP answer of the page and the API alike."""
    response = StreamingHttpResponse(stream_zip(export_files(department)), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(department)}"'
    response["Cache-Control"] = "no-cache"
    return response
