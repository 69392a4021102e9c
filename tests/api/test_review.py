"""Volunteers' decisions through the API go through faces.services.review (and are recorded)."""

from __future__ import annotations

import pytest

from departments.models import Officer
from faces.models import Decision, Face, MatchSuggestion
from tests import factories
from tests.api.conftest import API, error_body_ok


def test_a_volunteer_identifies_a_face_as_an_officer(clients, face, officer):
    response = clients["volunteer"].post(
        f"{API}faces/{face.pk}/identify/", {"officer": officer.pk, "use_for_recognition": True}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["officer"]["id"] == officer.pk and response.json()["use_for_recognition"] is True
    face.refresh_from_db()
    assert face.officer == officer and face.identified_by.username == "volunteer"
    assert Decision.objects.get(face=face).kind == Decision.Kind.IDENTIFY


def test_a_volunteer_marks_a_civilian(clients, face):
    response = clients["volunteer"].post(
        f"{API}faces/{face.pk}/identify/", {"officer": None, "civilian": True}, format="json"
    )
    assert response.status_code == 200 and response.json()["civilian"] is True
    assert Decision.objects.get(face=face).kind == Decision.Kind.CIVILIAN


@pytest.mark.parametrize(
    "body, field",
    [
        ({"officer": 999999}, "officer"),
        ({"officer": "abc"}, "officer"),
        ({"officer": -1}, "officer"),
        ({"officer": True}, "officer"),
        ({"officer": [1]}, "officer"),
        ({"officer": 1, "civilian": "sometimes"}, "civilian"),
    ],
)
def test_identifying_refuses_bad_input(clients, face, officer, body, field):
    response = clients["volunteer"].post(f"{API}faces/{face.pk}/identify/", body, format="json")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not Decision.objects.exists()


@pytest.mark.parametrize("fraction", [0.5, "0.5", 0.999])
def test_identifying_refuses_an_officer_id_with_a_fraction_instead_of_rounding_it(clients, face, officer, fraction):
    value = officer.pk + fraction if isinstance(fraction, float) else f"{officer.pk}{fraction[1:]}"
    response = clients["volunteer"].post(f"{API}faces/{face.pk}/identify/", {"officer": value}, format="json")
    assert response.status_code == 400 and "officer" in response.json()["errors"]
    face.refresh_from_db()
    assert face.officer_id is None and not Decision.objects.exists()


def test_the_service_refuses_an_officer_of_another_department(clients, face, other_department):
    stranger = Officer.objects.create(department=other_department, first_name="A", last_name="B", badge_number="1")
    response = clients["volunteer"].post(f"{API}faces/{face.pk}/identify/", {"officer": stranger.pk}, format="json")
    assert response.status_code == 400 and error_body_ok(response)
    assert "department" in response.json()["detail"]
    face.refresh_from_db()
    assert face.officer is None and not Decision.objects.exists()


def test_the_service_refuses_an_officer_who_is_also_a_civilian(clients, face, officer):
    response = clients["volunteer"].post(
        f"{API}faces/{face.pk}/identify/", {"officer": officer.pk, "civilian": True}, format="json"
    )
    assert response.status_code == 400 and error_body_ok(response)


def test_confirming_a_suggestion_identifies_the_face(clients, suggestion, face, officer):
    response = clients["coordinator"].post(f"{API}suggestions/{suggestion.pk}/confirm/", {}, format="json")
    assert response.status_code == 200
    face.refresh_from_db()
    suggestion.refresh_from_db()
    assert face.officer == officer and face.use_for_recognition is True
    assert suggestion.status == MatchSuggestion.Status.CONFIRMED
    assert Decision.objects.get(face=face).kind == Decision.Kind.CONFIRM


def test_confirming_can_keep_the_face_out_of_the_gallery(clients, suggestion, face):
    clients["volunteer"].post(
        f"{API}suggestions/{suggestion.pk}/confirm/", {"use_for_recognition": False}, format="json"
    )
    face.refresh_from_db()
    assert face.officer_id is not None and face.use_for_recognition is False


def test_rejecting_a_suggestion_records_it(clients, suggestion):
    response = clients["volunteer"].post(f"{API}suggestions/{suggestion.pk}/reject/", format="json")
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert Decision.objects.get(suggestion=suggestion).kind == Decision.Kind.REJECT


@pytest.mark.parametrize("action", ["confirm", "reject"])
def test_a_settled_suggestion_cannot_be_decided_again(clients, suggestion, action):
    MatchSuggestion.objects.filter(pk=suggestion.pk).update(status=MatchSuggestion.Status.WITHDRAWN)
    response = clients["volunteer"].post(f"{API}suggestions/{suggestion.pk}/{action}/", {}, format="json")
    assert response.status_code == 409 and "withdrawn" in response.json()["detail"]
    assert not Decision.objects.exists()


@pytest.mark.parametrize(
    "path",
    ["faces/999999/identify/", "suggestions/999999/confirm/", "suggestions/999999/reject/", "images/999999/sort/"],
)
def test_missing_targets_are_404_for_volunteers(clients, db, users, path):
    response = clients["volunteer"].post(API + path, {"contains_officers": True}, format="json")
    assert response.status_code == 404 and error_body_ok(response)


def test_identifying_a_face_used_for_recognition_keeps_a_civilian_out_of_the_gallery(clients, image):
    face = factories.face(image)
    Face.objects.filter(pk=face.pk).update(embedding=[0.2] * 128)
    clients["volunteer"].post(
        f"{API}faces/{face.pk}/identify/",
        {"officer": None, "civilian": True, "use_for_recognition": True},
        format="json",
    )
    face.refresh_from_db()
    assert face.use_for_recognition is False
