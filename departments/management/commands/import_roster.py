"""`python manage.py import_roster DEPARTMENT_SLUG FILE.csv [--dry-run] [--effective-date YYYY-MM-DD]`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from departments.management.report_text import effective_date_argument, error_lines
from departments.models import Department
from departments.roster import RosterReport, roster_import
from departments.services import SYSTEM


class Command(BaseCommand):
    help = "Create and update a department's officers from a roster CSV (all rows or none)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("department", help="The department's slug.")
        parser.add_argument("file", help="The roster CSV (UTF-8).")
        parser.add_argument("--dry-run", action="store_true", help="Check and report; write nothing.")
        parser.add_argument(
            "--effective-date",
            type=effective_date_argument,
            default=None,
            help="When assignment changes take effect (default today).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        department = Department.objects.filter(slug=options["department"]).first()
        if department is None:
            raise CommandError(f"No department with the slug {options['department']!r}.")
        try:
            handle = open(options["file"], "rb")  # noqa: SIM115 - closed below, after the import
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror}.") from exc
        with handle:
            report = roster_import(
                department,
                handle,
                actor=SYSTEM,
                effective_date=options["effective_date"],
                dry_run=options["dry_run"],
                file_name=options["file"],
            )
        self.stdout.write(render(report, department))
        if not report.ok:
            raise CommandError(f"{len(report.errors)} error(s); nothing was written.", returncode=1)


def render(report: RosterReport, department: Department) -> str:
    mode = "Dry run (nothing written)" if report.dry_run else ("Applied" if report.applied else "Refused")
    lines = [
        f"{mode}: {report.file_name} → {department.name}, effective {report.effective_date}",
        f"rows: {report.rows}  created: {report.created}  updated: {report.updated}  "
        f"unchanged: {report.unchanged}  assignment changes: {report.assignments_changed}",
    ]
    if report.unknown_columns:
        lines.append("unknown columns (ignored): " + ", ".join(report.unknown_columns))
    lines += error_lines(report.errors, truncated=report.errors_truncated)
    return "\n".join(lines)
