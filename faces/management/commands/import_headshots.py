"""`python manage.py import_headshots DEPARTMENT_SLUG PATH [--mapping FILE.csv] [--queue]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from departments.models import Department
from departments.services import SYSTEM
from faces.models import HeadshotBatch, HeadshotItem
from faces.selectors_headshots import labelled_counts
from faces.services.headshot_files import from_path, read_mapping
from faces.services.headshots import headshot_batch_create, headshot_batch_queue, headshot_batch_run
from oversight.exceptions import DomainError


class Command(BaseCommand):
    help = (
        "Import official headshots of a department's officers from a folder or a ZIP: files named by "
        "employee ID or badge number (12345.jpg), or named in a mapping CSV (filename,employee_id)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("department", help="The department's slug.")
        parser.add_argument("path", type=Path, help="A folder of photos, or a ZIP of them.")
        parser.add_argument("--mapping", type=Path, default=None, help="CSV lines `filename,employee_id`.")
        parser.add_argument(
            "--queue", action="store_true", help="Queue the photos to the Celery workers instead of processing here."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        department = Department.objects.filter(slug=options["department"]).first()
        if department is None:
            raise CommandError(f"No department with the slug {options['department']!r}.")
        try:
            mapping = None
            if options["mapping"] is not None:
                with open(options["mapping"], "rb") as handle:
                    mapping = read_mapping(handle)
            source = from_path(options["path"])
            batch = headshot_batch_create(department=department, source=source, actor=SYSTEM, mapping=mapping)
        except OSError as exc:
            raise CommandError(f"Cannot read {exc.filename}: {exc.strerror}.") from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Headshots for {department.name} from {batch.source} (batch {batch.pk}):")
        for item in batch.items.exclude(status__in=HeadshotItem.PENDING).select_related("officer"):
            self.stdout.write(line(item))
        if options["queue"]:
            headshot_batch_queue(batch)
            self.stdout.write("The other files are queued to the workers.")
        else:
            headshot_batch_run(batch, on_item=lambda item: self.stdout.write(line(item)))
        self.stdout.write(summary(batch))


def line(item: HeadshotItem) -> str:
    return f"  {item.file_name}: {item.get_status_display()}" + (f" — {item.message}" if item.message else "")


def summary(batch: HeadshotBatch) -> str:
    counts = labelled_counts(batch)
    parts = ", ".join(f"{label}: {n}" for label, n in counts.items())
    return f"{sum(counts.values())} files. {parts}."
