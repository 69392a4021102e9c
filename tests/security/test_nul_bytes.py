"""A NUL byte is a 400 wherever it is sent (issue 12, finding 8: `/submit/?department=%00` was a 500).

PostgreSQL refuses NUL in text, so every lookup on a value carrying one raised. The
oversight.middleware_nul middleware refuses it once for every route; the route inventory
(test_every_route.py) probes each route with it, these pin the answers' shape.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.conftest import error_body_ok

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/submit/?department=%00",
        "/submit/?department=springfield%00",
        "/officers/?name=%00&department=x",
        "/officers/?na%00me=1",
        "/images/%00/",
        "/departments/spring%00field/",
        "/static/css/site%00.css",
    ],
)
def test_a_nul_byte_in_a_page_request_is_a_400_not_a_500(url, allowed_department):
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("url", ["/api/v1/officers/?q=%00", "/api/v1/departments/?state=%00", "/api/v1/%00/"])
def test_a_nul_byte_in_an_api_request_is_a_400_with_the_apis_error_body(url, db):
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == 400 and error_body_ok(response)
    assert "NUL" in response.json()["detail"]


def test_a_nul_byte_in_a_posted_form_field_is_a_400(allowed_department):
    response = Client(raise_request_exception=False).post("/submit/", {"department": f"{allowed_department.pk}\x00"})
    assert response.status_code == 400


def test_a_nul_byte_in_a_json_api_body_is_refused_by_the_fields_that_read_it(db):
    response = Client(raise_request_exception=False).post(
        "/api/v1/auth/token/", {"username": "a\x00b", "password": "x"}, content_type="application/json"
    )
    assert response.status_code == 400 and error_body_ok(response)


def test_a_nul_byte_in_the_session_cookie_is_a_400(db):
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "abcdefghijkl\x00mnop"
    assert client.get("/").status_code == 400


def test_a_nul_byte_in_an_api_token_is_a_400(db):
    response = Client(raise_request_exception=False).get("/api/v1/departments/", HTTP_AUTHORIZATION="Token abc\x00def")
    assert response.status_code == 400 and error_body_ok(response)


@pytest.mark.parametrize(
    ("header", "value"), [("HTTP_USER_AGENT", "a\x00b"), ("HTTP_REFERER", "http://testserver\x00/")]
)
def test_a_nul_byte_in_any_header_is_a_400_before_a_failed_login_stores_it(db, header, value):
    """axes stores the User-Agent of every failed login: a NUL in it was a 500."""
    response = Client(raise_request_exception=False).post(
        "/api/v1/auth/token/", {"username": "x", "password": "y"}, **{header: value}
    )
    assert response.status_code == 400 and "Location" not in response


def test_ordinary_requests_pass(allowed_department):
    client = Client()
    assert client.get("/submit/?department=springfield").status_code == 200
    assert client.get("/officers/?name=Avery").status_code == 200
