"""Playwright driving Debian's Chromium (Playwright's own browser download is not available).

Screenshots go to test-artifacts/ (kept by CI as artifacts). The tests are skipped with a
visible reason only where /usr/bin/chromium is missing; `make test` installs it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# The live server runs in a thread of this process; Django refuses sync DB calls from
# Playwright's event loop unless told this is a test.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def chromium():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM} (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-quic",
                "--no-first-run",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    """screenshot(name, width=None): save a full-page PNG under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str, width: int | None = None) -> Path:
        if width is not None:
            page.set_viewport_size({"width": width, "height": 900})
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(scope="session")
def real_site(django_db_setup, tmp_path_factory):
    """The site as `make run` serves it: `manage.py runserver --noreload` (DEBUG off, static
    files through WhiteNoise exactly as a newcomer gets them) and the Celery worker with
    beat on the filesystem broker (tests/first_run/server.py), both on this process's test
    database and a scratch var/. Tests that use it need `transactional_db` so the server
    sees their rows. pytest-django's live_server serves static files its own way, which
    once hid a site without CSS and JavaScript."""
    from tests.first_run.server import running_site, running_worker

    var_dir = tmp_path_factory.mktemp("real-site") / "var"
    with running_worker(var_dir), running_site(var_dir) as site:
        yield site


@pytest.fixture
def login(page, live_server):
    """login(user): log the browser in through a session cookie (no form, no lockout)."""
    from django.conf import settings
    from django.test import Client

    def do(user) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
        )

    return do
