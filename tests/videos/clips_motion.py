"""Clips with moving real faces and their truth (benchmarks.video_clips), stored as Video rows."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from benchmarks.video_clips import Actor, Truth, two_people, write_clip
from departments.models import Department
from videos.models import Video
from videos.pipeline.frames import stream_info

__all__ = ["Actor", "Truth", "motion_clip", "stored_video", "two_people"]


def motion_clip(path: Path, actors: list[Actor] | None = None, *, seconds: float = 3.0) -> tuple[Path, list[Truth]]:
    """A 960x540 H.264 clip of `actors` (two people crossing by default) and its per-frame truth."""
    truth = write_clip(path, actors or two_people(seconds), seconds=seconds, width=960, height=540, fps=25)
    return path, truth


def stored_video(department: Department, path: Path) -> Video:
    """A queued Video row for the clip, as an upload leaves it (file stored, header probed)."""
    data = path.read_bytes()
    info = stream_info(str(path))
    name = default_storage.save(f"videos/originals/{uuid.uuid4().hex}{path.suffix}", ContentFile(data))
    return Video.objects.create(
        file=name,
        sha256=hashlib.sha256(data).hexdigest(),
        container=path.suffix.lstrip("."),
        codec="h264",
        department=department,
        original_filename=path.name,
        width=info.width,
        height=info.height,
        duration_seconds=info.duration,
        fps=info.fps,
    )
