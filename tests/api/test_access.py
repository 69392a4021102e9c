"""Every endpoint × every role, with a real API token (table-driven).

401: no credentials, or a disabled account's token. 403: signed in without the role.
"""

from __future__ import annotations

import pytest

from tests.api.conftest import API, ROLES, VECTOR, upload_file

OPEN = {
    "anonymous": 200,
    "member": 200,
    "volunteer": 200,
    "coordinator": 200,
    "other_coordinator": 200,
    "admin": 200,
    "disabled": 401,
}
VOLUNTEERS = {
    "anonymous": 401,
    "member": 403,
    "volunteer": 200,
    "coordinator": 200,
    "other_coordinator": 200,
    "admin": 200,
    "disabled": 401,
}
ADMINS = {
    "anonymous": 401,
    "member": 403,
    "volunteer": 403,
    "coordinator": 403,
    "other_coordinator": 403,
    "admin": 200,
    "disabled": 401,
}
CREATED_BY_ANYONE = {**dict.fromkeys(ROLES, 201), "disabled": 401}
OFFICER_EDITORS = {
    "anonymous": 401,
    "member": 403,
    "volunteer": 403,
    "coordinator": 201,
    "other_coordinator": 403,
    "admin": 201,
    "disabled": 401,
}


def _officer_body(ctx):
    return {
        "department": ctx["department"].pk,
        "first_name": "Casey",
        "last_name": "Reed",
        "badge_number": "2002",
        "rank": "Sergeant",
        "unit": "Traffic",
    }


# (name, method, path(ctx), body(ctx) or None, format, expected by role)
ENDPOINTS = [
    ("department list", "get", lambda c: "departments/", None, None, OPEN),
    ("department detail", "get", lambda c: f"departments/{c['department'].pk}/", None, None, OPEN),
    (
        "recognition switch",
        "post",
        lambda c: f"departments/{c['department'].pk}/recognition/",
        lambda c: {"allowed": False, "reason": "Council vote"},
        "json",
        ADMINS,
    ),
    ("officer list", "get", lambda c: f"officers/?department={c['department'].pk}&q=avery", None, None, OPEN),
    ("officer create", "post", lambda c: "officers/", _officer_body, "json", OFFICER_EDITORS),
    ("officer detail", "get", lambda c: f"officers/{c['officer'].pk}/", None, None, OPEN),
    (
        "image upload",
        "post",
        lambda c: "images/",
        lambda c: {"file": upload_file("biden_1.jpg"), "department": c["department"].pk},
        "multipart",
        CREATED_BY_ANYONE,
    ),
    ("image detail", "get", lambda c: f"images/{c['image'].pk}/", None, None, OPEN),
    (
        "face box",
        "post",
        lambda c: f"images/{c['image'].pk}/faces/",
        lambda c: {"box": {"x": 100, "y": 100, "w": 80, "h": 80}},
        "json",
        CREATED_BY_ANYONE,
    ),
    (
        "image sort",
        "post",
        lambda c: f"images/{c['image'].pk}/sort/",
        lambda c: {"contains_officers": True},
        "json",
        VOLUNTEERS,
    ),
    (
        "face identify",
        "post",
        lambda c: f"faces/{c['face'].pk}/identify/",
        lambda c: {"officer": c["officer"].pk, "civilian": False, "use_for_recognition": True},
        "json",
        VOLUNTEERS,
    ),
    (
        "suggestion confirm",
        "post",
        lambda c: f"suggestions/{c['suggestion'].pk}/confirm/",
        lambda c: {},
        "json",
        VOLUNTEERS,
    ),
    (
        "suggestion reject",
        "post",
        lambda c: f"suggestions/{c['suggestion'].pk}/reject/",
        lambda c: {},
        "json",
        VOLUNTEERS,
    ),
    ("gallery", "get", lambda c: f"gallery/?department={c['department'].pk}", None, None, ADMINS),
    (
        "face embedding",
        "post",
        lambda c: f"faces/{c['face'].pk}/embedding/",
        lambda c: {"embedding": VECTOR},
        "json",
        ADMINS,
    ),
    ("schema", "get", lambda c: "schema/", None, None, OPEN),
    ("docs", "get", lambda c: "docs/", None, None, OPEN),
]

CASES = [
    pytest.param(name, method, path, body, fmt, role, expected[role], id=f"{name}-{role}")
    for name, method, path, body, fmt, expected in ENDPOINTS
    for role in ROLES
]


@pytest.mark.parametrize("name, method, path, body, fmt, role, expected", CASES)
def test_each_endpoint_answers_each_role_as_designed(
    clients, allowed_department, officer, image, face, suggestion, name, method, path, body, fmt, role, expected
):
    ctx = {"department": allowed_department, "officer": officer, "image": image, "face": face, "suggestion": suggestion}
    client = clients[role]
    kwargs = {}
    if body is not None:
        kwargs = {"data": body(ctx), "format": fmt}
    response = getattr(client, method)(API + path(ctx), **kwargs)
    assert response.status_code == expected, response.content[:500]
    if expected == 401:
        assert response.headers["WWW-Authenticate"] == "Token"
    if expected >= 400 and response["Content-Type"].startswith("application/json"):
        assert set(response.json()) == {"detail", "errors", "code"}


@pytest.mark.parametrize("role, expected", [("volunteer", 200), ("member", 403), ("admin", 200)])
def test_a_browser_session_works_like_a_token(users, image, role, expected):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(users[role])
    # A session without the CSRF token is refused: a third-party page cannot act for a user.
    assert client.post(f"{API}images/{image.pk}/sort/", {"contains_officers": True}, format="json").status_code == 403
    client.get("/api/v1/docs/")  # any page that sets the cookie
    from django.middleware.csrf import _get_new_csrf_string

    csrf = _get_new_csrf_string()
    client.cookies["csrftoken"] = csrf
    response = client.post(
        f"{API}images/{image.pk}/sort/", {"contains_officers": True}, format="json", HTTP_X_CSRFTOKEN=csrf
    )
    assert response.status_code == expected


def test_a_disabled_account_signed_in_by_session_is_treated_as_anonymous(users, image):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(users["disabled"])
    assert client.post(f"{API}images/{image.pk}/sort/", {"contains_officers": True}, format="json").status_code == 401
