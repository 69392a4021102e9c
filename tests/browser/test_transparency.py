"""The transparency pages and the officer's photo timeline in a real browser, at desktop and phone widths.

Screenshots go to /tmp/shots/ (and test-artifacts/ through the shared fixture).
"""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accountability.services import report_close, report_create
from faces.models import Face, Image, RecognitionEvent
from faces.services.gate_audit import gate_audit_run
from faces.services.recognition import department_set_recognition
from faces.services.review import face_identify
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots")


def months_ago(count: int) -> datetime.datetime:
    now = timezone.now().replace(day=10)
    year, month = divmod(now.year * 12 + now.month - 1 - count, 12)
    return now.replace(year=year, month=month + 1)


def _activity(department, disallowed, officer, admin) -> None:
    """Real uploads and decisions, then some of them moved back in time so the chart has a shape."""
    images = [factories.image(department, name, processed=True) for name in ("obama_1.jpg", "biden_1.jpg")]
    images.append(factories.image(disallowed, "rose_leslie_1.jpg", processed=True))
    for back, image in zip((5, 2, 1), images, strict=True):
        Image.objects.filter(pk=image.pk).update(processed_at=months_ago(back))
        Face.objects.filter(image=image).update(processed_at=months_ago(back))
        RecognitionEvent.objects.filter(face__image=image).update(created_at=months_ago(back))
    face = images[0].faces.get()
    face_identify(face, officer=officer, actor=admin)
    report = report_create(kind="not_this_officer", face=face, message="Not him")
    report_close(report, status="dismissed", resolution="Checked the badge", actor=admin)
    department_set_recognition(disallowed, allowed=True, actor=admin, reason="County board approved a pilot")
    department_set_recognition(disallowed, allowed=False, actor=admin, reason="Pilot ended after review")
    gate_audit_run()


def _check_and_shoot(page, screenshot, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    for width in (1280, 375):
        path = screenshot(f"{name}-{width}", width)
        shutil.copy(path, SHOTS / path.name)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways at {width}"


def test_the_transparency_pages_read_well_on_desktop_and_phone(
    live_server, page, screenshot, allowed_department, disallowed_department, officer, admin_user
):
    _activity(allowed_department, disallowed_department, officer, admin_user)
    page.goto(f"{live_server.url}/transparency/")
    expect(page.get_by_role("heading", name="Transparency", exact=True)).to_be_visible()
    expect(page.locator("svg.chart")).to_be_visible()
    expect(page.locator("#monthly tbody tr")).to_have_count(24)
    expect(page.locator("#changes")).to_contain_text("Pilot ended after review")
    _check_and_shoot(page, screenshot, "transparency-site")
    page.goto(f"{live_server.url}/departments/{allowed_department.slug}/")
    page.get_by_role("link", name="Transparency report").first.click()
    expect(page.locator("#recognition-status")).to_contain_text("on")
    expect(page.locator("#total-photos_processed")).to_have_text("2")
    _check_and_shoot(page, screenshot, "transparency-department")


def test_the_officer_photo_timeline_reads_well_on_desktop_and_phone(live_server, page, screenshot, officer):
    for name, taken in (("obama_1.jpg", months_ago(30)), ("obama_2.jpg", months_ago(3)), ("biden_1.jpg", None)):
        image = factories.image(officer.department, name, processed=True)
        Image.objects.filter(pk=image.pk).update(taken_at=taken)
        face_identify(image.faces.get(), officer=officer, actor=None)
    page.goto(f"{live_server.url}/officers/{officer.pk}/")
    expect(page.locator("#photo-timeline .timeline > li")).to_have_count(3)
    expect(page.locator("#photo-timeline .timeline > li").last).to_contain_text("Date unknown")
    _check_and_shoot(page, screenshot, "officer-timeline")
