"""Moving a department over from OpenOversight: its CSV tables, in one transaction.

`openoversight_import` takes the files of OpenOversight's advanced CSV import (officers,
assignments, salaries, incidents, links — its import format or its department downloads) or
of our own export ZIP, and applies all of them or none. Officers go through the roster import
(`departments.roster.roster_import`, nested in this transaction); the other tables are read
as streams and written in batches (`openoversight_tables`, `openoversight_records`). Each
table matches what is already stored, so importing the same files twice changes nothing, and
each writes one audit row (`RecordChange`, what="openoversight.<table>"; the officers'
is the roster import's own "roster.import").

A dry run does everything and rolls it back, so its report is exactly what would happen.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from departments.models import Department, RecordChange
from departments.openoversight_officers import OfficerIndex, current_assignments, officer_lines
from departments.openoversight_reading import TableError, TableReport
from departments.openoversight_records import import_incidents, import_links
from departments.openoversight_tables import import_assignments, import_salaries
from departments.roster import roster_import
from departments.roster_reading import RosterReport, column_name
from departments.services.records import RecordInvalid, audit_actor, require_editor

# OpenOversight's officer columns that have no place in our record (its import and its download).
OFFICER_IGNORED = {
    "department_name",
    "department_state",
    "department_id",
    "most_recent_salary",
    "last_employment_date",
    "last_employment_notice",
}
TABLES = ("officers", "assignments", "salaries", "incidents", "links")


@dataclass
class OpenOversightReport:
    department: str
    dry_run: bool
    effective_date: datetime.date
    officers_file: str = ""
    roster: RosterReport | None = None
    officer_headers: dict[str, str] = field(default_factory=dict)
    officer_ignored: list[str] = field(default_factory=list)  # OpenOversight's columns we know but do not keep
    tables: list[TableReport] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files left unread after an earlier one failed
    applied: bool = False

    @property
    def errors(self) -> list[TableError]:
        found: list[TableError] = []
        if self.roster is not None:
            found += [
                TableError(self.officers_file, e.line, self.officer_headers.get(e.column or "", e.column), e.message)
                for e in self.roster.errors
            ]
        for table in self.tables:
            found += table.errors
        return found

    @property
    def ok(self) -> bool:
        return not self.errors


def openoversight_import(
    department: Department,
    files: Mapping[str, Path | str],
    *,
    actor: Any,
    effective_date: datetime.date | None = None,
    dry_run: bool = False,
) -> OpenOversightReport:
    """Import a department's tables (keys of `files`: officers, assignments, salaries, incidents, links).

    1. Refuse actors who may not edit the department's records, and a call with no file.
    2. Lock the department (imports queue) and load its officers' keys.
    3. Officers: read the assignments file once for each officer's current badge, rank and unit,
       then run the roster import on the officers file with them filled in; remember which first
       assignments it opened, so the assignments file's history can replace them.
    4. Assignments, salaries, incidents, links, in that order (links name incidents), each in a
       savepoint; the first file with an error stops the import.
    5. Any error, or a dry run: roll everything back. Otherwise commit, one audit row per table.
    """
    require_editor(actor, department)
    unknown = set(files) - set(TABLES)
    if unknown or not files:
        raise RecordInvalid(
            f"Give at least one of {', '.join(TABLES)}" + (f"; not {sorted(unknown)}." if unknown else ".")
        )
    paths = {name: Path(files[name]) for name in TABLES if files.get(name)}
    effective = effective_date or timezone.localdate()
    report = OpenOversightReport(department.name, dry_run, effective)
    with transaction.atomic():
        Department.objects.select_for_update().filter(pk=department.pk).first()
        index = OfficerIndex()
        index.load(department)
        opened: dict[int, int] = {}
        closed: dict[int, int] = {}
        if "officers" in paths and not _import_officers(report, department, paths, index, actor, opened, closed):
            report.skipped = [name for name in TABLES[1:] if name in paths]
            transaction.set_rollback(True)
            return report
        steps: dict[str, Callable[[TableReport, Path], None]] = {
            "assignments": lambda r, p: import_assignments(
                r, p, department, index, effective=effective, roster_opened=opened, closed_by_roster=closed
            ),
            "salaries": lambda r, p: import_salaries(r, p, department, index),
            "incidents": lambda r, p: import_incidents(r, p, department, index, incident_refs),
            "links": lambda r, p: import_links(r, p, department, index, incident_refs),
        }
        incident_refs: dict[str, int] = {}
        for name, step in steps.items():
            if name not in paths:
                continue
            if not report.ok:
                report.skipped.append(name)
                continue
            table = TableReport(name, str(paths[name]))
            report.tables.append(table)
            _run(table, step, paths[name])
            if table.ok:
                RecordChange.objects.create(
                    actor=audit_actor(actor),
                    department=department,
                    what=f"openoversight.{name}",
                    object_id=department.pk,
                    before=None,
                    after={**table.counts(), "effective_date": effective.isoformat()},
                )
        if dry_run or not report.ok:
            transaction.set_rollback(True)
        else:
            report.applied = True
    return report


def _run(table: TableReport, step: Callable[[TableReport, Path], None], path: Path) -> None:
    try:
        with transaction.atomic():
            step(table, path)
    except IntegrityError:
        # Every row was checked against the stored record; a collision means a concurrent
        # change outside this import, or two rows of the files naming one badge.
        table.error(0, None, "the import collided with the stored record (a badge or key in use twice); try again.")


def _import_officers(
    report: OpenOversightReport,
    department: Department,
    paths: dict[str, Path],
    index: OfficerIndex,
    actor: Any,
    opened: dict[int, int],
    closed: dict[int, int],
) -> bool:
    path = paths["officers"]
    report.officers_file = str(path)
    current = current_assignments(paths["assignments"]) if "assignments" in paths else {}
    try:
        lines = officer_lines(path, index, current)
        report.roster = roster_import(
            department, lines, actor=actor, effective_date=report.effective_date, file_name=str(path)
        )
    except OSError as exc:
        report.roster = RosterReport(file_name=str(path))
        report.roster.error(0, None, f"cannot read the file: {exc.strerror}.")
    report.officer_headers = dict(index.headers)
    # `id` is used (the other files name officers by it); these are OpenOversight's own.
    unknown = report.roster.unknown_columns
    report.officer_ignored = [c for c in unknown if column_name(c) in OFFICER_IGNORED]
    report.roster.unknown_columns = [c for c in unknown if column_name(c) not in {"id", *OFFICER_IGNORED}]
    if not report.roster.ok:
        return False
    # The assignments the roster import opened in this run, and the ones it closed for them, as it
    # reports them: a coordinator's assignment saved meanwhile is neither.
    opened.update(report.roster.opened_assignments)
    closed.update(report.roster.closed_assignments)
    index.load(department)
    return True
