"""videos.services.uploads.video_create: validated, stripped, stored, de-duplicated; bad input leaves nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import TemporaryUploadedFile

from faces.services.uploads import StorageUnavailable
from tests.hostile import HOSTILE_FILENAMES, is_safe_filename
from tests.videos import clips
from tests.videos.conftest import upload_of
from videos.models import Video
from videos.services.uploads import video_create
from videos.validation import VideoRejected

pytestmark = pytest.mark.django_db


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_video_is_stored_with_its_size_duration_codec_and_container(allowed_department, mp4_clip, users):
    result = video_create(
        upload_of(mp4_clip, "street.mp4"),
        department=allowed_department,
        uploaded_by=users["member"],
        original_filename="street.mp4",
        queue=False,
    )
    video = result.video
    assert result.created
    assert (video.width, video.height, video.container, video.codec) == (640, 360, "mp4", "h264")
    assert video.duration_seconds == pytest.approx(3.0, abs=0.1)
    assert video.fps == pytest.approx(10.0)
    assert video.status == Video.Status.QUEUED
    assert video.uploaded_by == users["member"] and video.original_filename == "street.mp4"
    assert video.file.name.startswith("videos/originals/") and video.file.name.endswith(".mp4")
    assert default_storage.exists(video.file.name)
    assert len(video.sha256) == 64


def test_an_anonymous_upload_records_no_user_and_the_session_marker(allowed_department, webm_clip):
    video = video_create(
        upload_of(webm_clip), department=allowed_department, uploaded_by=None, uploader_session="s" * 80, queue=False
    ).video
    assert video.uploaded_by is None and video.uploader_session == "s" * 64
    assert video.container == "webm" and video.file.name.endswith(".webm")


def test_the_stored_file_has_no_gps_or_device_metadata(allowed_department, gps_clip):
    video = video_create(upload_of(gps_clip), department=allowed_department, queue=False).video
    tags, stream_tags, types = clips.stream_metadata(Path(default_storage.path(video.file.name)))
    everything = " ".join(f"{k}={v}" for d in [tags, *stream_tags] for k, v in d.items()).lower()
    assert "location" not in everything and "+40.7128" not in everything and "iphone" not in everything
    assert "2024-05-01" not in everything
    assert types == ["video", "audio"]
    assert video.container == "mov"


def test_the_same_bytes_again_return_the_existing_video_and_store_nothing_more(allowed_department, mp4_clip, settings):
    first = video_create(upload_of(mp4_clip), department=allowed_department, queue=False)
    files = stored_files(settings)
    again = video_create(upload_of(mp4_clip, "other-name.mp4"), department=allowed_department, queue=False)
    assert not again.created and again.video.pk == first.video.pk
    assert Video.objects.count() == 1 and stored_files(settings) == files


def test_a_large_upload_is_read_from_its_temporary_file(allowed_department, mov_clip):
    upload = TemporaryUploadedFile("big.mov", "video/quicktime", mov_clip.stat().st_size, None)
    upload.write(mov_clip.read_bytes())
    upload.seek(0)
    video = video_create(upload, department=allowed_department, queue=False).video
    assert video.container == "mov" and video.original_filename == "big.mov"
    upload.close()


def test_hostile_files_leave_no_row_and_no_file(allowed_department, hostile_clips, settings):
    for name, path in hostile_clips.items():
        with pytest.raises(VideoRejected):
            video_create(upload_of(path), department=allowed_department, queue=False)
        assert Video.objects.count() == 0, name
        assert stored_files(settings) == [], name


def test_an_upload_over_the_size_setting_is_refused_unread(allowed_department, mp4_clip, settings):
    settings.VIDEO_MAX_BYTES = 1000
    with pytest.raises(VideoRejected) as refused:
        video_create(upload_of(mp4_clip), department=allowed_department, queue=False)
    assert refused.value.status == 413 and "limit" in refused.value.message
    assert Video.objects.count() == 0 and stored_files(settings) == []


def test_a_store_that_fails_leaves_no_row(allowed_department, mp4_clip, settings, tmp_path):
    # The store's folder is a plain file: the real FileSystemStorage cannot save (even as root).
    blocked = tmp_path / "blocked"
    blocked.write_text("not a folder")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(blocked)}},
    }
    with pytest.raises(StorageUnavailable) as refused:
        video_create(upload_of(mp4_clip), department=allowed_department, queue=False)
    assert refused.value.status == 503 and "video store" in refused.value.message
    assert Video.objects.count() == 0


def test_the_processing_is_queued_once_the_row_is_committed(
    allowed_department, mp4_clip, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        video_create(upload_of(mp4_clip), department=allowed_department)
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        video_create(upload_of(mp4_clip), department=allowed_department)  # a duplicate queues nothing
    assert callbacks == []


@pytest.mark.parametrize(("label", "name"), HOSTILE_FILENAMES)
def test_a_hostile_filename_is_stored_harmless_and_never_names_the_stored_file(
    label, name, allowed_department, mp4_clip
):
    # As sent (Django's upload handlers clean the file's own name; the service must not rely on it).
    video = video_create(upload_of(mp4_clip), department=allowed_department, original_filename=name, queue=False).video
    assert is_safe_filename(video.original_filename), label
    assert video.file.name.startswith("videos/originals/") and ".." not in video.file.name
