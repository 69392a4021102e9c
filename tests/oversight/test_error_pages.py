"""Styled error pages with DEBUG off: 403, 404, 500, and the 503 of a database outage.

Each extends base.html (the site's stylesheet), says what happened and offers a way back;
/api/ keeps JSON. The 500 and 503 pages render without touching the database.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client
from django.urls import reverse

from departments.models import Department
from tests.oversight import error_urls

pytestmark = pytest.mark.django_db
STYLESHEET = '<link rel="stylesheet" href="/static/css/site.css">'
HOME_LINK = 'href="/"'


def refuse(*args, **kwargs):
    raise OperationalError("connection to server on socket failed: No such file or directory")


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


@pytest.fixture
def failing_urls(settings):
    settings.ROOT_URLCONF = "tests.oversight.error_urls"
    yield
    error_urls.before_raising = None


def assert_styled_page(response, status: int, *phrases: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert STYLESHEET in html and HOME_LINK in html and 'class="site-header"' in html
    for phrase in phrases:
        assert phrase in html, phrase
    return html


def test_an_unknown_url_gets_the_styled_404_page():
    html = assert_styled_page(Client().get("/no-such-page/"), 404, "Page not found", "/no-such-page/")
    assert "Find an officer" in html


def test_the_404_page_escapes_a_hostile_path():
    html = Client().get("/<script>alert(1)</script>/").content.decode()
    assert "<script>alert(1)" not in html


def test_a_missing_photo_is_a_styled_404_too():
    assert_styled_page(Client().get("/images/987654/"), 404, "Page not found")


def test_a_forbidden_page_gets_the_styled_403_page_with_who_is_signed_in():
    department = Department.objects.create(name="Springfield Police Department", slug="springfield", state="OR")
    clerk = get_user_model().objects.create_user("clerk", "clerk@example.org", "pass-for-tests-1", is_staff=True)
    client = Client()
    client.force_login(clerk)
    response = client.get(reverse("admin:departments_department_recognition", args=[department.pk]))
    html = assert_styled_page(response, 403, "not allowed", "signed in as <strong>clerk</strong>")
    assert "Sign in</a>" not in html


def test_an_anonymous_403_offers_to_sign_in_and_come_back(failing_urls):
    html = assert_styled_page(
        Client().get("/test-errors/forbidden/"), 403, "Only coordinators may open this page.", "Sign in</a>"
    )
    assert 'href="/accounts/login/?next=/test-errors/forbidden/"' in html


def test_a_view_that_raises_gets_the_styled_500_page_without_internals(failing_urls):
    response = Client(raise_request_exception=False).get("/test-errors/boom/")
    html = assert_styled_page(response, 500, "Something went wrong on our side")
    assert "internals" not in html and "RuntimeError" not in html


def test_the_500_page_renders_even_when_the_database_refuses_every_query(failing_urls, monkeypatch):
    """A signed-in person: a page rendered with the request would look up the session and fail."""
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.create_user("someone", "someone@example.org", "pass-for-tests-1"))
    with monkeypatch.context() as down:  # undone before the test database is rolled back

        def take_the_database_down() -> None:
            down.setattr(CursorWrapper, "execute", refuse)
            down.setattr(CursorWrapper, "executemany", refuse)

        error_urls.before_raising = take_the_database_down
        response = client.get("/test-errors/boom/")
    assert_styled_page(response, 500, "Something went wrong on our side")


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_a_database_outage_gets_the_styled_503_page_with_retry_after(monkeypatch, signed_in):
    client = Client(raise_request_exception=False)
    if signed_in:
        client.force_login(get_user_model().objects.create_user("someone", "someone@example.org", "pass-for-tests-1"))
    with monkeypatch.context() as down:
        down.setattr(CursorWrapper, "execute", refuse)
        down.setattr(CursorWrapper, "executemany", refuse)
        response = client.get("/")
    html = assert_styled_page(response, 503, "Temporarily unavailable", "Please try again in a minute.")
    assert response["Retry-After"] == "30"
    assert "socket" not in html and "OperationalError" not in html


@pytest.mark.parametrize(
    "path,status,code",
    [("/api/v1/no-such-endpoint/", 404, "not_found"), ("/api/v1/test-errors/boom/", 500, "server_error")],
)
def test_api_paths_keep_answering_json(failing_urls, path, status, code):
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == status and response["Content-Type"] == "application/json"
    assert response.json()["code"] == code and "internals" not in response.content.decode()


def test_a_csrf_failure_gets_a_styled_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "someone", "password": "x"})
    assert_styled_page(response, 403, "This form has expired")


@pytest.mark.parametrize("path", ["/submit/?department=%00", "/officers/?q=%00", "/images/1/?x=%00"])
def test_a_malformed_request_gets_the_styled_400_page(path):
    html = assert_styled_page(Client().get(path), 400, "Error 400", "Nothing was changed")
    assert "\x00" not in html


def test_a_malformed_request_with_a_nul_in_the_session_cookie_is_a_400_not_a_500():
    client = Client()
    client.cookies["sessionid"] = "abc\x00def"
    assert_styled_page(client.get("/officers/"), 400, "Error 400")


def test_the_api_keeps_its_json_400():
    response = Client().get("/api/v1/officers/?q=%00")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_a_get_on_a_form_only_address_gets_the_styled_405_page_with_its_allow_header(users):
    client = Client()
    client.force_login(users["admin"])
    response = client.get(reverse("review_member_approve", args=[1]))
    assert_styled_page(response, 405, "Error 405", "Nothing was changed")
    assert "POST" in response["Allow"]


def test_the_api_405_stays_json(users):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(users["volunteer"])
    response = client.get("/api/v1/faces/1/identify/")
    assert response.status_code == 405 and response["Content-Type"].startswith("application/json")
