"""`manage.py seed_demo`: demo departments, officers and photos, safe to run again.

The photos are public test images from open-source face-recognition projects (see
tests/data/faces/README.md for their sources and licences); the officers' names are
fictional. Photos are processed in this process so the demo has a gallery at once.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand

from departments import policy
from departments import services as records
from departments.models import Department, Incident, Link, Officer
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

# Earlier assignments before the one in OFFICERS: badge, rank, unit, start date. The current
# assignment (OFFICERS' badge, rank and unit) starts on CURRENT_SINCE.
HISTORY = {
    ("springfield-pd", "1001"): [("0871", "Officer", "Patrol Division", datetime.date(2012, 7, 9))],
    ("springfield-pd", "1003"): [
        ("0655", "Officer", "Patrol Division", datetime.date(2008, 2, 4)),
        ("0655", "Sergeant", "Gang Unit", datetime.date(2014, 11, 17)),
    ],
}
CURRENT_SINCE = {
    ("springfield-pd", "1001"): datetime.date(2019, 3, 1),
    ("springfield-pd", "1003"): datetime.date(2020, 1, 6),
}
COMPLAINTS = {
    "springfield-pd": (
        "https://springfield.example.org/police/complaints",
        "Complaints go to the city's Office of Police Accountability, online or by phone at 555-0100.",
    ),
}
# One incident of Springfield with two of its officers, and a news story about it.
INCIDENT_DEPARTMENT, INCIDENT_REPORT = "springfield-pd", "SPD-2023-0417"
INCIDENT_FIELDS = {
    "date": datetime.date(2023, 4, 17),
    "location": "Elm Street and 5th Avenue",
    "description": "Traffic stop that led to a use-of-force complaint (demo data).",
}
INCIDENT_OFFICERS = ["1001", "1002"]
INCIDENT_LINK = ("https://news.example.org/2023/04/elm-street-stop", "Local paper: questions after Elm Street stop")

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
        self._records(departments)
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

    def _records(self, departments: dict[str, Department]) -> None:
        """Assignment histories, a complaint path and an incident with a link; each only once."""
        for slug, (url, instructions) in COMPLAINTS.items():
            Department.objects.filter(slug=slug, complaint_url="").update(
                complaint_url=url, complaint_instructions=instructions
            )
        for slug, _first, _last, badge, rank, unit, _photo in OFFICERS:
            officer = Officer.objects.get(department=departments[slug], badge_number=badge)
            if officer.assignments.exists():
                continue
            for old_badge, old_rank, old_unit, start in HISTORY.get((slug, badge), []):
                records.assignment_start(
                    officer,
                    badge_number=old_badge,
                    rank=old_rank,
                    unit=old_unit,
                    start_date=start,
                    actor=records.SYSTEM,
                )
            records.assignment_start(
                officer,
                badge_number=badge,
                rank=rank,
                unit=unit,
                start_date=CURRENT_SINCE.get((slug, badge)),
                actor=records.SYSTEM,
            )
        department = departments[INCIDENT_DEPARTMENT]
        if not Incident.objects.filter(department=department, report_number=INCIDENT_REPORT).exists():
            incident = records.incident_create(
                department,
                actor=records.SYSTEM,
                report_number=INCIDENT_REPORT,
                officers=Officer.objects.filter(department=department, badge_number__in=INCIDENT_OFFICERS),
                **INCIDENT_FIELDS,  # type: ignore[arg-type]
            )
            url, title = INCIDENT_LINK
            records.link_add(actor=records.SYSTEM, incident=incident, url=url, title=title, kind=Link.Kind.NEWS)
        avery = Officer.objects.filter(department=department, badge_number="1001").first()
        if avery is not None and not Link.objects.filter(officer=avery).exists():
            records.link_add(
                actor=records.SYSTEM,
                officer=avery,
                url="https://court.example.org/cases/2021-cv-0193",
                title="Civil case 2021-CV-0193 (demo)",
                kind=Link.Kind.COURT_RECORD,
            )
            records.salary_set(avery, actor=records.SYSTEM, year=2023, salary="92450.00", overtime_pay="14210.75")
