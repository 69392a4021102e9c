"""Accept an uploaded video: hash, validate, strip metadata, store, create the row, queue.

Mirrors faces.services.uploads.image_create: bad input raises VideoRejected (a DomainError)
and leaves nothing behind (no stored file, no row); the same bytes uploaded again return the
existing video. A video is never read whole into memory: a large upload is already a
temporary file (Django's upload handlers), a small one is written to one.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.core.files import File
from django.db import transaction

from departments.models import Department
from faces.services.uploads import create_for_stored, store_upload, uploader_fields
from videos.models import Video
from videos.sanitize import EXTENSIONS, remux_without_metadata
from videos.validation import VideoLimits, VideoRejected, probe_video

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class VideoUploadResult:
    video: Video
    created: bool  # False: the same bytes were uploaded before; `video` is that one


@contextmanager
def _on_disk(upload) -> Iterator[Path]:
    """The upload as a file path: its own temporary file, or a copy streamed to one."""
    path = getattr(upload, "temporary_file_path", None)
    if callable(path):
        yield Path(path())
        return
    with tempfile.NamedTemporaryFile(prefix="upload-", suffix=".video") as handle:
        upload.seek(0)
        shutil.copyfileobj(upload, handle, CHUNK)
        handle.flush()
        yield Path(handle.name)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def video_create(
    upload,
    *,
    department: Department,
    uploaded_by=None,
    uploader_session: str = "",
    original_filename: str = "",
    queue: bool = True,
) -> VideoUploadResult:
    """Accept one uploaded video (see the module's docstring); VideoRejected if refused.

    `queue=False` leaves the processing to the caller (tests that run it themselves).
    """
    limits = VideoLimits.from_settings()
    size = getattr(upload, "size", None)
    if size is not None and size > limits.max_bytes:
        raise VideoRejected("too_large", limits.size_message())
    with _on_disk(upload) as source:
        sha256 = _sha256(source)
        existing = Video.objects.filter(sha256=sha256).first()
        if existing is not None:
            return VideoUploadResult(existing, created=False)
        probed = probe_video(source, limits=limits)
        with tempfile.TemporaryDirectory(prefix="video-") as scratch:
            target = Path(scratch) / f"clean{EXTENSIONS[probed.container]}"
            sanitised = remux_without_metadata(source, target, probed, limits=limits)
            with open(target, "rb") as handle:
                name = f"videos/originals/{sha256[:2]}/{uuid.uuid4().hex}{target.suffix}"
                stored_name = store_upload(name, File(handle), what="video")

    def create() -> Video:
        video = Video.objects.create(
            file=stored_name,
            sha256=sha256,
            container=probed.container,
            codec=probed.codec,
            department=department,
            **uploader_fields(
                upload, uploaded_by=uploaded_by, uploader_session=uploader_session, filename=original_filename
            ),
            width=probed.width,
            height=probed.height,
            duration_seconds=sanitised.duration_seconds,
            fps=round(probed.fps, 3),
        )
        if queue:
            transaction.on_commit(lambda: queue_video(video.pk))
        return video

    video, created = create_for_stored(stored_name, create, lambda: Video.objects.get(sha256=sha256))
    return VideoUploadResult(video, created=created)


def queue_video(video_id: int) -> None:
    try:
        # Imported here: the processing (videos.tasks) loads the detector and tracker.
        from videos.tasks import process_video

        process_video.delay(video_id)
    except Exception:
        # Broker down: the row stays `queued` and a sweep queues it later.
        logger.exception("could not queue video %s; the sweep will pick it up", video_id)
