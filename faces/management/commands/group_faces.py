"""Re-cluster the unidentified faces of one or every department into groups from scratch.

    manage.py group_faces [--department SLUG]

Groups form only where facial recognition is allowed; elsewhere this deletes any left.
Faces are normally grouped as they are embedded; run this after changing
FACES_GROUP_THRESHOLD, or to rebuild groups after a broker outage.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from departments.models import Department
from faces.services.grouping import department_regroup


class Command(BaseCommand):
    help = "Re-cluster unidentified faces into groups (allowed departments only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--department", help="the department's slug (default: every department)")

    def handle(self, *args, **options) -> None:
        departments = Department.objects.order_by("pk")
        if options["department"]:
            departments = departments.filter(slug=options["department"])
            if not departments.exists():
                raise CommandError(f"No department with slug {options['department']!r}.")
        for department in departments:
            made = department_regroup(department)
            self.stdout.write(f"{department.slug}: {made} group{'' if made == 1 else 's'}")
