"""POST /api/v1/videos/ and GET /api/v1/videos/{id}/: same service, rules and allowance as the pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from faces.models import Face
from tests.conftest import client_for
from tests.review.conftest import stored_image
from tests.videos.conftest import upload_of
from videos.models import FaceSequence, SequenceFace, Video

pytestmark = pytest.mark.django_db
URL = "/api/v1/videos/"
ROLES = ["anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin"]


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_the_routes_are_where_the_api_says():
    assert reverse("api_video_upload") == URL
    assert reverse("api_video_detail", args=[7]) == "/api/v1/videos/7/"


@pytest.mark.parametrize("role", ROLES)
def test_everyone_may_upload_a_video_and_gets_201_with_its_status_and_urls(role, users, allowed_department, mp4_clip):
    response = client_for(users[role]).post(URL, {"file": upload_of(mp4_clip), "department": allowed_department.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    video = Video.objects.get()
    assert body["id"] == video.pk and body["status"] == "queued" and body["duplicate"] is False
    assert (body["frames_done"], body["frames_total"], body["percent"]) == (0, 0, 0)
    assert body["page_url"] == reverse("video_detail", args=[video.pk])
    assert body["status_url"] == reverse("video_status", args=[video.pk])
    assert body["public_url"] == "" and body["sequences"] == []
    assert (body["width"], body["height"]) == (640, 360)


def test_a_token_client_uploads_without_a_csrf_token(users, allowed_department, webm_clip):
    from django.test import Client

    token = Token.objects.create(user=users["member"])
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        URL,
        {"file": upload_of(webm_clip), "department": allowed_department.pk},
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 201
    assert Video.objects.get().uploaded_by == users["member"]


def test_a_duplicate_answers_200_with_the_existing_video(allowed_department, mp4_clip):
    client = client_for(None)
    first = client.post(URL, {"file": upload_of(mp4_clip), "department": allowed_department.pk}).json()
    again = client.post(URL, {"file": upload_of(mp4_clip, "renamed.mp4"), "department": allowed_department.pk})
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["duplicate"] is True
    assert Video.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("truncated_index_last.mp4", 400, "damaged"),
        ("wrong_container.avi", 415, "not_a_video"),
        ("unsupported_codec.mkv", 415, "unsupported"),
        ("huge_dimensions.mp4", 413, "too_many_pixels"),
        ("zero_frames.mp4", 400, "no_frames"),
        ("no_stream.mp4", 400, "no_video"),
        ("photo_renamed.mp4", 415, "not_a_video"),
        ("text_renamed.mp4", 415, "not_a_video"),
    ],
)
def test_hostile_files_get_a_4xx_with_the_one_error_body_and_leave_nothing(
    name, status, code, hostile_clips, allowed_department, settings
):
    response = client_for(None).post(URL, {"file": upload_of(hostile_clips[name]), "department": allowed_department.pk})
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code and body["errors"]["file"] == [body["detail"]]
    assert Video.objects.count() == 0 and stored_files(settings) == []


@pytest.mark.parametrize(
    ("data", "field"),
    [({"department": "1"}, "file"), ({}, "department"), ({"department": "abc"}, "department")],
)
def test_missing_or_bad_fields_are_400_with_the_field_named(data, field, mp4_clip, allowed_department):
    if field != "file":
        data = {**data, "file": upload_of(mp4_clip)}
    response = client_for(None).post(URL, data)
    assert response.status_code == 400 and field in response.json()["errors"]
    assert Video.objects.count() == 0


def test_a_body_declared_over_the_video_limit_is_refused_unread(allowed_department, settings):
    settings.VIDEO_MAX_BYTES = 10
    response = client_for(None).post(URL, {"department": allowed_department.pk, "note": "x" * 2_000_000})
    assert response.status_code == 413 and response.json()["code"] == "too_large"


def test_a_video_larger_than_the_photo_limit_is_not_refused_by_the_photo_cap(allowed_department, mp4_clip, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000  # the photo API's cap, below this clip's size
    response = client_for(None).post(URL, {"file": upload_of(mp4_clip), "department": allowed_department.pk})
    assert response.status_code == 201


def test_video_uploads_are_throttled_like_photos(allowed_department, mp4_clip, webm_clip, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "anon_upload": "1/hour"}
    )
    client = client_for(None)
    assert client.post(URL, {"file": upload_of(mp4_clip), "department": allowed_department.pk}).status_code == 201
    refused = client.post(URL, {"file": upload_of(webm_clip), "department": allowed_department.pk})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Video.objects.count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_a_video_with_progress_and_sequences(role, users, stored_video, officer):
    Video.objects.filter(pk=stored_video.pk).update(status="processing", frames_total=40, frames_done=10)
    FaceSequence.objects.create(
        video=stored_video, number=1, first_time=0.2, last_time=2.5, frame_count=8, track=[[0.2, 1, 2, 30, 30]]
    )
    identified = FaceSequence.objects.create(
        video=stored_video, number=2, first_time=1.0, last_time=2.0, frame_count=3, status="identified", officer=officer
    )
    # Shown as the officer only because its still is identified as them (the public rendition's rule).
    still = stored_image(stored_video.department, "obama_1.jpg").faces.get()
    Face.objects.filter(pk=still.pk).update(officer=officer)
    SequenceFace.objects.create(sequence=identified, face=still, time=1.5)
    response = client_for(users[role]).get(f"{URL}{stored_video.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["frames_done"], body["frames_total"], body["percent"]) == ("processing", 10, 40, 25)
    first, second = body["sequences"]
    assert (first["number"], first["first_time"], first["last_time"], first["frame_count"]) == (1, 0.2, 2.5, 8)
    assert first["status"] == "open" and first["officer"] is None and first["thumb_url"] == ""
    assert first["track"] == [[0.2, 1.0, 2.0, 30.0, 30.0]]
    assert second["officer"]["id"] == officer.pk and second["officer"]["name"] == officer.full_name
    assert second["thumb_url"] == reverse("face_crop", args=[still.pk])
    assert "file" not in body and stored_video.file.name not in response.content.decode()


def test_an_unknown_video_is_404():
    assert client_for(None).get(f"{URL}999999/").status_code == 404


def test_the_openapi_schema_documents_both_endpoints():
    schema = client_for(None).get(reverse("api:schema"), HTTP_ACCEPT="application/json").json()
    assert "/api/v1/videos/" in schema["paths"] and "/api/v1/videos/{id}/" in schema["paths"]
    upload = schema["paths"]["/api/v1/videos/"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"201", "200"} <= set(upload["responses"])
