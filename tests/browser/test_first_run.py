"""In a real browser, against the site started the way `make run` starts it (the real_site fixture).

The older browser tests use pytest-django's live_server: it runs in this process (so they
can change settings, run Celery eagerly and use in-process workers), but it serves static
files its own way. These tests see what a newcomer sees after `make run` and `make admin`.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from departments.models import Department
from tests.conftest import FACES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "Harbour-lantern-42-quiet"


def console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_the_upload_page_has_its_stylesheet_and_per_file_progress(page, real_site, screenshot):
    department = Department.objects.create(name="Springfield Police Department", slug="springfield", state="OR")
    errors = console_errors(page)
    page.goto(f"{real_site.url}/submit/")
    # site.css is applied: main is capped at 72rem, buttons get the accent colour.
    assert page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth") == "1152px"
    assert page.evaluate("getComputedStyle(document.querySelector('#upload-button')).backgroundColor") not in (
        "rgba(0, 0, 0, 0)",
        "rgb(239, 239, 239)",  # Chromium's unstyled button
    )
    # upload.js ran: it reveals the department search and uploads file by file.
    expect(page.locator("#department-filter")).to_be_visible()
    page.fill("#department-filter", "Springfield")
    page.select_option("#id_department", str(department.pk))
    page.set_input_files("#id_photos", str(FACES / "obama_lowres_240p.jpg"))
    page.click("#upload-button")
    expect(page.locator(".upload-item.ok a")).to_have_text("View the photo", timeout=60_000)
    assert page.locator(".upload-item progress").count() == 1
    expect(page.locator("#upload-summary")).to_contain_text("1 of 1 uploaded.")
    assert errors == [], errors
    screenshot("first-run/upload-done-1280", 1280)


def test_the_photo_page_follows_the_worker_until_done_and_shows_the_face_box(page, real_site, screenshot):
    department = Department.objects.create(name="Springfield Police Department", slug="springfield", state="OR")
    errors = console_errors(page)
    page.goto(f"{real_site.url}/submit/?department={department.slug}")
    page.set_input_files("#id_photos", str(FACES / "obama_2.jpg"))
    page.click("#upload-button")
    page.locator(".upload-item.ok a").click(timeout=60_000)
    page.wait_for_selector("#photo-img")
    page.evaluate("window.__sameDocument = true")
    # photo-page.js polls status.json while the worker `make run` starts processes the photo.
    expect(page.locator("#status-label")).to_have_text("Done", timeout=90_000)
    assert page.evaluate("window.__sameDocument") is True  # updated in place, no reload
    expect(page.locator("#box-layer .box")).to_have_count(1, timeout=20_000)
    assert errors == [], errors
    screenshot("first-run/photo-done-1280", 1280)


def test_make_admin_gives_an_account_that_signs_in_through_the_form_and_reaches_jurisdictions(
    page, real_site, monkeypatch, settings, screenshot
):
    # The server checks the password with the project's hashers, not the tests' fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    for name, value in (("USERNAME", "chief"), ("EMAIL", "chief@example.org"), ("PASSWORD", PASSWORD)):
        monkeypatch.setenv(f"ADMIN_{name}", value)
    call_command("admin_create")
    page.goto(f"{real_site.url}/accounts/login/")
    page.fill("input[name=login]", "chief@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{real_site.url}/review/")
    page.goto(f"{real_site.url}/review/jurisdictions/")
    expect(page.locator("h1")).to_be_visible()
    assert page.url.endswith("/review/jurisdictions/")
    assert "Log out" in page.inner_text("header")
    screenshot("first-run/jurisdictions-1280", 1280)


def test_the_404_page_is_styled(page, real_site):
    response = page.goto(f"{real_site.url}/no-such-page/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Page not found")
    assert page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth") == "1152px"
