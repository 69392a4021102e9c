"""Identify with the real pipeline: confirm feeds the gallery, reject is final, the gate holds."""

from __future__ import annotations

import pytest
from django.urls import reverse

from departments.models import Department, Officer
from faces.models import Decision, Face, MatchSuggestion
from faces.pipeline.search import search_gallery
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _only_face(image) -> Face:
    faces = list(image.faces.all())
    assert len(faces) == 1
    return faces[0]


def _post(client, face, **data):
    return client.post(reverse("review_identify", args=[face.pk]), data)


@pytest.fixture
def gallery_of_obama(users, upload, allowed_department, officer):
    """obama_1 uploaded and identified (through the dashboard) as `officer`, usable for recognition."""
    face = _only_face(upload("obama_1.jpg", allowed_department))
    assert face.embedding is not None
    response = _post(
        client_for(users["volunteer"]), face, action="identify", officer=officer.pk, use_for_recognition="on"
    )
    assert response.status_code == 302
    face.refresh_from_db()
    assert face.officer_id == officer.pk and face.use_for_recognition
    return face


def test_a_later_upload_of_the_officer_is_suggested_and_confirming_it_feeds_the_gallery(
    users, upload, allowed_department, officer, gallery_of_obama
):
    face = _only_face(upload("obama_2.jpg", allowed_department))
    suggestion = MatchSuggestion.objects.get(face=face, status=MatchSuggestion.Status.PENDING)
    assert suggestion.officer_id == officer.pk

    client = client_for(users["volunteer"])
    page = client.get(reverse("review_identify", args=[face.pk])).content.decode()
    assert officer.full_name in page and "not an identification" in page

    response = _post(client, face, action="confirm", suggestion=suggestion.pk, use_for_recognition="on")
    assert response.status_code == 302
    face.refresh_from_db()
    suggestion.refresh_from_db()
    assert face.officer_id == officer.pk and face.use_for_recognition and face.embedding is not None
    assert suggestion.status == MatchSuggestion.Status.CONFIRMED
    decision = Decision.objects.get(kind=Decision.Kind.CONFIRM, face=face)
    assert decision.actor == users["volunteer"] and decision.suggestion_id == suggestion.pk
    # The confirmed face is now part of the gallery: a search from it finds the officer.
    matches = search_gallery(face.embedding, exclude_image_id=gallery_of_obama.image_id)
    assert [m.officer_id for m in matches] == [officer.pk]
    # …and a third photo of him is suggested from the gallery.
    third = _only_face(upload("obama_lowres_240p.jpg", allowed_department))
    assert MatchSuggestion.objects.filter(face=third, officer=officer, status="pending").exists()


def test_a_rejected_officer_is_never_suggested_again_for_that_face(
    users, upload, allowed_department, officer, gallery_of_obama
):
    from faces.services.processing import face_process

    face = _only_face(upload("obama_2.jpg", allowed_department))
    suggestion = MatchSuggestion.objects.get(face=face, officer=officer)
    client = client_for(users["volunteer"])
    response = _post(client, face, action="reject", suggestion=suggestion.pk)
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == MatchSuggestion.Status.REJECTED
    assert Decision.objects.filter(kind=Decision.Kind.REJECT, suggestion=suggestion).exists()

    face_process(face.pk)  # the face searched again, e.g. after a backfill
    assert not MatchSuggestion.objects.filter(face=face, status=MatchSuggestion.Status.PENDING).exists()
    page = client.get(reverse("review_identify", args=[face.pk])).content.decode()
    assert officer.full_name not in page
    face.refresh_from_db()
    assert face.officer_id is None  # still waiting for an identity


def test_it_shows_no_suggestion_for_a_department_without_recognition(users, upload, disallowed_department):
    face = _only_face(upload("obama_2.jpg", disallowed_department))
    assert face.embedding is None
    page = client_for(users["volunteer"]).get(reverse("review_identify", args=[face.pk])).content.decode()
    assert "Facial recognition is not used for this jurisdiction" in page


def test_suggestions_disappear_and_cannot_be_confirmed_once_the_department_forbids_recognition(
    users, upload, allowed_department, officer, gallery_of_obama
):
    face = _only_face(upload("obama_2.jpg", allowed_department))
    suggestion = MatchSuggestion.objects.get(face=face, officer=officer, status="pending")
    # The flag goes off behind the purge's back (as if a stale row survived): the page must still ask.
    Department.objects.filter(pk=allowed_department.pk).update(facial_recognition_allowed=False)
    client = client_for(users["volunteer"])
    page = client.get(reverse("review_identify", args=[face.pk])).content.decode()
    assert officer.full_name not in page
    _post(client, face, action="confirm", suggestion=suggestion.pk, use_for_recognition="on")
    face.refresh_from_db()
    suggestion.refresh_from_db()
    # Refused: the face stays unknown (the suggestion is pending, or withdrawn by the database's gate).
    assert face.officer_id is None and suggestion.status != MatchSuggestion.Status.CONFIRMED


def test_a_suggestion_naming_an_officer_of_a_disallowed_department_is_never_shown(users, scene, disallowed_department):
    outsider = Officer.objects.create(
        department=disallowed_department, first_name="Casey", last_name="Outland", badge_number="77"
    )
    stale = MatchSuggestion.objects.create(face=scene["face"], officer=outsider, distance=0.3, rank=1)
    client = client_for(users["volunteer"])
    page = client.get(reverse("review_identify", args=[scene["face"].pk])).content.decode()
    assert "Outland" not in page
    _post(client, scene["face"], action="confirm", suggestion=stale.pk)
    scene["face"].refresh_from_db()
    assert scene["face"].officer_id is None


def test_not_an_officer_marks_the_face_a_civilian(users, scene):
    response = _post(client_for(users["volunteer"]), scene["face"], action="civilian")
    assert response.status_code == 302
    face = Face.objects.get(pk=scene["face"].pk)
    assert face.is_civilian and face.officer_id is None and not face.use_for_recognition
    assert Decision.objects.filter(kind=Decision.Kind.CIVILIAN, face=face, actor=users["volunteer"]).exists()


def test_it_refuses_to_identify_a_face_as_an_officer_of_another_department(users, scene, other_department):
    stranger = Officer.objects.create(department=other_department, first_name="Pat", last_name="Else", badge_number="5")
    response = _post(client_for(users["volunteer"]), scene["face"], action="identify", officer=stranger.pk)
    assert response.status_code == 400
    assert Face.objects.get(pk=scene["face"].pk).officer_id is None


def test_a_stale_page_cannot_overwrite_someone_elses_identification(users, scene, officer):
    _post(client_for(users["volunteer"]), scene["face"], action="civilian")
    _post(client_for(users["admin"]), scene["face"], action="identify", officer=officer.pk)
    face = Face.objects.get(pk=scene["face"].pk)
    assert face.is_civilian and face.officer_id is None


def test_use_for_recognition_is_offered_ticked_for_clear_faces_only(users, scene):
    from review.selectors import default_gallery_use

    Face.objects.filter(pk=scene["face"].pk).update(w=30, h=30)
    assert not default_gallery_use(Face.objects.get(pk=scene["face"].pk))  # too small to compare reliably
    Face.objects.filter(pk=scene["face"].pk).update(w=200, h=200, detector_score=-1.5)
    assert not default_gallery_use(Face.objects.get(pk=scene["face"].pk))  # the detector doubts it
    Face.objects.filter(pk=scene["face"].pk).update(detector_score=1.2)
    assert default_gallery_use(Face.objects.get(pk=scene["face"].pk))
    page = client_for(users["volunteer"]).get(reverse("review_identify", args=[scene["face"].pk])).content.decode()
    assert 'id="use-for-recognition" data-key="u" checked' in page
