"""`python manage.py import_openoversight DEPARTMENT_SLUG --officers-csv F [--assignments-csv F] …`.

A department running OpenOversight moves over in one command: its advanced-import CSVs or its
department downloads (or our own export's CSVs), all applied or none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from departments.management.report_text import effective_date_argument, error_lines
from departments.models import Department
from departments.openoversight import TABLES, OpenOversightReport, openoversight_import
from departments.services import SYSTEM


class Command(BaseCommand):
    help = "Import a department's OpenOversight CSVs (officers, assignments, salaries, incidents, links): all or none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("department", help="The department's slug.")
        for table in TABLES:
            parser.add_argument(f"--{table}-csv", dest=table, default=None, help=f"The {table} CSV (UTF-8).")
        parser.add_argument("--dry-run", action="store_true", help="Check and report; write nothing.")
        parser.add_argument(
            "--effective-date",
            type=effective_date_argument,
            default=None,
            help="When roster changes without a dated assignment take effect (default today).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        department = Department.objects.filter(slug=options["department"]).first()
        if department is None:
            raise CommandError(f"No department with the slug {options['department']!r}.")
        files = {table: Path(options[table]) for table in TABLES if options[table]}
        if not files:
            raise CommandError("Give at least one file: " + ", ".join(f"--{t}-csv" for t in TABLES) + ".")
        for table, path in files.items():
            if not path.is_file():
                raise CommandError(f"--{table}-csv: cannot read {path}.")
        report = openoversight_import(
            department, files, actor=SYSTEM, effective_date=options["effective_date"], dry_run=options["dry_run"]
        )
        self.stdout.write(render(report))
        if not report.ok:
            raise CommandError(f"{len(report.errors)} error(s); nothing was written.", returncode=1)


def render(report: OpenOversightReport) -> str:
    mode = "Dry run (nothing written)" if report.dry_run else ("Applied" if report.applied else "Refused")
    lines = [f"{mode}: OpenOversight import → {report.department}, effective {report.effective_date}"]
    if report.roster is not None:
        r = report.roster
        lines.append(
            f"officers     {report.officers_file}: rows {r.rows}  created {r.created}  updated {r.updated}  "
            f"unchanged {r.unchanged}  assignment changes {r.assignments_changed}"
        )
        if report.officer_ignored:
            lines.append("  known columns not imported: " + ", ".join(report.officer_ignored))
        if r.unknown_columns:
            lines.append("  unknown columns (ignored): " + ", ".join(r.unknown_columns))
    for t in report.tables:
        replaced = f"  first assignments replaced {t.replaced}" if t.table == "assignments" else ""
        lines.append(
            f"{t.table:<12} {t.file_name}: rows {t.rows}  created {t.created}  updated {t.updated}  "
            f"unchanged {t.unchanged}{replaced}"
        )
        if t.ignored_columns:
            lines.append("  known columns not imported: " + ", ".join(t.ignored_columns))
        if t.unknown_columns:
            lines.append("  unknown columns (ignored): " + ", ".join(t.unknown_columns))
    if report.skipped:
        lines.append("not checked (an earlier file has errors): " + ", ".join(report.skipped))
    lines += error_lines(report.errors)
    return "\n".join(lines)
