"""`manage.py seed_demo`: demo departments, officers and photos, safe to run again.

The photos are public test images from open-source face-recognition projects (see
tests/data/faces/README.md for their sources and licences); the officers' names are
fictional. Photos are processed in this process so the demo has a gallery at once.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand

from departments import policy
from departments.models import Department, Officer
from faces import services
from faces.models import Face
from faces.services.recognition import department_set_recognition
from faces.services.review import face_identify

PHOTOS = Path(settings.BASE_DIR) / "tests" / "data" / "faces"

DEPARTMENTS = [
    # slug, name, state, recognition
    ("springfield-pd", "Springfield Police Department", "OR", True),
    ("chicago-pd", "Chicago Police Department", "IL", False),
    ("riverside-sheriff", "Riverside County Sheriff's Office", "CA", False),
]

OFFICERS = [
    # department slug, first, last, badge, rank, unit, gallery photo
    ("springfield-pd", "Jordan", "Avery", "1001", "Sergeant", "Patrol Division", "obama_1.jpg"),
    ("springfield-pd", "Casey", "Morgan", "1002", "Officer", "Traffic Unit", "biden_1.jpg"),
    ("springfield-pd", "Riley", "Chen", "1003", "Lieutenant", "Detective Bureau", "kit_harington_1.jpg"),
    ("springfield-pd", "Sam", "Patel", "1004", "Officer", "Patrol Division", "rose_leslie_1.jpg"),
    ("chicago-pd", "Drew", "Kowalski", "5501", "Officer", "District 1", None),
    ("chicago-pd", "Morgan", "Reyes", "5502", "Sergeant", "District 12", None),
    ("riverside-sheriff", "Taylor", "Brooks", "301", "Deputy", "Jail Division", None),
]

UNIDENTIFIED = [
    ("springfield-pd", "obama_2.jpg"),
    ("chicago-pd", "group_obama_biden.jpg"),
    ("riverside-sheriff", "kit_harington_2.jpg"),
]


class Command(BaseCommand):
    help = "Create demo departments, officers and photos (idempotent)."

    def handle(self, *args, **options) -> None:
        departments = {}
        for slug, name, state, recognition in DEPARTMENTS:
            department, _ = Department.objects.get_or_create(slug=slug, defaults={"name": name, "state": state})
            departments[slug] = department
            if recognition and not policy.recognition_allowed(department):
                department_set_recognition(
                    department, allowed=True, actor=None, reason="Demo data: recognition allowed for this department."
                )
        for slug, first, last, badge, rank, unit, photo in OFFICERS:
            officer, _ = Officer.objects.get_or_create(
                department=departments[slug],
                badge_number=badge,
                defaults={"first_name": first, "last_name": last, "rank": rank, "unit": unit},
            )
            if photo:
                face = self._process(departments[slug], photo)
                if face is not None and face.officer_id is None:
                    face_identify(face, officer=officer, actor=None, use_for_recognition=True)
                    Officer.objects.filter(pk=officer.pk, featured_face__isnull=True).update(featured_face=face)
        for slug, photo in UNIDENTIFIED:
            self._process(departments[slug], photo)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {Department.objects.count()} departments, {Officer.objects.count()} officers."
            )
        )

    def _process(self, department: Department, filename: str) -> Face | None:
        data = (PHOTOS / filename).read_bytes()
        result = services.image_create(
            upload=SimpleUploadedFile(filename, data), department=department, filename=filename
        )
        services.image_process(result.image.pk)
        return result.image.faces.order_by("-w").first()
