"""Video fixtures shared by the video tests (and the processing and review tests of videos).

Clips are generated once per test session (tests/videos/clips.py) and copied nowhere: a
fixture hands out a path; `upload_of(path)` wraps it as an uploaded file; `stored_video`
runs the real upload service (validation, metadata stripping, storage) without queuing the
processing, so a test decides when to process.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.videos import clips

CONTENT_TYPES = {".mp4": "video/mp4", ".mov": "video/quicktime", ".webm": "video/webm"}


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("clips")


def _cached(folder: Path, name: str, make) -> Path:
    path = folder / name
    if not path.exists():
        make(path)
    return path


@pytest.fixture(scope="session")
def mp4_clip(clip_dir) -> Path:
    """3 s, 640×360, 10 fps, H.264 in MP4: Obama walking, Biden coming closer."""
    return _cached(clip_dir, "two-people.mp4", clips.two_people_clip)


@pytest.fixture(scope="session")
def webm_clip(clip_dir) -> Path:
    return _cached(clip_dir, "two-people.webm", lambda p: clips.two_people_clip(p, "webm"))


@pytest.fixture(scope="session")
def mov_clip(clip_dir) -> Path:
    return _cached(clip_dir, "two-people.mov", lambda p: clips.two_people_clip(p, "mov"))


@pytest.fixture(scope="session")
def gps_clip(clip_dir) -> Path:
    """1 s with sound, GPS location, iPhone make/model and creation time in the container."""
    return _cached(clip_dir, "gps.mov", lambda p: clips.gps_clip(p, "mov"))


@pytest.fixture(scope="session")
def hostile_clips(clip_dir) -> dict[str, Path]:
    """Files the upload must refuse, by what is wrong with them."""
    makers = {
        "truncated_index_last.mp4": lambda p: clips.truncated_clip(p, faststart=False),
        "wrong_container.avi": clips.avi_clip,
        "unsupported_codec.mkv": clips.mkv_mpeg4_clip,
        "huge_dimensions.mp4": clips.huge_clip,
        "zero_frames.mp4": clips.zero_frame_clip,
        "no_stream.mp4": clips.no_stream_clip,
        "photo_renamed.mp4": clips.photo_as_mp4,
        "text_renamed.mp4": clips.text_as_mp4,
    }
    return {name: _cached(clip_dir, name, make) for name, make in makers.items()}


def upload_of(path: Path, name: str | None = None) -> SimpleUploadedFile:
    name = name or path.name
    return SimpleUploadedFile(name, path.read_bytes(), content_type=CONTENT_TYPES.get(path.suffix, "video/mp4"))


@pytest.fixture
def stored_video(allowed_department, mp4_clip):
    """A video of allowed_department through the real upload service, not processed yet."""
    from videos.services.uploads import video_create

    return video_create(upload_of(mp4_clip), department=allowed_department, queue=False).video
