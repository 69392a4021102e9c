"""A video's best frames kept as ordinary photos (faces.Image) with one detector box each.

A still is a photo of the video's department like any upload: the same storage, the same
public rendition (faces.renditions), review and officer pages, and the same gate (its face's
embedding and suggestions fall under faces/migrations/0005's triggers). Its SHA-256 is not of
its bytes but names its place (video, sequence, time): two sequences may keep the same frame,
and a second run of the same video finds the same stills again instead of duplicating them.
"""

from __future__ import annotations

import hashlib
import io
import uuid

import numpy as np
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image as PILImage

from faces.models import Face, Image
from faces.storage import delete_quietly
from videos.models import Video

STILL_JPEG_QUALITY = 92


def encode_jpeg(rgb: np.ndarray) -> bytes:
    """A JPEG of the frame with no metadata at all (nothing from the video's container follows)."""
    buffer = io.BytesIO()
    PILImage.fromarray(rgb).save(buffer, "JPEG", quality=STILL_JPEG_QUALITY)
    return buffer.getvalue()


def still_sha256(video: Video, sequence_number: int, time: float) -> str:
    return hashlib.sha256(f"video-still|{video.sha256}|{sequence_number}|{time:.3f}".encode()).hexdigest()


def still_create(
    *,
    video: Video,
    sequence_number: int,
    time: float,
    jpeg: bytes,
    width: int,
    height: int,
    box: tuple[int, int, int, int],
    score: float | None,
) -> Face:
    """The still's photo (found again, or stored and created) and its detector box.

    The photo is created `done`: its face box comes from the video's detection, so the photo
    pipeline has nothing left to detect; embedding (behind the gate) is the caller's next step.
    """
    sha256 = still_sha256(video, sequence_number, time)
    image = Image.objects.filter(sha256=sha256).first()
    if image is None:
        image = _image_create(video, sha256, sequence_number, time, jpeg, width, height)
    x, y, w, h = box
    # unique_detector_box_per_image: a second run finds the box it stored before.
    Face.objects.bulk_create(
        [Face(image=image, x=x, y=y, w=w, h=h, source=Face.Source.DETECTOR, detector_score=score)],
        ignore_conflicts=True,
    )
    return Face.objects.get(image=image, x=x, y=y, w=w, h=h, source=Face.Source.DETECTOR)


def _image_create(
    video: Video, sha256: str, sequence_number: int, time: float, jpeg: bytes, width: int, height: int
) -> Image:
    stored = default_storage.save(f"originals/{sha256[:2]}/{uuid.uuid4().hex}.jpg", ContentFile(jpeg))
    name = f"{video.original_filename or f'video {video.pk}'} — sequence {sequence_number}, {time:.1f} s"
    try:
        with transaction.atomic():
            return Image.objects.create(
                file=stored,
                sha256=sha256,
                format="JPEG",
                department_id=video.department_id,
                uploaded_by_id=video.uploaded_by_id,
                uploader_session=video.uploader_session,
                original_filename=name[:255],
                width=width,
                height=height,
                status=Image.Status.DONE,
                processed_at=timezone.now(),
            )
    except IntegrityError:
        # A concurrent run of the same video stored it first: keep theirs.
        delete_quietly(stored)
        return Image.objects.get(sha256=sha256)
    except BaseException:
        delete_quietly(stored)
        raise
