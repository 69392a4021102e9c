"""The video upload page and the video page in a real browser, at desktop and phone widths.

Screenshots go to test-artifacts/ (and /tmp/shots/ for a quick look).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from faces.services.review import face_identify
from tests.review.conftest import stored_image

# The video fixtures (tests/videos/conftest.py), shared with this folder by importing them.
from tests.videos.conftest import clip_dir, hostile_clips, mp4_clip, upload_of  # noqa: F401
from videos.models import FaceSequence, SequenceFace, Video
from videos.services.uploads import video_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots")


@pytest.fixture
def shot(screenshot):
    def take(name: str, width: int) -> None:
        path = screenshot(name, width)
        SHOTS.mkdir(exist_ok=True)
        shutil.copy(path, SHOTS / path.name)

    return take


@pytest.fixture
def not_eager():
    """The processing is tested with the pipeline (tests/videos); here only the browser's part:
    the upload is queued for a worker, not processed inside the request."""
    from oversight.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = previous


def no_horizontal_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_video_is_uploaded_from_the_page_and_its_page_follows(
    live_server,
    page,
    shot,
    allowed_department,
    mp4_clip,  # noqa: F811
    not_eager,
):
    page.goto(f"{live_server.url}/submit/")
    page.get_by_role("link", name="Upload a video instead").click()
    expect(page.get_by_role("heading", name="Upload a video of police officers")).to_be_visible()
    shot("video-submit-1280", 1280)
    shot("video-submit-375", 375)
    no_horizontal_scroll(page, 375)
    page.select_option("#id_department", str(allowed_department.pk))
    page.set_input_files("#id_file", str(mp4_clip))
    page.get_by_role("button", name="Upload video").click()
    video = Video.objects.get()
    expect(page).to_have_url(f"{live_server.url}/videos/{video.pk}/")
    expect(page.locator(".messages")).to_contain_text("being processed")
    expect(page.locator("#status-label")).to_have_text("Waiting to be processed")


def test_a_hostile_file_is_refused_on_the_page_with_its_reason(
    live_server,
    page,
    allowed_department,
    hostile_clips,  # noqa: F811
):
    page.goto(f"{live_server.url}/submit/video/?department={allowed_department.slug}")
    page.set_input_files("#id_file", str(hostile_clips["photo_renamed.mp4"]))
    page.get_by_role("button", name="Upload video").click()
    expect(page.locator("#upload-error")).to_contain_text("not a video we accept")
    assert Video.objects.count() == 0


@pytest.fixture
def rendered_video(allowed_department, mp4_clip, officer, users):  # noqa: F811
    video = video_create(upload_of(mp4_clip), department=allowed_department, queue=False).video
    video.public_file.save("public.mp4", ContentFile(mp4_clip.read_bytes()), save=False)
    video.status = Video.Status.DONE
    video.frames_total = video.frames_done = 30
    video.save()
    officer_face = stored_image(allowed_department, "obama_1.jpg", boxes=((366, 136, 259, 259),)).faces.get()
    face_identify(officer_face, officer=officer, actor=users["volunteer"])
    # Person 0 of tests/videos/clips.py walks right; person 1 stands on the right.
    walking = [[t / 10, 19 + 53 * t / 10, 90, 162, 162] for t in range(0, 30, 3)]
    standing = [[t / 10, 396, 72, 151 + 14 * t / 10, 151 + 14 * t / 10] for t in range(10, 30, 3)]
    identified = FaceSequence.objects.create(
        video=video,
        number=1,
        first_time=0.0,
        last_time=2.7,
        frame_count=10,
        track=walking,
        status="identified",
        officer=officer,
    )
    SequenceFace.objects.create(sequence=identified, face=officer_face, time=0.5)
    FaceSequence.objects.create(video=video, number=2, first_time=1.0, last_time=2.8, frame_count=7, track=standing)
    return video


def test_the_video_page_plays_and_choosing_a_face_seeks_and_highlights_it(live_server, page, shot, rendered_video):
    page.goto(f"{live_server.url}/videos/{rendered_video.pk}/")
    expect(page.locator("#status-label")).to_have_text("Done")
    expect(page.locator(".sequence-item")).to_have_count(2)
    expect(page.locator("#sequence-1 img.sequence-thumb")).to_be_visible()  # the identified officer
    expect(page.locator("#sequence-2 .sequence-thumb.placeholder")).to_be_visible()  # never a face
    page.locator("#sequence-2 .sequence-link").click()
    expect(page.locator("#sequence-2")).to_have_class("sequence-item active")
    page.wait_for_function("Math.abs(document.getElementById('player').currentTime - 1.0) < 0.2")
    expect(page.locator("#video-highlight")).to_be_visible()
    stage = page.locator("#video-stage").bounding_box()
    box = page.locator("#video-highlight").bounding_box()
    assert stage and box
    # Scaled with the player: the box sits where person 1 stands (x = 396 of 640).
    assert abs((box["x"] - stage["x"]) / stage["width"] - 396 / 640) < 0.03
    shot("video-page-1280", 1280)
    shot("video-page-375", 375)
    no_horizontal_scroll(page, 375)
    box = page.locator("#video-highlight").bounding_box()
    stage = page.locator("#video-stage").bounding_box()
    assert box and stage and box["x"] + box["width"] <= stage["x"] + stage["width"] + 1


def test_progress_updates_without_a_reload(live_server, page, shot, allowed_department, mp4_clip):  # noqa: F811
    video = video_create(upload_of(mp4_clip), department=allowed_department, queue=False).video
    Video.objects.filter(pk=video.pk).update(status="processing", frames_total=100, frames_done=10)
    page.goto(f"{live_server.url}/videos/{video.pk}/")
    expect(page.locator("#progress-text")).to_have_text("10 of 100 frames (10%)")
    expect(page.locator("#reload-line")).to_be_hidden()  # the script keeps the page current
    Video.objects.filter(pk=video.pk).update(frames_done=55)
    expect(page.locator("#progress-text")).to_have_text("55 of 100 frames (55%)", timeout=15_000)
    shot("video-progress-375", 375)
    no_horizontal_scroll(page, 375)
