"""The public rendition of a video: every face not identified as an officer blurred along its track.

    video_render_public(video_id) -> "rendered" | "current" | "not ready"

The original stays private to volunteers. The rendition is decoded and re-encoded with the same
library (PyAV), one frame at a time, into an H.264 (yuv420p) MP4 with its index at the front
(+faststart), without audio (voices identify people too) and with nothing of the original's
container metadata; a phone's portrait video is turned upright (its display matrix applied to
the pixels, as processing saw them); a poster JPEG is cut from it. Blurring follows tracks, not single frames:
each sequence's box is interpolated between its samples and held VIDEO_BLUR_HOLD_SECONDS before
its first and after its last, so a face is covered on the frames between detections too.

The file name carries a key of everything that decides the pixels (the video, and every blurred
track), so a re-render after an identity changed (videos.tasks.render_video_public, queued by
review) replaces it, and an unchanged one is not re-encoded.
"""

from __future__ import annotations

import bisect
import hashlib
import io
import logging
import tempfile
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image as PILImage

from faces.storage import delete_quietly
from videos.models import Video
from videos.pipeline.frames import VideoUnreadable, upright, upright_size
from videos.selectors import sequence_shown, video_sequences

logger = logging.getLogger(__name__)

# Share of the box added on each side: hair, ears and jaw identify too (as faces.renditions).
BLUR_MARGIN = 0.3
POSTER_AT_SECONDS = 1.0


class TrackBlur:
    """Where one track's face is at any time: interpolated between samples, held at its ends."""

    def __init__(self, rows: Sequence[Sequence[float]], hold: float, max_gap: float | None = None) -> None:
        ordered = sorted(rows, key=lambda r: r[0])
        self.times = [float(r[0]) for r in ordered]
        self.boxes = [tuple(float(v) for v in r[1:5]) for r in ordered]
        self.hold = hold
        # Samples further apart than the tracker's gap are two sequences joined by descriptor
        # (videos.services.joining): each part is held at its ends, as if unjoined, not slid across.
        self.max_gap = max_gap

    def box_at(self, t: float) -> tuple[float, float, float, float] | None:
        if not self.times or t < self.times[0] - self.hold or t > self.times[-1] + self.hold:
            return None
        i = bisect.bisect_right(self.times, t)
        if i == 0:
            return self.boxes[0]  # type: ignore[return-value]
        if i == len(self.times):
            return self.boxes[-1]  # type: ignore[return-value]
        t0, t1 = self.times[i - 1], self.times[i]
        if self.max_gap is not None and t1 - t0 > self.max_gap:
            if t - t0 <= self.hold:
                return self.boxes[i - 1]  # type: ignore[return-value]
            return self.boxes[i] if t1 - t <= self.hold else None  # type: ignore[return-value]
        share = (t - t0) / (t1 - t0) if t1 > t0 else 0.0
        a, b = self.boxes[i - 1], self.boxes[i]
        return tuple(a[k] + (b[k] - a[k]) * share for k in range(4))  # type: ignore[return-value]


def blur_box(rgb: np.ndarray, box: Sequence[float], margin: float = BLUR_MARGIN) -> None:
    """Pixelate then blur the padded box in place (pixelation destroys detail, blur its edges)."""
    x, y, w, h = box
    height, width = rgb.shape[:2]
    left, top = max(0, int(x - w * margin)), max(0, int(y - h * margin))
    right, bottom = min(width, int(x + w * (1 + margin)) + 1), min(height, int(y + h * (1 + margin)) + 1)
    if right - left < 2 or bottom - top < 2:
        return
    region = rgb[top:bottom, left:right]
    rw, rh = right - left, bottom - top
    small = cv2.resize(region, (8, max(1, round(8 * rh / rw))), interpolation=cv2.INTER_AREA)
    # The blur runs at a quarter of the size (a large kernel on every frame of a video is the
    # rendition's main cost), then is scaled up smoothly.
    qw, qh = max(1, rw // 4), max(1, rh // 4)
    coarse = cv2.resize(small, (qw, qh), interpolation=cv2.INTER_NEAREST)
    blurred = cv2.GaussianBlur(coarse, (0, 0), max(1.0, max(qw, qh) / 12))
    rgb[top:bottom, left:right] = cv2.resize(blurred, (rw, rh), interpolation=cv2.INTER_LINEAR)


def blurred_tracks(video: Video) -> list[list[list[float]]]:
    """The tracks the public must not see: every sequence not shown (videos.selectors.sequence_shown:
    each of its stills identified as the sequence's officer, the photos' rule)."""
    return [
        sequence.track
        for sequence in video_sequences(video)
        if not sequence_shown(sequence, [still.face for still in sequence.all_stills])  # type: ignore[attr-defined]
    ]


def rendition_key(video: Video, tracks: list[list[list[float]]]) -> str:
    payload = f"v2|{video.sha256}|{settings.VIDEO_BLUR_HOLD_SECONDS}|{tracks}"  # v2: upright
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def render(source, target: Path, tracks: list[list[list[float]]], *, hold: float, crf: int) -> bytes:
    """Decode `source`, blur the tracks, encode to `target`; returns the poster JPEG's bytes."""
    import av

    blurs = [TrackBlur(rows, hold, settings.VIDEO_TRACK_MAX_GAP_SECONDS) for rows in tracks if rows]
    poster: np.ndarray | None = None
    try:
        with (
            av.open(source, "r") as inp,
            av.open(str(target), "w", format="mp4", options={"movflags": "+faststart"}) as out,
        ):
            in_stream = inp.streams.video[0]
            in_stream.thread_type = "AUTO"
            rate = Fraction(in_stream.average_rate or 25).limit_denominator(1001)
            out_stream = out.add_stream("libx264", rate=rate)
            out_stream.pix_fmt = "yuv420p"
            out_stream.options = {"crf": str(crf), "preset": "veryfast"}
            first: float | None = None
            width = height = 0
            for index, frame in enumerate(inp.decode(in_stream)):
                at = float(frame.time) if frame.time is not None else index / float(rate)
                if first is None:
                    first = at
                    # Upright (a phone's display matrix applied, as the tracks were found), and
                    # written with no matrix of its own. yuv420p needs even sides: the last odd
                    # row or column is dropped.
                    upright_width, upright_height = upright_size(frame)
                    width, height = upright_width // 2 * 2, upright_height // 2 * 2
                    out_stream.width, out_stream.height = width, height
                t = at - first
                rgb = np.ascontiguousarray(upright(frame)[:height, :width])
                for blur in blurs:
                    box = blur.box_at(t)
                    if box is not None:
                        blur_box(rgb, box)
                if poster is None or t <= POSTER_AT_SECONDS:
                    poster = rgb  # the last frame before POSTER_AT_SECONDS (or the first)
                new = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                new.pts = index
                new.time_base = 1 / rate
                for packet in out_stream.encode(new):
                    out.mux(packet)
            for packet in out_stream.encode():
                out.mux(packet)
    except (av.FFmpegError, IndexError) as exc:
        raise VideoUnreadable(str(exc)) from exc
    if poster is None:
        raise VideoUnreadable("the video has no frames")
    buffer = io.BytesIO()
    PILImage.fromarray(poster).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def video_render_public(video_id: int) -> str:
    """Build (or keep) the public rendition and poster of a processed video."""
    video = Video.objects.filter(pk=video_id).first()
    if video is None or video.status != Video.Status.DONE:
        return "not ready"  # until its faces are known, no public rendition exists at all
    tracks = blurred_tracks(video)
    key = rendition_key(video, tracks)
    name = f"videos/public/{video.sha256[:2]}/{video.pk}-{key}"
    if video.public_file.name == f"{name}.mp4" and video.poster.name == f"{name}.jpg":
        return "current"
    with tempfile.TemporaryDirectory(prefix="oversight-video-") as folder:
        target = Path(folder) / "public.mp4"
        with video.file.open("rb") as handle:
            poster = render(
                handle, target, tracks, hold=settings.VIDEO_BLUR_HOLD_SECONDS, crf=settings.VIDEO_PUBLIC_CRF
            )
        with target.open("rb") as handle:
            stored = default_storage.save(f"{name}.mp4", File(handle))
    stored_poster = default_storage.save(f"{name}.jpg", ContentFile(poster))
    old = [video.public_file.name, video.poster.name]
    with transaction.atomic():
        # Only if nothing changed meanwhile: neither the file (a newer render wins, or it was
        # hidden) nor what is blurred (an identity changed while we encoded; the render queued
        # for that change writes the right one). Else ours is the stale one.
        Video.objects.select_for_update().filter(pk=video.pk).first()
        updated = 0
        if rendition_key(video, blurred_tracks(video)) == key:
            updated = Video.objects.filter(pk=video.pk, public_file=video.public_file.name or "").update(
                public_file=stored, poster=stored_poster
            )
    if not updated:
        delete_quietly(stored)
        delete_quietly(stored_poster)
        return "superseded"
    for old_name in old:
        if old_name and old_name not in (stored, stored_poster):
            delete_quietly(old_name)
    return "rendered"


def video_rendition_hide(video_id: int) -> None:
    """Take the public rendition and poster down at once (a face shown in it must now be blurred).

    Unconditional: a render finishing later compares its file name with the row's and its key
    with what is blurred now, so it cannot put a stale one back.
    """
    names = list(Video.objects.filter(pk=video_id).values_list("public_file", "poster").first() or ())
    Video.objects.filter(pk=video_id).update(public_file="", poster="")
    for name in names:
        if name:
            delete_quietly(name)


class _RenderAfterCommit:
    """The on-commit callback of video_rendition_invalidate: one per video per transaction."""

    def __init__(self, video_id: int, *, hide: bool) -> None:
        self.video_id = video_id
        self.hide = hide
        self.ran = False  # a ran callback is never joined (tests run callbacks inside one transaction)

    def __call__(self) -> None:
        from videos.tasks import render_video_public  # here: the tasks module loads the whole video pipeline

        self.ran = True
        if self.hide:
            video_rendition_hide(self.video_id)  # before the render is queued: it may run at once
        try:
            render_video_public.delay(self.video_id)
        except Exception:
            # Broker down: the decision stands (committed); the video waits for the next render.
            logger.exception("could not queue the public rendition of video %s", self.video_id)


def video_rendition_invalidate(video_id: int, *, hide: bool = False) -> None:
    """After the current transaction commits: re-render the public video, hiding it first if `hide`.

    Called whenever what is blurred may change (a still's identity written or undone, a
    sequence decided). The re-render is asynchronous (minutes for a long video), so a change
    that blurs a face shown until now (`hide`) takes the old rendition down eagerly, like
    faces.renditions.rendition_invalidate for a photo; a change that un-blurs one leaves the
    over-blurred rendition up until the new one replaces it. Many stills of one video decided
    in one transaction queue one render.
    """
    for entry in transaction.get_connection().run_on_commit:
        callback = entry[1]
        if isinstance(callback, _RenderAfterCommit) and callback.video_id == video_id and not callback.ran:
            callback.hide = callback.hide or hide
            return
    transaction.on_commit(_RenderAfterCommit(video_id, hide=hide))
