"""A volunteer clears a department's queues with the keyboard, in Debian's Chromium.

The gallery is built with the real pipeline: obama_1 is identified as an officer, so
obama_2 (uploaded later) gets a suggestion that the volunteer confirms.
"""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from faces.models import Face, Image
from faces.services.review import face_identify
from faces.services.uploads import image_create
from tests.conftest import photo

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _upload(name: str, department) -> Image:
    # Transactional test: on_commit runs at once, and Celery is eager, so this returns processed.
    result = image_create(upload=SimpleUploadedFile(name, photo(name)), department=department, filename=name)
    image = Image.objects.get(pk=result.image.pk)
    assert image.status == Image.Status.DONE, image.error
    return image


def test_a_volunteer_sorts_two_photos_and_confirms_a_suggestion_with_the_keyboard(
    live_server, page, login, screenshot, users, allowed_department, officer
):
    known = _upload("obama_1.jpg", allowed_department).faces.get()
    face_identify(known, officer=officer, actor=users["coordinator"], use_for_recognition=True)
    to_confirm = _upload("obama_2.jpg", allowed_department)
    other = _upload("biden_1.jpg", allowed_department)
    assert to_confirm.faces.get().suggestions.filter(officer=officer, status="pending").exists()

    login(users["volunteer"])
    page.goto(f"{live_server.url}/review/")
    page.get_by_role("link", name="Sort 2").click()
    page.wait_for_url(re.compile(rf"/review/sort/{to_confirm.pk}/$"))
    screenshot("review-sort")
    page.keyboard.press("y")
    page.wait_for_url(re.compile(rf"/review/sort/{other.pk}/$"))
    page.keyboard.press("n")
    page.wait_for_url(re.compile(r"/review/departments/springfield/sort/$"))
    assert "nothing left to sort" in page.content()
    assert Image.objects.get(pk=to_confirm.pk).contains_officers is True
    assert Image.objects.get(pk=other.pk).contains_officers is False

    page.goto(f"{live_server.url}/review/")
    page.get_by_role("link", name="Identify 1").click()
    face = to_confirm.faces.get()
    page.wait_for_url(re.compile(rf"/review/faces/{face.pk}/$"))
    assert page.get_by_text("Jordan Avery").is_visible()
    screenshot("review-identify")
    page.keyboard.press("c")
    page.wait_for_url(re.compile(r"/review/departments/springfield/identify/$"))
    face = Face.objects.get(pk=face.pk)
    assert face.officer_id == officer.pk and face.identified_by == users["volunteer"]
    screenshot("review-identify-done")
