"""Departments through the API: lists, filters and the recognition switch."""

from __future__ import annotations

import pytest

from departments.models import RecognitionChange
from faces.models import Face, MatchSuggestion
from tests import factories
from tests.api.conftest import API, VECTOR, error_body_ok, token_client


def test_the_list_is_paginated_and_shows_each_departments_recognition_now(
    clients, allowed_department, disallowed_department, illinois_department
):
    body = clients["anonymous"].get(f"{API}departments/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    rows = {row["slug"]: row for row in body["results"]}
    assert set(rows["springfield"]) == {"id", "name", "slug", "state", "facial_recognition_allowed"}
    assert rows["springfield"]["facial_recognition_allowed"] is True
    assert rows["riverside"]["facial_recognition_allowed"] is False
    assert rows["chicago"]["facial_recognition_allowed"] is False


def test_a_state_rule_shows_recognition_off_even_if_the_flag_was_left_on(clients, illinois_department):
    type(illinois_department).objects.filter(pk=illinois_department.pk).update(facial_recognition_allowed=True)
    body = clients["anonymous"].get(f"{API}departments/{illinois_department.pk}/").json()
    assert body["facial_recognition_allowed"] is False


def test_the_list_filters_by_state(clients, allowed_department, disallowed_department):
    body = clients["anonymous"].get(f"{API}departments/?state=ca").json()
    assert [row["slug"] for row in body["results"]] == ["riverside"]


def test_an_unknown_department_is_a_404_with_the_error_body(clients, db):
    response = clients["anonymous"].get(f"{API}departments/999999/")
    assert response.status_code == 404 and error_body_ok(response)


def test_an_administrator_turns_recognition_off_and_gets_the_purge_counts(clients, allowed_department, officer):
    image = factories.image(allowed_department, "obama_1.jpg")
    face = factories.face(image)
    Face.objects.filter(pk=face.pk).update(embedding=VECTOR)
    MatchSuggestion.objects.create(face=face, officer=officer, distance=0.3, rank=1)
    response = clients["admin"].post(
        f"{API}departments/{allowed_department.pk}/recognition/",
        {"allowed": False, "reason": "Council vote 12-0"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["facial_recognition_allowed"] is False and body["department"]["facial_recognition_allowed"] is False
    assert body["changed"] is True
    assert body["purged_embeddings"] == 1 and body["withdrawn_suggestions"] == 1
    face.refresh_from_db()
    assert face.embedding is None
    audit = RecognitionChange.objects.get(department=allowed_department)
    assert audit.reason == "Council vote 12-0" and audit.actor.username == "administrator"


def test_an_administrator_turns_recognition_on_with_a_reason(
    clients, disallowed_department, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = clients["admin"].post(
            f"{API}departments/{disallowed_department.pk}/recognition/",
            {"allowed": True, "reason": "State law passed"},
            format="json",
        )
    assert response.status_code == 200
    assert response.json()["facial_recognition_allowed"] is True
    assert RecognitionChange.objects.get(department=disallowed_department).backfill_done_at is not None


@pytest.mark.parametrize(
    "body, field",
    [
        ({"allowed": True}, "reason"),
        ({"allowed": True, "reason": ""}, "reason"),
        ({"allowed": True, "reason": "   "}, "reason"),
        ({"reason": "why"}, "allowed"),
        ({"allowed": "perhaps", "reason": "why"}, "allowed"),
        ({"allowed": True, "reason": "x" * 2001}, "reason"),
    ],
)
def test_it_refuses_a_change_without_a_clear_request(clients, disallowed_department, body, field):
    response = clients["admin"].post(f"{API}departments/{disallowed_department.pk}/recognition/", body, format="json")
    assert response.status_code == 400 and error_body_ok(response)
    assert field in response.json()["errors"]
    assert not RecognitionChange.objects.exists()


def test_it_refuses_to_enable_where_the_state_forbids_it_with_the_laws_reason(clients, illinois_department):
    response = clients["admin"].post(
        f"{API}departments/{illinois_department.pk}/recognition/", {"allowed": True, "reason": "Please"}, format="json"
    )
    assert response.status_code == 400 and error_body_ok(response)
    assert "BIPA" in response.json()["detail"] and "IL" in response.json()["detail"]
    assert response.json()["errors"]["allowed"]
    illinois_department.refresh_from_db()
    assert illinois_department.facial_recognition_allowed is False
    assert not RecognitionChange.objects.exists()


def test_it_refuses_malformed_json_with_the_error_body(clients, disallowed_department):
    response = clients["admin"].post(
        f"{API}departments/{disallowed_department.pk}/recognition/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400 and error_body_ok(response)


def test_a_coordinator_cannot_switch_recognition_even_in_their_department(users, allowed_department):
    response = token_client(users["coordinator"]).post(
        f"{API}departments/{allowed_department.pk}/recognition/", {"allowed": False, "reason": "x"}, format="json"
    )
    assert response.status_code == 403
    allowed_department.refresh_from_db()
    assert allowed_department.facial_recognition_allowed is True
