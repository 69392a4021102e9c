"""The video pages: upload (anyone, throttled), the public video page, its status JSON and files."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from faces.services.review import face_identify
from tests.conftest import client_for
from tests.review.conftest import stored_image
from tests.videos.conftest import upload_of
from videos.models import FaceSequence, SequenceFace, Video

pytestmark = pytest.mark.django_db
URL = reverse("video_submit")
ROLES = ["anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin"]


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("role", ROLES)
def test_everyone_sees_the_upload_form_with_the_departments(role, users, allowed_department):
    response = client_for(users[role]).get(URL, {"department": allowed_department.slug})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="file"' in page
    assert f'value="{allowed_department.pk}" selected' in page
    assert "GPS location" in page and "500.0\xa0MB" in page


def test_the_photo_upload_page_links_to_the_video_upload():
    page = client_for(None).get(reverse("submit")).content.decode()
    assert f'href="{URL}"' in page and "Uploading video?" in page


@pytest.mark.parametrize("role", ROLES)
def test_everyone_may_upload_a_video_and_lands_on_its_page(role, users, allowed_department, mp4_clip):
    response = client_for(users[role]).post(URL, {"department": allowed_department.pk, "file": upload_of(mp4_clip)})
    video = Video.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("video_detail", args=[video.pk])
    assert video.department == allowed_department
    assert (video.uploaded_by is None) == (role == "anonymous")


def test_a_duplicate_upload_goes_to_the_existing_video_with_a_message(allowed_department, mp4_clip):
    client = client_for(None)
    client.post(URL, {"department": allowed_department.pk, "file": upload_of(mp4_clip)})
    response = client.post(URL, {"department": allowed_department.pk, "file": upload_of(mp4_clip)}, follow=True)
    assert response.status_code == 200 and Video.objects.count() == 1
    assert "uploaded before" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("truncated_index_last.mp4", 400),
        ("wrong_container.avi", 415),
        ("unsupported_codec.mkv", 415),
        ("huge_dimensions.mp4", 413),
        ("zero_frames.mp4", 400),
        ("no_stream.mp4", 400),
        ("photo_renamed.mp4", 415),
        ("text_renamed.mp4", 415),
    ],
)
def test_a_hostile_file_gets_a_4xx_with_a_message_and_leaves_nothing(
    name, status, hostile_clips, allowed_department, settings
):
    response = client_for(None).post(URL, {"department": allowed_department.pk, "file": upload_of(hostile_clips[name])})
    assert response.status_code == status
    page = response.content.decode()
    assert 'role="alert"' in page and f'value="{allowed_department.pk}" selected' in page
    assert Video.objects.count() == 0 and stored_files(settings) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [({}, "Choose the department"), ({"department": "999999"}, "does not exist")],
)
def test_a_missing_department_or_file_is_refused_on_the_form(data, message, mp4_clip):
    response = client_for(None).post(URL, data)
    assert response.status_code == 400 and message in response.content.decode()
    assert "Choose a video to upload." in response.content.decode()
    assert Video.objects.count() == 0


def test_a_body_declared_over_the_limit_is_refused_before_it_is_read(allowed_department, settings):
    settings.VIDEO_MAX_BYTES = 10
    response = client_for(None).post(URL, {"department": allowed_department.pk, "note": "x" * 2_000_000})
    assert response.status_code == 413 and "limit" in response.content.decode()


def test_video_uploads_share_the_photo_uploads_allowance(allowed_department, mp4_clip, webm_clip, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    # The throttles read their rates from a class attribute bound at import time.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "anon_upload": "1/hour"}
    )
    client = client_for(None)
    assert client.post(URL, {"department": allowed_department.pk, "file": upload_of(mp4_clip)}).status_code == 302
    refused = client.post(URL, {"department": allowed_department.pk, "file": upload_of(webm_clip)})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Video.objects.count() == 1


# --- The video page -----------------------------------------------------------------------------


@pytest.fixture
def timeline(stored_video, allowed_department, officer, users):
    """Three sequences: one identified as `officer` (with a confirmed still), one open, one civilian."""
    officer_face = stored_image(allowed_department, "obama_1.jpg").faces.get()
    face_identify(officer_face, officer=officer, actor=users["volunteer"])
    open_face = stored_image(allowed_department, "biden_1.jpg").faces.get()
    track = [[0.0, 20, 90, 160, 160], [1.0, 60, 90, 160, 160]]
    sequences = {}
    for number, status in enumerate(["identified", "open", "civilian"], start=1):
        sequences[status] = FaceSequence.objects.create(
            video=stored_video,
            number=number,
            first_time=0.5 * number,
            last_time=65.0 + number,
            frame_count=4,
            track=track,
            status=status,
            officer=officer if status == "identified" else None,
        )
    SequenceFace.objects.create(sequence=sequences["identified"], face=officer_face, time=0.5)
    SequenceFace.objects.create(sequence=sequences["open"], face=open_face, time=1.0)
    return {"video": stored_video, "officer_face": officer_face, "open_face": open_face, **sequences}


@pytest.mark.parametrize("role", ROLES)
def test_everyone_sees_a_video_page_with_its_timeline(role, users, timeline, officer):
    video = timeline["video"]
    response = client_for(users[role]).get(reverse("video_detail", args=[video.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Face 1" in page and "Face 2" in page and "Face 3" in page
    assert "0:01 – 1:07" in page and "4 frames" in page  # first and last time as m:ss
    assert f"Officer {officer.full_name}" in page


def test_only_an_identified_officer_has_a_face_thumbnail(timeline):
    page = client_for(None).get(reverse("video_detail", args=[timeline["video"].pk])).content.decode()
    assert reverse("face_crop", args=[timeline["officer_face"].pk]) in page
    assert reverse("face_crop", args=[timeline["open_face"].pk]) not in page
    assert page.count("sequence-thumb placeholder") == 2
    status = client_for(None).get(reverse("video_status", args=[timeline["video"].pk])).json()
    thumbs = [s["thumb_url"] for s in status["sequences"]]
    assert thumbs[0].endswith(f"/faces/{timeline['officer_face'].pk}/crop.jpg") and thumbs[1:] == ["", ""]
    assert [s["officer"] is not None for s in status["sequences"]] == [True, False, False]


def test_a_processing_video_shows_its_progress_and_a_reload_link(stored_video):
    Video.objects.filter(pk=stored_video.pk).update(status="processing", frames_total=90, frames_done=30)
    page = client_for(None).get(reverse("video_detail", args=[stored_video.pk])).content.decode()
    assert '<progress id="video-progress" max="90" value="30">' in page
    assert "30 of 90 frames (33%)" in page and 'id="reload-link"' in page
    assert "<video" in page and 'id="video-stage" hidden' in page  # no rendition yet
    status = client_for(None).get(reverse("video_status", args=[stored_video.pk]))
    assert status["Cache-Control"] == "no-store"
    body = status.json()
    assert body["progress"] == {"frames_done": 30, "frames_total": 90, "percent": 33} and body["pending"]


def test_a_failed_video_says_why_and_a_queued_one_keeps_its_error_private(stored_video):
    Video.objects.filter(pk=stored_video.pk).update(status="queued", error="stack trace from a retried attempt")
    page = client_for(None).get(reverse("video_detail", args=[stored_video.pk])).content.decode()
    assert "stack trace" not in page
    Video.objects.filter(pk=stored_video.pk).update(status="failed", error="No frame could be decoded.")
    page = client_for(None).get(reverse("video_detail", args=[stored_video.pk])).content.decode()
    assert "No frame could be decoded." in page and "could not be processed" in page


@pytest.fixture
def rendered(stored_video, mp4_clip):
    stored_video.public_file.save("public.mp4", ContentFile(mp4_clip.read_bytes()), save=False)
    stored_video.status = Video.Status.DONE
    stored_video.save()
    return stored_video


def test_a_rendered_video_plays_its_public_version_with_byte_ranges(rendered, mp4_clip):
    page = client_for(None).get(reverse("video_detail", args=[rendered.pk])).content.decode()
    public = reverse("video_public", args=[rendered.pk])
    assert f'src="{public}"' in page and 'preload="metadata"' in page and "controls" in page
    whole = client_for(None).get(public)
    assert whole.status_code == 200 and whole["Content-Type"] == "video/mp4" and whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == mp4_clip.read_bytes()
    part = client_for(None).get(public, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 100-199/{mp4_clip.stat().st_size}"
    assert b"".join(part.streaming_content) == mp4_clip.read_bytes()[100:200]
    tail = client_for(None).get(public, HTTP_RANGE="bytes=-10")
    assert b"".join(tail.streaming_content) == mp4_clip.read_bytes()[-10:]
    assert client_for(None).get(public, HTTP_RANGE="bytes=999999999-").status_code == 416


def test_the_original_is_never_served_and_missing_files_are_404(stored_video):
    assert client_for(None).get(reverse("video_public", args=[stored_video.pk])).status_code == 404
    assert client_for(None).get(reverse("video_poster", args=[stored_video.pk])).status_code == 404
    assert client_for(None).get(reverse("video_detail", args=[stored_video.pk + 1])).status_code == 404
    page = client_for(None).get(reverse("video_detail", args=[stored_video.pk])).content.decode()
    assert stored_video.file.name not in page and stored_video.file.url not in page
