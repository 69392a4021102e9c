"""Contract: the OpenAPI schema is valid and no generated request makes the server fail.

schemathesis generates requests from our own schema (positive and negative data) and
sends them through the WSGI app, as anonymous and as an administrator with a token; the
only check is that nothing answers 5xx. Path ids are steered onto real rows so the
generated bodies reach the services, not just the 404 branch.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

from faces.models import MatchSuggestion
from tests import factories
from tests.videos import sequences as video_sequences

SCHEMA_URL = "/api/v1/schema/"


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    for path in [
        "auth/token/",
        "departments/{id}/recognition/",
        "officers/",
        "images/",
        "images/{id}/faces/",
        "images/{id}/sort/",
        "faces/{id}/identify/",
        "faces/{id}/embedding/",
        "suggestions/{id}/confirm/",
        "suggestions/{id}/reject/",
        "gallery/",
        "videos/",
        "videos/{id}/",
        "sequences/{id}/identify/",
        "sequences/{id}/split/",
    ]:
        assert f"/api/v1/{path}:" in text, path


def test_the_docs_page_loads_swagger_ui_from_our_own_static_files(client):
    page = client.get("/api/v1/docs/").content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "cdn" not in page.lower() and "<script>" not in page  # CSP: no inline script
    script = client.get("/api/v1/docs/?script=")
    assert script.status_code == 200 and "/api/v1/schema/" in script.content.decode()


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/schema/"])
@pytest.mark.parametrize("format_", ["api", "json", "xml"])
def test_the_docs_and_schema_refuse_writes_with_a_session_and_a_format(users, method, path, format_):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["volunteer"])
    response = getattr(client, method)(f"{path}?format={format_}")
    assert response.status_code == 405


def _load_schema():
    # Generating the schema reads no rows, so it can be loaded while tests are collected.
    from oversight.wsgi import application

    return schemathesis.openapi.from_wsgi(SCHEMA_URL, application)


schema = _load_schema()


@pytest.fixture
def rows(db, allowed_department, disallowed_department, officer):
    """A photo with a face and a pending suggestion in each kind of department, and a video's sequence.

    schemathesis calls the WSGI app directly, so (like Django's test client) stop the
    request signals from closing the connection that holds the test's transaction.
    """
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    image = factories.image(allowed_department, "obama_1.jpg")
    face = factories.face(image)
    MatchSuggestion.objects.create(face=face, officer=officer, distance=0.4, rank=1)
    factories.face(factories.image(disallowed_department, "biden_1.jpg"))
    video_sequences.sequence(allowed_department)  # a processed video with a sequence of two stills
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _steer_ids(case) -> None:
    """Point generated path ids at real rows (1 in 4 stays random, for the 404 branch)."""
    from departments.models import Department, Officer
    from faces.models import Face, Image
    from videos.models import FaceSequence, Video

    if not case.path_parameters or "id" not in case.path_parameters:
        return
    raw = case.path_parameters["id"]
    if not isinstance(raw, int) or raw % 4 == 3:
        return
    model = {
        "departments": Department,
        "officers": Officer,
        "images": Image,
        "faces": Face,
        "suggestions": MatchSuggestion,
        "sequences": FaceSequence,
        "videos": Video,
    }[case.path.split("/")[3]]
    ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
    if ids:
        case.path_parameters["id"] = ids[raw % len(ids)]


SETTINGS = hypothesis_settings(
    # Bounded so the suite stays quick; raise API_FUZZ_EXAMPLES for a longer hunt.
    max_examples=int(os.environ.get("API_FUZZ_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@schema.parametrize()
@SETTINGS
def test_no_generated_request_makes_the_server_fail_anonymously(case, rows):
    _steer_ids(case)
    case.call_and_validate(checks=[not_a_server_error])


@schema.parametrize()
@SETTINGS
def test_no_generated_request_makes_the_server_fail_for_an_administrator(case, rows, users):
    token, _ = Token.objects.get_or_create(user=users["admin"])
    _steer_ids(case)
    case.call_and_validate(headers={"Authorization": f"Token {token.key}"}, checks=[not_a_server_error])
