"""POST /api/v1/reports/: the same service and allowance as the form, documented in the schema."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accountability.models import ProblemReport
from tests.conftest import client_for

URL = reverse("api_report_create")
ROLES = ["anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_anyone_files_a_report_and_gets_its_private_link(role, users, scene):
    client = client_for(users[role])
    response = client.post(URL, {"face": scene.unknown.pk, "kind": "not_an_officer"}, content_type="application/json")
    assert response.status_code == 201, response.content
    report = ProblemReport.objects.get()
    body = response.json()
    assert body == {
        "kind": "not_an_officer",
        "status": "open",
        "status_url": f"http://testserver/reports/{report.token}/",
    }
    assert client.get(body["status_url"]).status_code == 200


def test_a_token_holder_reports_without_csrf(users, scene):
    token = Token.objects.create(user=users["member"])
    response = client_for(None).post(
        URL,
        {"image": scene.photo.pk, "kind": "other"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "bogus", "image": "IMAGE"}, "kind"),
        ({"image": "IMAGE"}, "kind"),
        ({"kind": "other", "image": "IMAGE", "message": "x" * 2001}, "message"),
        ({"kind": "other", "image": "IMAGE", "message": "a\x00b"}, "message"),
        ({"kind": "other", "image": "IMAGE", "contact_email": "nope"}, "contact_email"),
        ({"kind": "other", "face": 999_999_999}, "face"),
        ({"kind": "other", "officer": 0}, "officer"),
        ({"kind": "other", "image": "9" * 30}, "image"),
        ({"kind": "other", "image": 1.5}, "image"),
        ({"kind": "other", "image": [1]}, "image"),
        ({"kind": "other"}, None),
        ({"kind": "other", "image": "IMAGE", "face": "OTHER_FACE"}, "face"),
    ],
)
def test_hostile_or_invalid_bodies_are_refused_with_400_and_nothing_stored(client, scene, body, field):
    ids = {"IMAGE": scene.photo.pk, "OTHER_FACE": scene.other_face.pk}
    body = {key: ids.get(value, value) if isinstance(value, str) else value for key, value in body.items()}
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 400, response.content
    payload = response.json()
    assert payload["detail"]
    if field:
        assert field in payload["errors"]
    assert ProblemReport.objects.count() == 0


def test_reading_the_endpoint_is_not_allowed(client, scene):
    assert client.get(URL).status_code == 405


def test_the_schema_documents_the_endpoint(client):
    schema = client.get(reverse("api:schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/reports/"]["post"]
    assert {"201", "400", "429"} <= set(operation["responses"])
    assert "status_url" in str(schema["components"]["schemas"])


def test_a_video_is_reported_through_the_api_alone(client, scene, allowed_department):
    from tests.videos import sequences as video_rows

    video = video_rows.video(allowed_department)
    body = {"kind": "other", "video": video.pk, "face": scene.unknown.pk}
    mixed = client.post(URL, body, content_type="application/json")
    assert mixed.status_code == 400 and "video" in mixed.json()["errors"]
    unknown = client.post(URL, {"kind": "other", "video": video.pk + 1000}, content_type="application/json")
    assert unknown.status_code == 400 and "video" in unknown.json()["errors"]
    assert ProblemReport.objects.count() == 0
    response = client.post(URL, {"kind": "shows_me", "video": video.pk}, content_type="application/json")
    assert response.status_code == 201, response.content
    report = ProblemReport.objects.get()
    assert (report.video, report.department_id) == (video, allowed_department.pk)
