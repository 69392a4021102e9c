"""The 500 handler answers a database outage with a clean 503 (fast check; the real outage
is tests/reliability/test_database_restart.py)."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client


def refuse(*args, **kwargs):
    raise OperationalError("connection to server on socket failed: No such file or directory")


TEXT = "text/plain; charset=utf-8"
HTML = "text/html; charset=utf-8"  # templates/503.html, rendered without the database


@pytest.mark.parametrize(
    "path,content_type", [("/", HTML), ("/healthz", TEXT), ("/api/v1/departments/", "application/json")]
)
def test_a_request_during_a_database_outage_gets_a_503_with_retry_after(db, monkeypatch, path, content_type):
    with monkeypatch.context() as down:  # undone before the test database is rolled back
        down.setattr(CursorWrapper, "execute", refuse)
        down.setattr(CursorWrapper, "executemany", refuse)
        response = Client(raise_request_exception=False).get(path)
    assert response.status_code == 503
    assert response.headers["Content-Type"] == content_type and response.headers["Retry-After"] == "30"
    assert b"temporarily unavailable" in response.content
    assert b"socket" not in response.content  # no internals leak


def test_any_other_error_is_still_a_plain_500(db, monkeypatch):
    from oversight import views

    monkeypatch.setattr(views.selectors, "department_list_with_counts", lambda: 1 / 0)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500
