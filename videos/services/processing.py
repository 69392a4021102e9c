"""Processing a video: frames → face sequences → best frames as stills → (behind the gate) matches.

    video_process(video_id) -> "done" | "skipped" | "failed"

1. Claim the row (queued/processing → processing); a done or failed video is left alone.
2. Scan (unless a previous run finished it): stream the decoded frames, look at
   VIDEO_SAMPLE_FPS of them a second (VIDEO_SAMPLE_FPS_FACES while a face is on screen),
   detect face boxes (lawful everywhere), follow them into tracks (videos.pipeline.tracking,
   geometry only) and keep each track's best VIDEO_STILLS_PER_SEQUENCE frames
   (videos.pipeline.quality). Memory is bounded: one decoded frame at a time, plus each
   track's kept frames as JPEG bytes (encoded once per sampled frame that some track keeps);
   the boxes of a track are a few numbers per sample.
3. Replace the video's sequences, in one transaction: sequences, stills (faces.Image with one
   detector box, videos.services.stills) and SequenceFace rows, with frames_done set to
   frames_total — the mark that the scan is committed.
4. Embed the stills, join sequences of one person (videos.services.joining) and match each
   sequence as a set, only where the department allows recognition (videos.services.matching).
5. Mark the video done and queue its public rendition.

Idempotent and resumable: a run may be retried or run twice. The scan writes nothing but
progress until step 3, whose single transaction either leaves the old state or the new one;
stills are found again by their place in the video (stills.still_sha256), so a re-scan
reuses them instead of duplicating them. A run that died after step 3 resumes at step 4
(frames_done == frames_total), where stills already embedded are skipped and suggestions are
upserted. A run that died during the scan starts the scan again from the first frame: the
tracker's state is not worth checkpointing for videos the upload limits keep to minutes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from faces.models import Image
from faces.pipeline.detect import detect_faces
from videos.models import FaceSequence, SequenceFace, Video
from videos.pipeline.frames import SampleClock, VideoUnreadable, decoded_frames, stream_info
from videos.pipeline.quality import BestFrames, Candidate, face_quality
from videos.pipeline.tracking import Track, Tracker
from videos.services.matching import video_embed_and_match
from videos.services.stills import encode_jpeg, still_create

logger = logging.getLogger(__name__)


@dataclass
class ScannedSequence:
    track: Track
    best: list[Candidate]  # frames as JPEG bytes, best first


@dataclass
class Scan:
    frames: int = 0  # decoded
    samples: int = 0  # looked at
    width: int = 0
    height: int = 0
    sequences: list[ScannedSequence] = field(default_factory=list)


def _claim(video_id: int) -> bool:
    claimed = Video.objects.filter(pk=video_id, status__in=[Video.Status.QUEUED, Video.Status.PROCESSING]).update(
        status=Video.Status.PROCESSING, attempts=F("attempts") + 1, updated_at=timezone.now()
    )
    return claimed == 1


def video_fail(video_id: int, reason: str) -> None:
    Video.objects.filter(pk=video_id).update(
        status=Video.Status.FAILED, error=reason[:2000], processed_at=timezone.now(), updated_at=timezone.now()
    )


def _scanned(video: Video) -> bool:
    return video.frames_total > 0 and video.frames_done >= video.frames_total


def video_process(video_id: int) -> str:
    if not _claim(video_id):
        return "skipped"
    video = Video.objects.get(pk=video_id)
    if not _scanned(video):
        try:
            scan = video_scan(video)
        except VideoUnreadable as exc:
            video_fail(video_id, f"The stored video could not be decoded: {exc}")
            return "failed"
        if not sequences_replace(video, scan):
            return "gone"  # taken down while it was being scanned: nothing of it was written
    video_embed_and_match(video)
    Video.objects.filter(pk=video_id).update(
        status=Video.Status.DONE, error="", processed_at=timezone.now(), updated_at=timezone.now()
    )
    queue_render(video_id)
    return "done"


def queue_render(video_id: int) -> None:
    from videos.tasks import render_video_public

    try:
        render_video_public.delay(video_id)
    except Exception:
        # Broker down: the public page shows no video until the next re-render is queued.
        logger.exception("could not queue the public rendition of video %s", video_id)


def _planned_frames(video: Video) -> int:
    if video.fps > 0 and video.duration_seconds > 0:
        return max(1, round(video.fps * video.duration_seconds))
    with video.file.open("rb") as handle:
        return stream_info(handle).frames


def video_scan(video: Video, *, on_sample: Callable[[int, float], None] | None = None) -> Scan:
    """Stream the video once and return its face tracks with their best frames (no rows written)."""
    total = _planned_frames(video)
    Video.objects.filter(pk=video.pk).update(frames_total=total, frames_done=0, updated_at=timezone.now())
    every = max(1, settings.VIDEO_PROGRESS_EVERY_FRAMES)
    clock = SampleClock(settings.VIDEO_SAMPLE_FPS, settings.VIDEO_SAMPLE_FPS_FACES)
    tracker = Tracker(max_gap=settings.VIDEO_TRACK_MAX_GAP_SECONDS, min_iou=settings.VIDEO_TRACK_MIN_IOU)
    best: dict[int, BestFrames] = {}
    scan = Scan()
    with video.file.open("rb") as handle:
        for decoded in decoded_frames(handle):
            scan.frames = decoded.index + 1
            if decoded.index % every == 0 and decoded.index:
                # Below the total until step 3 commits: frames_done == frames_total means "scanned".
                Video.objects.filter(pk=video.pk).update(
                    frames_done=min(decoded.index, total - 1), updated_at=timezone.now()
                )
            if not clock.due(decoded.time, active=tracker.active()):
                continue
            rgb = decoded.rgb()
            scan.samples += 1
            scan.height, scan.width = rgb.shape[:2]
            found = detect_faces(
                rgb,
                model="hog",
                upsample=settings.VIDEO_DETECT_UPSAMPLE,
                max_side=settings.VIDEO_DETECT_MAX_SIDE,
            )
            keys, _ended = tracker.update(decoded.time, [(d.x, d.y, d.w, d.h) for d in found])
            jpeg: bytes | None = None
            for key, face in zip(keys, found, strict=True):
                box = (face.x, face.y, face.w, face.h)
                frames = best.setdefault(
                    key, BestFrames(settings.VIDEO_STILLS_PER_SEQUENCE, settings.VIDEO_STILL_MIN_SPACING_SECONDS)
                )
                candidate = Candidate(decoded.time, face_quality(rgb, box, face.score), box, face.score, None)
                if frames.offer(candidate):
                    # Kept frames are held as JPEG bytes (encoded once per frame, shared by its
                    # tracks), never as raw pixels: memory stays small even for 4K video.
                    jpeg = jpeg if jpeg is not None else encode_jpeg(rgb)
                    candidate.frame = jpeg
            if on_sample is not None:
                on_sample(decoded.index, decoded.time)
    tracker.finish()
    for track in tracker.tracks(settings.VIDEO_TRACK_MIN_DETECTIONS):
        scan.sequences.append(ScannedSequence(track, best[track.key].best()))
    return scan


def sequences_replace(video: Video, scan: Scan) -> bool:
    """Swap the video's sequences for the scan's, in one transaction (see the module's docstring).

    False, with nothing written, when the video was taken down meanwhile: the takedown locks the
    video row first, so either it waits for this transaction and removes these stills too, or
    it went first and no still file is stored here for a video that is gone.
    """
    with transaction.atomic():
        if Video.objects.select_for_update().filter(pk=video.pk).first() is None:
            return False
        old_images = set(
            Image.objects.filter(faces__video_still__sequence__video=video).values_list("pk", flat=True).distinct()
        )
        FaceSequence.objects.filter(video=video).delete()
        kept_images: set[int] = set()
        for number, scanned in enumerate(scan.sequences, start=1):
            track = scanned.track
            sequence = FaceSequence.objects.create(
                video=video,
                number=number,
                first_time=track.first_time,
                last_time=track.last_time,
                frame_count=len(track.times),
                track=track.as_rows(),
            )
            for candidate in scanned.best:
                face = still_create(
                    video=video,
                    sequence_number=number,
                    time=candidate.time,
                    jpeg=candidate.frame,
                    width=scan.width,
                    height=scan.height,
                    box=candidate.box,
                    score=candidate.score,
                )
                kept_images.add(face.image_id)
                SequenceFace.objects.create(
                    sequence=sequence, face=face, time=round(candidate.time, 3), quality=candidate.quality
                )
        # Stills of an earlier scan that this one did not keep (their files go with faces.signals).
        for image in Image.objects.filter(pk__in=old_images - kept_images):
            image.delete()
        Video.objects.filter(pk=video.pk).update(
            frames_total=scan.frames, frames_done=scan.frames, updated_at=timezone.now()
        )
    return True
