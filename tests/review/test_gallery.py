"""Gallery curation: use for recognition only where the policy allows it; the featured face."""

from __future__ import annotations

from django.urls import reverse

from departments.models import Officer
from faces.models import Decision, Face
from faces.services.review import face_identify
from tests.conftest import client_for
from tests.review.conftest import stored_image


def _post(user, officer, **data):
    # From the gallery page, as a browser posts it: a refusal is shown back on that page.
    page = reverse("review_gallery", args=[officer.pk])
    return client_for(user).post(page, data, HTTP_REFERER=f"http://testserver{page}")


def test_a_volunteer_takes_a_face_out_of_the_gallery_and_back(users, scene):
    face, officer = scene["gallery_face"], scene["officer"]
    assert face.use_for_recognition
    _post(users["volunteer"], officer, action="unuse", face=face.pk)
    assert not Face.objects.get(pk=face.pk).use_for_recognition
    _post(users["volunteer"], officer, action="use", face=face.pk)
    assert Face.objects.get(pk=face.pk).use_for_recognition
    curations = Decision.objects.filter(kind=Decision.Kind.CURATE, face=face).order_by("pk")
    assert [d.after for d in curations] == [{"use_for_recognition": False}, {"use_for_recognition": True}]
    assert all(d.actor == users["volunteer"] for d in curations)


def test_it_refuses_gallery_use_where_recognition_is_not_allowed(users, disallowed_department):
    officer = Officer.objects.create(
        department=disallowed_department, first_name="Lee", last_name="Noor", badge_number="9"
    )
    face = stored_image(disallowed_department).faces.get()
    face_identify(face, officer=officer, actor=users["volunteer"], use_for_recognition=False)
    response = _post(users["admin"], officer, action="use", face=face.pk)
    assert response.status_code == 302
    assert not Face.objects.get(pk=face.pk).use_for_recognition
    assert not Decision.objects.filter(kind=Decision.Kind.CURATE).exists()
    page = client_for(users["admin"]).get(reverse("review_gallery", args=[officer.pk])).content.decode()
    assert "cannot feed the gallery" in page and 'value="use"' not in page


def test_choosing_the_featured_face(users, scene):
    face, officer = scene["gallery_face"], scene["officer"]
    _post(users["volunteer"], officer, action="feature", face=face.pk)
    officer.refresh_from_db()
    assert officer.featured_face_id == face.pk
    page = client_for(users["volunteer"]).get(reverse("review_gallery", args=[officer.pk])).content.decode()
    assert "Featured" in page
    _post(users["volunteer"], officer, action="unfeature")
    officer.refresh_from_db()
    assert officer.featured_face_id is None


def test_it_refuses_to_feature_a_face_of_someone_else(users, scene):
    response = _post(users["volunteer"], scene["officer"], action="feature", face=scene["face"].pk)
    assert response.status_code == 400
    scene["officer"].refresh_from_db()
    assert scene["officer"].featured_face_id is None


def test_turning_gallery_use_on_for_a_face_without_embedding_queues_one(
    users, upload, allowed_department, officer, django_capture_on_commit_callbacks
):
    face = upload("obama_1.jpg", allowed_department).faces.get()
    face_identify(face, officer=officer, actor=users["volunteer"], use_for_recognition=False)
    Face.objects.filter(pk=face.pk).update(embedding=None)
    with django_capture_on_commit_callbacks(execute=True):
        _post(users["volunteer"], officer, action="use", face=face.pk)
    face.refresh_from_db()
    assert face.use_for_recognition and face.embedding is not None
