"""Property: whatever people and workers do, a department with recognition off holds no biometric data.

Hypothesis draws sequences of real operations (upload + processing, boxes drawn by people,
reprocessing, backfills, identifications, other departments switching on and off, this
one switched on and off again) and after every step the database is checked.
"""

from __future__ import annotations

import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from departments import policy
from departments.models import Department, Officer
from faces import services
from faces.models import Face, Image, MatchSuggestion
from faces.services import recognition
from faces.services.review import face_identify
from tests.conftest import photo

PHOTOS = ["obama_1.jpg", "obama_2.jpg", "biden_1.jpg", "group_obama_biden.jpg"]
EXAMPLES = itertools.count()
OPERATIONS = ["upload", "user_box", "reprocess", "backfill", "identify", "toggle_other", "on_then_off"]


def assert_no_biometric_data(department: Department) -> None:
    ours = Q(image__department=department) | Q(officer__department=department)
    assert Face.objects.filter(ours, embedding__isnull=False).count() == 0
    assert (
        MatchSuggestion.objects.filter(
            Q(face__image__department=department) | Q(officer__department=department), status="pending"
        ).count()
        == 0
    )


def run(operation: str, name: str, department: Department, other: Department, officer: Officer) -> None:
    images = list(Image.objects.filter(department=department))
    if operation == "upload" or not images:
        result = services.image_create(upload=SimpleUploadedFile(name, photo(name)), department=department)
        services.image_process(result.image.pk)
    elif operation == "user_box":
        image = images[0]
        face = services.face_box_create(image=image, x=0, y=0, w=min(image.width, 120), h=min(image.height, 120))
        services.face_process(face.pk)
    elif operation == "reprocess":
        Image.objects.filter(department=department).update(status=Image.Status.QUEUED)
        for image in images:
            services.image_process(image.pk)
            for face_id in Face.objects.filter(image=image).values_list("pk", flat=True):
                services.face_process(face_id)
    elif operation == "backfill":
        services.department_backfill(department.pk)
    elif operation == "identify":
        # A decided face is refused (a change of decision is an undo): identify the next undecided one.
        face = Face.objects.filter(image__department=department, officer__isnull=True, is_civilian=False).first()
        if face is not None:
            face_identify(face, officer=officer, actor=None, use_for_recognition=True)
    elif operation == "toggle_other":
        allowed = not policy.recognition_allowed(other)
        recognition.department_set_recognition(other, allowed=allowed, actor=None, reason="property test")
    elif operation == "on_then_off":
        recognition.department_set_recognition(department, allowed=True, actor=None, reason="property test")
        services.department_backfill(department.pk)  # what the queued backfill does
        recognition.department_set_recognition(department, allowed=False, actor=None, reason="property test")


@pytest.mark.django_db
@hsettings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(steps=st.lists(st.tuples(st.sampled_from(OPERATIONS), st.sampled_from(PHOTOS)), min_size=1, max_size=5))
def test_a_department_with_recognition_off_never_holds_an_embedding_or_a_suggestion(steps, other_department):
    n = next(EXAMPLES)
    department = Department.objects.create(name=f"Off PD {n}", slug=f"off-pd-{n}", state="CA")
    officer = Officer.objects.create(department=department, first_name="O", last_name="F", badge_number="1")
    # The other department has a gallery of the same people, so a leak would show as a match.
    if not Image.objects.filter(department=other_department).exists():
        gallery = Officer.objects.create(department=other_department, first_name="G", last_name="A", badge_number="1")
        result = services.image_create(
            upload=SimpleUploadedFile("g.png", photo("lin_manuel_miranda.png")), department=other_department
        )
        services.image_process(result.image.pk)
        face_identify(result.image.faces.get(), officer=gallery, actor=None, use_for_recognition=True)
    try:
        for operation, name in steps:
            run(operation, name, department, other_department, officer)
            assert_no_biometric_data(department)
    finally:
        # Photos are de-duplicated across departments: free them for the next example.
        for image in Image.objects.filter(department=department):
            services.image_delete(image)
        if not policy.recognition_allowed(other_department):
            recognition.department_set_recognition(other_department, allowed=True, actor=None, reason="reset")
