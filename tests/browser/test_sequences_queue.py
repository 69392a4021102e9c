"""A volunteer reviews a video face sequence in Debian's Chromium: splits off the frames of a second
person the tracker joined in, confirms the suggested officer for the rest, and marks the split-off
sequence "not an officer". The video is a real clip, so the public rendition is really re-rendered.
"""

from __future__ import annotations

import re

import pytest

from faces.models import Decision, Face
from tests import factories
from tests.videos import sequences as make
from videos.models import FaceSequence, SequenceFace, Video

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_volunteer_splits_a_sequence_and_confirms_the_suggested_officer(
    live_server, page, login, screenshot, users, allowed_department, officer, tmp_path
):
    video = make.video_with_clip(allowed_department, tmp_path)
    seq = make.sequence(of_video=video, names=("obama_1.jpg", "obama_2.jpg", "biden_1.jpg"), times=(0.5, 1.0, 2.5))
    obama = [s.face for s in SequenceFace.objects.filter(sequence=seq, time__lt=2).select_related("face")]
    biden = SequenceFace.objects.get(sequence=seq, time=2.5)
    factories.suggestion(obama[1], officer, distance=0.35)

    login(users["volunteer"])
    page.goto(f"{live_server.url}/review/")
    page.get_by_role("link", name=re.compile(r"^Sequences \(1\)")).click()
    page.wait_for_url(re.compile(rf"/review/sequences/{seq.pk}/$"))
    assert page.locator(".review-group-faces img").count() == 3
    screenshot("review-sequence-375", width=375)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot("review-sequence", width=1280)

    page.locator(f'input[name="still"][value="{biden.pk}"]').check()
    page.get_by_role("button", name="Split the ticked frames into a new sequence").click()
    page.wait_for_url(re.compile(rf"/review/sequences/{seq.pk}/$"))
    assert page.locator(".review-group-faces img").count() == 2
    page.get_by_role("button", name="Confirm: all are Jordan Avery").click()

    split_off = FaceSequence.objects.get(split_from=seq)
    page.wait_for_url(re.compile(rf"/review/sequences/{split_off.pk}/$"))
    page.get_by_role("button", name="Not an officer").click()
    page.wait_for_url(re.compile(r"/review/departments/springfield/sequences/$"))
    assert "nothing left" in page.content()

    assert {f.officer_id for f in Face.objects.filter(pk__in=[f.pk for f in obama])} == {officer.pk}
    assert Face.objects.get(pk=biden.face_id).is_civilian
    kinds = dict(Decision.objects.values_list("face_id", "kind"))
    assert kinds == {
        obama[0].pk: Decision.Kind.IDENTIFY,
        obama[1].pk: Decision.Kind.CONFIRM,
        biden.face_id: Decision.Kind.CIVILIAN,
    }
    assert FaceSequence.objects.get(pk=seq.pk).status == FaceSequence.Status.IDENTIFIED
    assert Video.objects.get(pk=video.pk).public_file.name.endswith(".mp4")
