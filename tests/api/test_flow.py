"""A whole journey with a real token, the real pipeline and eager tasks:
upload → poll → identify → a second photo of the same person is suggested that officer.
"""

from __future__ import annotations

from rest_framework.test import APIClient

from faces.models import Face
from tests.api.conftest import API, upload_file


def _token(username: str) -> str:
    response = APIClient().post(
        f"{API}auth/token/", {"username": username, "password": "pass-for-tests-1"}, format="json"
    )
    assert response.status_code == 200
    return response.json()["token"]


def _upload(client, name, department, capture):
    with capture(execute=True):  # the upload queues processing on commit; Celery runs eagerly
        response = client.post(
            f"{API}images/", {"file": upload_file(name), "department": department.pk}, format="multipart"
        )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def _poll_until_done(client, image_id: int) -> dict:
    for _ in range(10):
        body = client.get(f"{API}images/{image_id}/").json()
        if body["status"] in ("done", "failed"):
            return body
    raise AssertionError(f"image {image_id} still {body['status']}")


def test_a_second_photo_of_an_identified_officer_gets_that_officer_suggested(
    users, allowed_department, officer, django_capture_on_commit_callbacks
):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {_token('volunteer')}")

    first_id = _upload(client, "obama_1.jpg", allowed_department, django_capture_on_commit_callbacks)
    first = _poll_until_done(client, first_id)
    assert first["status"] == "done", first["error"]
    [face] = first["faces"]
    assert face["embedded"] is True and face["suggestions"] == []  # the gallery was empty

    response = client.post(
        f"{API}faces/{face['id']}/identify/",
        {"officer": officer.pk, "civilian": False, "use_for_recognition": True},
        format="json",
    )
    assert response.status_code == 200 and response.json()["officer"]["id"] == officer.pk
    assert Face.objects.get(pk=face["id"]).embedding is not None  # it now feeds the gallery

    second_id = _upload(client, "obama_2.jpg", allowed_department, django_capture_on_commit_callbacks)
    second = _poll_until_done(client, second_id)
    assert second["status"] == "done", second["error"]
    [probe] = second["faces"]
    top = probe["suggestions"][0]
    assert top["officer"] == {
        "id": officer.pk,
        "name": "Jordan Avery",
        "badge_number": "1001",
        "department": allowed_department.pk,
    }
    assert top["distance"] < 0.6 and top["confidence"].endswith("resemblance")

    # The volunteer confirms it; the suggestion becomes an identification.
    confirmed = client.post(f"{API}suggestions/{top['id']}/confirm/", {}, format="json")
    assert confirmed.status_code == 200 and confirmed.json()["officer"]["id"] == officer.pk


def test_in_a_disallowed_department_the_same_flow_computes_nothing(
    users, disallowed_department, django_capture_on_commit_callbacks
):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {_token('volunteer')}")
    image_id = _upload(client, "obama_1.jpg", disallowed_department, django_capture_on_commit_callbacks)
    body = _poll_until_done(client, image_id)
    assert body["status"] == "done"
    assert body["faces"] and all(f["embedded"] is False and f["suggestions"] == [] for f in body["faces"])
    assert not Face.objects.filter(embedding__isnull=False).exists()
