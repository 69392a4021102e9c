"""A volunteer identifies a group of look-alike faces at once, in Debian's Chromium.

Real photos through the real pipeline: obama_1, obama_2 and obama_lowres_240p form one group.
A Biden face is put into that group by hand (as a wrong grouping would), and the volunteer
takes it out before confirming the rest as an officer.
"""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from faces.models import Decision, Face, FaceGroup, FaceGroupMember, Image
from faces.services.uploads import image_create
from tests.conftest import photo

pytestmark = pytest.mark.browser

OBAMA = ("obama_1.jpg", "obama_2.jpg", "obama_lowres_240p.jpg")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _face(name: str, department) -> Face:
    # Transactional test: on_commit runs at once and Celery is eager, so this returns processed and grouped.
    result = image_create(upload=SimpleUploadedFile(name, photo(name)), department=department, filename=name)
    image = Image.objects.get(pk=result.image.pk)
    assert image.status == Image.Status.DONE, image.error
    Image.objects.filter(pk=image.pk).update(contains_officers=True)
    return image.faces.get()


def test_a_volunteer_removes_a_wrong_face_and_confirms_the_group_as_an_officer(
    live_server, page, login, screenshot, users, allowed_department, officer
):
    obama = [_face(name, allowed_department) for name in OBAMA]
    biden = _face("biden_1.jpg", allowed_department)
    group = FaceGroup.objects.get(members__face=obama[0])
    assert set(group.members.values_list("face_id", flat=True)) == {f.pk for f in obama}
    FaceGroupMember.objects.create(group=group, face=biden)  # a wrong member, for the volunteer to take out

    login(users["volunteer"])
    page.goto(f"{live_server.url}/review/")
    page.get_by_role("link", name=re.compile(r"^Groups 1")).click()
    page.wait_for_url(re.compile(rf"/review/groups/{group.pk}/$"))
    assert page.locator(".review-group-faces img").count() == 4
    page.get_by_label("Name or badge number").fill("Avery")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"\?q=Avery$"))
    page.locator(f'input[name="remove"][data-face="{biden.pk}"]').check()
    screenshot("review-group", width=1280)
    screenshot("review-group-375", width=375)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="All are Jordan Avery").click()
    page.wait_for_url(re.compile(r"/review/departments/springfield/groups/$"))
    assert "nothing left" in page.content()

    assert {f.officer_id for f in Face.objects.filter(pk__in=[f.pk for f in obama])} == {officer.pk}
    biden.refresh_from_db()
    assert biden.officer_id is None and not biden.is_civilian
    decided = Decision.objects.filter(kind=Decision.Kind.IDENTIFY, actor=users["volunteer"])
    assert sorted(decided.values_list("face_id", flat=True)) == sorted(f.pk for f in obama)
    assert not FaceGroup.objects.exists()
    screenshot("review-group-done")
