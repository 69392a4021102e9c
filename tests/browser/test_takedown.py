"""Taking a photo down from its page, and deleting an uploader's address, in Debian's Chromium,
at phone width and without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from faces.models import Image, Takedown, UploadNotice
from faces.services.notifications import notice_create
from tests.review.conftest import stored_image

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits_a_phone(page) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} scrolls sideways on a phone ({width} px)"


def test_a_coordinator_takes_a_photo_down_from_its_page(live_server, page, login, users, allowed_department):
    image = stored_image(allowed_department)
    login(users["coordinator"])
    page.goto(f"{live_server.url}/images/{image.pk}/")
    page.get_by_role("link", name="Take down this photo").click()
    page.wait_for_url(re.compile(rf"/images/{image.pk}/takedown/$"))
    _fits_a_phone(page)
    page.get_by_label("Why is this photo taken down?").fill("The person in it asked")
    page.get_by_role("button", name="Take the photo down").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Photo {image.pk} was taken down")
    _fits_a_phone(page)
    assert not Image.objects.filter(pk=image.pk).exists()
    assert Takedown.objects.get().reason == "The person in it asked"


def test_an_uploader_deletes_their_address_without_javascript(live_server, chromium, allowed_department):
    notice = notice_create(stored_image(allowed_department), "uploader@example.org")
    assert notice is not None
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/notices/{notice.token}/delete/")
    _fits_a_phone(page)
    page.get_by_role("button", name="Delete my e-mail address").click()
    expect(page.get_by_role("status")).to_contain_text("Your e-mail address was deleted")
    assert not UploadNotice.objects.exists()
    context.close()
