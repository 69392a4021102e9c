"""Rate limits (429 + Retry-After) and the token endpoint, guarded by django-axes."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from faces import throttles
from tests.api.conftest import API, error_body_ok, upload_file


def _assert_throttled(response) -> None:
    assert response.status_code == 429 and error_body_ok(response)
    assert int(response["Retry-After"]) > 0


def test_anonymous_uploads_are_throttled(clients, allowed_department, monkeypatch):
    monkeypatch.setattr(throttles.AnonUploadThrottle, "rate", "2/hour", raising=False)
    names = ["obama_1.jpg", "obama_2.jpg", "biden_1.jpg"]
    statuses = [
        clients["anonymous"].post(
            f"{API}images/", {"file": upload_file(n), "department": allowed_department.pk}, format="multipart"
        )
        for n in names
    ]
    assert [r.status_code for r in statuses[:2]] == [201, 201]
    _assert_throttled(statuses[2])
    # A signed-in uploader has a separate allowance.
    signed_in = clients["volunteer"].post(
        f"{API}images/", {"file": upload_file("biden_2.jpg"), "department": allowed_department.pk}, format="multipart"
    )
    assert signed_in.status_code == 201


def test_signed_in_uploads_are_throttled_too(clients, allowed_department, monkeypatch):
    monkeypatch.setattr(throttles.UserUploadThrottle, "rate", "1/hour", raising=False)
    ok = clients["member"].post(
        f"{API}images/", {"file": upload_file("obama_1.jpg"), "department": allowed_department.pk}, format="multipart"
    )
    assert ok.status_code == 201
    _assert_throttled(
        clients["member"].post(
            f"{API}images/",
            {"file": upload_file("obama_2.jpg"), "department": allowed_department.pk},
            format="multipart",
        )
    )


def test_anonymous_reads_are_throttled_but_not_signed_in_ones(clients, allowed_department, monkeypatch):
    monkeypatch.setattr(throttles.AnonReadThrottle, "rate", "2/hour", raising=False)
    for _ in range(2):
        assert clients["anonymous"].get(f"{API}departments/").status_code == 200
    _assert_throttled(clients["anonymous"].get(f"{API}departments/{allowed_department.pk}/"))
    for _ in range(3):
        assert clients["member"].get(f"{API}departments/").status_code == 200


@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_drawing_faces_is_under_the_strict_recognition_limit_for_everyone(clients, image, monkeypatch, role):
    monkeypatch.setattr(throttles.RecognitionThrottle, "rate", "1/hour", raising=False)
    box = {"box": {"x": 100, "y": 100, "w": 80, "h": 80}}
    assert clients[role].post(f"{API}images/{image.pk}/faces/", box, format="json").status_code == 201
    _assert_throttled(clients[role].post(f"{API}images/{image.pk}/faces/", box, format="json"))


def test_writing_vectors_is_under_the_recognition_limit(clients, face, monkeypatch):
    from tests.api.conftest import VECTOR

    monkeypatch.setattr(throttles.RecognitionThrottle, "rate", "1/hour", raising=False)
    assert (
        clients["admin"].post(f"{API}faces/{face.pk}/embedding/", {"embedding": VECTOR}, format="json").status_code
        == 200
    )
    _assert_throttled(clients["admin"].post(f"{API}faces/{face.pk}/embedding/", {"embedding": VECTOR}, format="json"))


def test_a_token_is_issued_for_the_right_password_and_works(users):
    client = APIClient()
    response = client.post(
        f"{API}auth/token/", {"username": "volunteer", "password": "pass-for-tests-1"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=users["volunteer"]).key == token
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.post(f"{API}images/999999/sort/", {"contains_officers": True}, format="json").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"username": "volunteer", "password": "wrong"},
        {"username": "volunteer"},
        {"username": "nobody", "password": "x"},
        {"username": "disabled", "password": "pass-for-tests-1"},
    ],
)
def test_no_token_without_valid_credentials(users, body):
    response = APIClient().post(f"{API}auth/token/", body, format="json")
    assert response.status_code == 400 and error_body_ok(response)
    assert "token" not in response.json()


def test_a_bad_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get(f"{API}departments/")
    assert response.status_code == 401 and error_body_ok(response)


def test_wrong_passwords_through_the_api_are_counted_and_lock_the_account(users, settings):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(f"{API}auth/token/", {"username": "volunteer", "password": "guess"}, format="json")
        assert response.status_code in (400, 429)
    attempt = AccessAttempt.objects.get(username="volunteer")
    assert attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT
    # Locked: even the right password gets no token, and the client is told when to retry.
    response = client.post(
        f"{API}auth/token/", {"username": "volunteer", "password": "pass-for-tests-1"}, format="json"
    )
    assert response.status_code == 429 and error_body_ok(response)
    assert int(response["Retry-After"]) > 0
    assert not Token.objects.filter(user=users["volunteer"]).exists()
