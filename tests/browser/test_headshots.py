"""A coordinator imports three headshots, one of them not a photo, and reads each file's result."""

from __future__ import annotations

import re

import pytest

from faces.models import HeadshotBatch
from tests import factories
from tests.conftest import photo

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_coordinator_imports_headshots_and_sees_a_result_per_file(
    live_server, page, login, screenshot, users, allowed_department
):
    factories.officer(allowed_department, first_name="Barack", last_name="Obama", employee_id="1001")
    factories.officer(allowed_department, first_name="Joe", last_name="Biden", badge_number="1002")
    factories.officer(allowed_department, first_name="Sam", last_name="Reyes", badge_number="1003")
    login(users["coordinator"])
    page.goto(f"{live_server.url}/review/departments/{allowed_department.slug}/headshots/")
    screenshot("headshots-upload")
    page.set_input_files(
        "#id_photos",
        [
            {"name": "1001.jpg", "mimeType": "image/jpeg", "buffer": photo("obama_1.jpg")},
            {"name": "1002.jpg", "mimeType": "image/jpeg", "buffer": photo("biden_1.jpg")},
            {"name": "1003.jpg", "mimeType": "image/jpeg", "buffer": b"not a photo at all"},
        ],
    )
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(re.compile(r"/review/headshots/\d+/$"))
    page.wait_for_selector('#headshot-batch[data-finished="true"]')
    rows = page.locator(".headshot-item")
    assert rows.count() == 3
    done = page.locator(".headshot-item.status-done")
    assert done.count() == 2
    assert (
        page.locator(".headshot-item.status-done", has_text="1001.jpg")
        .get_by_role("link", name="Barack Obama")
        .is_visible()
    )
    bad = page.locator(".headshot-item.status-bad_image", has_text="1003.jpg")
    assert bad.is_visible() and "not" in bad.inner_text().lower()
    assert page.get_by_text("3 of 3 files done").is_visible()
    screenshot("headshots-result-1280", width=1280)
    screenshot("headshots-result-375", width=375)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways on a phone ({width} px)"
    assert HeadshotBatch.objects.get().finished_at is not None


def test_the_batch_page_backs_off_and_says_so_when_no_worker_takes_the_files(
    live_server, page, login, users, allowed_department
):
    from faces.services.headshot_files import HeadshotFile, HeadshotSource
    from faces.services.headshots import headshot_batch_create

    factories.officer(allowed_department, badge_number="1001")
    source = HeadshotSource("one", [HeadshotFile("1001.jpg", read=lambda: photo("obama_1.jpg"))])
    batch = headshot_batch_create(department=allowed_department, source=source, actor=users["coordinator"])
    login(users["coordinator"])  # the file is never queued: as if the broker were down
    page.clock.install()
    page.goto(f"{live_server.url}/review/headshots/{batch.pk}/")
    root = page.locator("#headshot-batch")
    delays = []
    wait = int(root.get_attribute("data-next-poll"))
    for polls in range(1, 8):
        page.clock.run_for(wait)  # the page's clock only: nothing here waits in real time
        page.wait_for_selector(f'#headshot-batch[data-polls="{polls}"]')
        wait = int(root.get_attribute("data-next-poll"))
        delays.append(wait)
    assert delays == [1000, 2000, 4000, 8000, 16000, 30000, 30000]
    assert page.get_by_text("Waiting for a worker").is_visible()
