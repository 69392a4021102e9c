"""Rule 6 in the admin: a decision is changed only by an audited undo (issue 12, finding 1).

The Face admin and the Image admin's face inline let an administrator change who a face is
(`officer`, `is_civilian`), its gallery use and a photo's sort answer with no
`faces.Decision` row. Those fields are now read-only there, pointing to the review
dashboard; a change form posted with them altered (as a hand-crafted request would) changes
nothing.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from faces.models import Decision, Face, Image
from tests import factories
from tests.admin_forms import admin_form_data


@pytest.fixture
def admin_client_(admin_user, client):
    client.force_login(admin_user)
    return client


@pytest.fixture
def face(db) -> Face:
    department = factories.allowed_department(name="Portland PD", state="OR")
    image = factories.image(department, status=Image.Status.DONE, contains_officers=True)
    return factories.face(image, officer=factories.officer(department), use_for_recognition=True)


def identity(face: Face) -> tuple:
    face.refresh_from_db()
    return (face.officer_id, face.is_civilian, face.use_for_recognition, face.identified_by_id)


def post_back(client, url: str, changes: dict[str, str], drop: tuple[str, ...] = ()) -> None:
    data = admin_form_data(client, url)
    for name in drop:
        data.pop(name, None)
    data.update(changes)
    data["_save"] = "Save"
    response = client.post(url, data)
    assert response.status_code == 302


def test_the_face_admin_ignores_a_post_that_changes_who_the_face_is(admin_client_, admin_user, face):
    other = factories.officer(face.image.department)
    before = identity(face)

    post_back(
        admin_client_,
        reverse("admin:faces_face_change", args=[face.pk]),
        {"officer": str(other.pk), "is_civilian": "on", "identified_by": str(admin_user.pk)},
        drop=("use_for_recognition",),
    )

    assert identity(face) == before
    assert not Decision.objects.exists()


def test_the_image_admin_ignores_a_post_that_changes_a_face_or_the_sort_answer(admin_client_, face):
    other = factories.officer(face.image.department)
    url = reverse("admin:faces_image_change", args=[face.image.pk])
    before = identity(face)

    post_back(
        admin_client_,
        url,
        {"faces-0-officer": str(other.pk), "faces-0-is_civilian": "on", "contains_officers": "false"},
        drop=("faces-0-use_for_recognition",),
    )

    assert identity(face) == before
    assert Image.objects.get(pk=face.image.pk).contains_officers is True
    assert not Decision.objects.exists()


def test_the_face_admin_points_to_the_review_dashboard_for_decisions(admin_client_, face):
    page = admin_client_.get(reverse("admin:faces_face_change", args=[face.pk])).content.decode()

    assert reverse("review_decisions") in page
    assert "undone, with an audit record, on the review dashboard" in page
    assert 'name="officer"' not in page
