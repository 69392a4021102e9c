"""Shared test factories: plain typed functions that create rows the way tests need them.

Each function takes the few arguments a test cares about and fills the rest with valid,
unique values, so tests state only what matters to them. Rows are written the way the
application writes them where the test needs that (a real photo goes through
`image_create`, processing through `image_process`), and directly otherwise.

A department's recognition flag is set with a queryset update, not through the policy:
the flag is not editable on the model, and a test that needs "a department that allows
recognition" is not testing the switch (tests/departments/test_policy.py does that).
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.core.files.uploadedfile import SimpleUploadedFile

from departments.models import Assignment, Department, Incident, JurisdictionRule, Link, Officer, Salary
from faces.models import Face, Image, MatchSuggestion

FACES = Path(__file__).parent / "data" / "faces"
SERIAL = itertools.count(1)
PASSWORD = "pass-for-tests-1"


def _next() -> int:
    return next(SERIAL)


# --- Departments ---------------------------------------------------------------------------
def department(*, name: str = "", slug: str = "", state: str = "OR", recognition: bool = False, **fields) -> Department:
    """A department; `recognition=True` turns its flag on (no audit, no backfill)."""
    n = _next()
    made = Department.objects.create(
        name=name or f"Test Police Department {n}", slug=slug or f"test-pd-{n}", state=state, **fields
    )
    if recognition:
        Department.objects.filter(pk=made.pk).update(facial_recognition_allowed=True)
        made.refresh_from_db()
    return made


def allowed_department(**fields) -> Department:
    """A department whose flag is on, in a state with no rule against recognition."""
    return department(recognition=True, **fields)


def disallowed_department(**fields) -> Department:
    """A department whose flag is off (the default), in a state that would allow it."""
    fields.setdefault("state", "CA")
    return department(**fields)


def illinois_department(**fields) -> Department:
    """A department in Illinois, where the seeded BIPA rule forbids recognition outright."""
    JurisdictionRule.objects.get_or_create(
        state="IL", defaults={"recognition_forbidden": True, "legal_reason": "Illinois BIPA"}
    )
    return department(state="IL", **fields)


# --- Officers -----------------------------------------------------------------------------
def officer(
    department: Department, *, first_name: str = "Test", last_name: str = "", badge_number: str = "", **fields
) -> Officer:
    n = _next()
    return Officer.objects.create(
        department=department,
        first_name=first_name,
        last_name=last_name or f"Officer{n}",
        badge_number=badge_number or f"T{n}",
        **fields,
    )


# --- The officer record --------------------------------------------------------------------
def assignment(
    officer: Officer,
    *,
    badge_number: str = "",
    rank: str = "Officer",
    unit: str = "Patrol",
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
) -> Assignment:
    """An assignment row written directly (no sync of the officer's current columns: use
    `departments.services.assignment_start` for that)."""
    return Assignment.objects.create(
        officer=officer,
        badge_number=badge_number or officer.badge_number,
        rank=rank,
        unit=unit,
        start_date=start_date,
        end_date=end_date,
    )


def officer_with_history(department: Department, **fields) -> Officer:
    """An officer who was a patrol officer (#B1), then a sergeant in Traffic (#B2, current)."""
    from departments.services import SYSTEM, assignment_start

    made = officer(department, **fields)
    assignment_start(
        made,
        badge_number=made.badge_number,
        rank="Officer",
        unit="Patrol Division",
        start_date=datetime.date(2015, 3, 1),
        actor=SYSTEM,
    )
    assignment_start(
        made,
        badge_number=f"{made.badge_number}S",
        rank="Sergeant",
        unit="Traffic Unit",
        start_date=datetime.date(2021, 6, 15),
        actor=SYSTEM,
    )
    made.refresh_from_db()
    return made


def incident(department: Department, *, officers: Sequence[Officer] = (), **fields) -> Incident:
    n = _next()
    fields.setdefault("date", datetime.date(2023, 5, 4))
    fields.setdefault("location", f"{n} Main Street")
    fields.setdefault("report_number", f"RD-{n}")
    made = Incident.objects.create(department=department, **fields)
    made.officers.set(officers)
    return made


def link(*, officer: Officer | None = None, incident: Incident | None = None, **fields) -> Link:
    n = _next()
    fields.setdefault("url", f"https://news.example.org/story/{n}")
    fields.setdefault("title", f"Story {n}")
    fields.setdefault("kind", Link.Kind.NEWS)
    return Link.objects.create(officer=officer, incident=incident, **fields)


def salary(officer: Officer, *, year: int = 2023, salary: str = "85000.00", **fields) -> Salary:
    return Salary.objects.create(officer=officer, year=year, salary=Decimal(salary), **fields)


# --- Photos and faces -----------------------------------------------------------------------
def image(department: Department, name: str = "", *, uploader=None, processed: bool = False, **fields) -> Image:
    """A photo of `department`.

    With `name` (a file of tests/data/faces) it is uploaded through `image_create` (decoded,
    sanitised, stored) and, with `processed=True`, run through the worker's `image_process`.
    Without a name it is a row with no stored file, for tests about the data alone;
    `fields` set its columns (status, width, height …).
    """
    from faces.services import image_create, image_process

    if name:
        result = image_create(
            upload=SimpleUploadedFile(name, (FACES / name).read_bytes(), content_type="image/jpeg"),
            department=department,
            uploaded_by=uploader,
        )
        if processed:
            image_process(result.image.pk)
        return Image.objects.select_related("department").get(pk=result.image.pk)
    n = _next()
    fields.setdefault("width", 100)
    fields.setdefault("height", 100)
    return Image.objects.create(
        file=f"originals/test/{n}.jpg", sha256=f"fac{n:061x}", department=department, uploaded_by=uploader, **fields
    )


def face(
    image: Image,
    *,
    x: int = 10,
    y: int = 10,
    w: int = 60,
    h: int = 60,
    officer: Officer | None = None,
    embedding: Sequence[float] | None = None,
    source: str = Face.Source.USER,
    **fields,
) -> Face:
    """A face box on `image`, with the given vector stored on it (as the worker would) if any."""
    vector = None if embedding is None else [float(v) for v in embedding]
    return Face.objects.create(
        image=image, x=x, y=y, w=w, h=h, source=source, officer=officer, embedding=vector, **fields
    )


def gallery_face(
    officer: Officer | None,
    embedding: Sequence[float],
    *,
    department: Department | None = None,
    use_for_recognition: bool = True,
) -> Face:
    """A face identified as `officer`, with a vector, on a file-less photo of `department`
    (the officer's own by default): a gallery face when both departments allow recognition."""
    department = department or officer.department  # type: ignore[union-attr]
    return face(
        image(department, status=Image.Status.DONE),
        x=0,
        y=0,
        w=10,
        h=10,
        officer=officer,
        embedding=embedding,
        use_for_recognition=use_for_recognition and officer is not None,
    )


def gallery_officer(department: Department, photo_name: str, **officer_fields) -> Officer:
    """An officer whose gallery holds the one face of a real photo, processed by the worker and
    identified by a person for recognition (where the department allows it)."""
    from faces.services.review import face_identify

    made = officer(department, **officer_fields)
    face_identify(image(department, photo_name, processed=True).faces.get(), officer=made, actor=None)
    return made


def suggestion(face: Face, officer: Officer, *, distance: float = 0.42, rank: int = 1, **fields) -> MatchSuggestion:
    """A pending (by default) match suggestion, as the worker writes it."""
    return MatchSuggestion.objects.create(face=face, officer=officer, distance=distance, rank=rank, **fields)


# --- People -------------------------------------------------------------------------------
def user(
    username: str = "",
    *,
    role: str | None = None,
    department: Department | None = None,
    superuser: bool = False,
    active: bool = True,
) -> AbstractUser:
    """A user with password PASSWORD; with `role`, a profile of that role (and department)."""
    from accounts.models import Profile

    username = username or f"user{_next()}"
    User = get_user_model()
    create = User.objects.create_superuser if superuser else User.objects.create_user
    made = create(username, f"{username}@example.org", PASSWORD)
    if role:
        Profile.objects.create(user=made, role=role, department=department)
    if not active:
        made.is_active = False
        made.save(update_fields=["is_active"])
    return made
