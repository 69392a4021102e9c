"""Judge an uploaded video by decoding it (PyAV, FFmpeg), never by its name or declared type.

Only two demuxers ever read untrusted bytes: QuickTime/MP4 and Matroska/WebM, chosen by the
file's first bytes and forced when opening, so FFmpeg's other demuxers (images, playlists,
network protocols...) never parse an upload; a JPEG renamed .mp4 is refused here. The video
codec must be one phones and cameras write (H.264, HEVC, VP8, VP9, AV1), its frame at most
VIDEO_MAX_WIDTH × VIDEO_MAX_HEIGHT either way round, its duration at most VIDEO_MAX_SECONDS,
and at least one frame must decode.

A truncated file is judged by what it holds: when its index comes first (as phones write it)
the frames present decode and it is accepted with the duration it really has (the sanitised
copy, videos.sanitize, holds exactly those packets; the processing stops at the first frame
that does not decode). When the index was lost, it cannot be opened and is refused.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import av
from django.conf import settings

from oversight.exceptions import DomainError
from videos.pipeline.frames import upright_size

logger = logging.getLogger(__name__)

# FFmpeg's demuxer names: the ones we open, by family.
MOV_FAMILY = "mov,mp4,m4a,3gp,3g2,mj2"
MATROSKA_FAMILY = "matroska,webm"
FORCED_DEMUXER = {MOV_FAMILY: "mov", MATROSKA_FAMILY: "matroska"}
VIDEO_CODECS = frozenset({"h264", "hevc", "vp8", "vp9", "av1"})
ACCEPTED = "MP4, MOV or WebM (H.264, HEVC, VP8, VP9 or AV1)"
# Packets read before giving up on a first decodable frame (a keyframe comes well before).
FIRST_FRAME_PACKETS = 300
# The first box types of a QuickTime/MP4 file (ISO 14496-12 and Apple's older files).
_MOV_BOXES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot", b"uuid"}
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"


class VideoRejected(DomainError):
    """An uploaded video we refuse; the message is for the person who sent it."""

    # Too big is 413, not a (supported) video 415, anything else about the file 400.
    HTTP_STATUS = {"too_large": 413, "too_long": 413, "too_many_pixels": 413, "not_a_video": 415, "unsupported": 415}
    field = "file"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code, status=self.HTTP_STATUS.get(code, 400))


@dataclass(frozen=True)
class ProbedVideo:
    family: str  # FFmpeg's demuxer family name (MOV_FAMILY or MATROSKA_FAMILY)
    container: str  # what it is stored as: "mp4", "mov", "webm" or "mkv"
    codec: str
    width: int
    height: int
    duration_seconds: float | None  # None: the file does not say (bounded while remuxing)
    fps: float
    has_audio: bool


@dataclass(frozen=True)
class VideoLimits:
    max_bytes: int
    max_seconds: int
    max_width: int
    max_height: int

    @classmethod
    def from_settings(cls) -> VideoLimits:
        return cls(
            max_bytes=settings.VIDEO_MAX_BYTES,
            max_seconds=settings.VIDEO_MAX_SECONDS,
            max_width=settings.VIDEO_MAX_WIDTH,
            max_height=settings.VIDEO_MAX_HEIGHT,
        )

    def fits(self, width: int, height: int) -> bool:
        """Landscape or portrait: a phone held upright films 2160×3840."""
        small, large = sorted((width, height))
        return small <= min(self.max_width, self.max_height) and large <= max(self.max_width, self.max_height)

    def size_message(self) -> str:
        return f"This video is larger than the {self.max_bytes // (1024 * 1024)} MB limit."

    def duration_message(self) -> str:
        minutes, seconds = divmod(self.max_seconds, 60)
        limit = f"{minutes} minutes" if not seconds else f"{self.max_seconds} seconds"
        return f"This video is longer than the {limit} limit. Please trim it and upload the part that matters."


def family_of(head: bytes) -> str | None:
    """The demuxer family the file's first bytes announce, or None (then it is refused)."""
    if head.startswith(_EBML_MAGIC):
        return MATROSKA_FAMILY
    if len(head) >= 8 and head[4:8] in _MOV_BOXES:
        return MOV_FAMILY
    return None


def open_input(path: Path, family: str) -> av.container.InputContainer:
    # metadata_errors="ignore": a tag in a bad encoding must not refuse a good video; we
    # never keep tags anyway.
    return av.open(str(path), mode="r", format=FORCED_DEMUXER[family], metadata_errors="ignore")


def _duration(container: av.container.InputContainer, stream: av.VideoStream) -> float | None:
    if container.duration and container.duration > 0:
        return container.duration / av.time_base
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None


def _fps(stream: av.VideoStream) -> float:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    value = float(rate) if rate else 0.0
    return value if math.isfinite(value) and 0 < value <= 1000 else 0.0


def _container_name(family: str, major_brand: str, codec: str) -> str:
    if family == MATROSKA_FAMILY:
        return "webm" if codec in ("vp8", "vp9", "av1") else "mkv"
    return "mov" if major_brand.strip() == "qt" else "mp4"


def _first_frame(
    container: av.container.InputContainer, stream: av.VideoStream, limits: VideoLimits
) -> tuple[int, int]:
    """Decode until one frame comes out; check its real size (the header may lie) and return it
    upright, (width, height), as its display matrix turns it (a phone's portrait video)."""
    stream.codec_context.thread_count = 1  # one frame: no decoder threads to start
    packets = 0
    for packet in container.demux(stream):
        packets += 1
        if packets > FIRST_FRAME_PACKETS:
            break
        try:
            frames = packet.decode()
        except av.FFmpegError:
            continue  # a damaged packet: the next keyframe may decode
        for frame in frames:
            if not limits.fits(frame.width, frame.height):
                raise VideoRejected("too_many_pixels", _pixels_message(frame.width, frame.height, limits))
            return upright_size(frame)
    raise VideoRejected("no_frames", "No frame of this video could be decoded; it is empty or damaged.")


def _pixels_message(width: int, height: int, limits: VideoLimits) -> str:
    return (
        f"This video is {width}×{height} pixels; the limit is {limits.max_width}×{limits.max_height} "
        "(or the same upright)."
    )


def probe_video(path: Path, *, limits: VideoLimits | None = None) -> ProbedVideo:
    """Open, check and decode the first frame of a video on disk; VideoRejected otherwise."""
    limits = limits or VideoLimits.from_settings()
    size = path.stat().st_size
    if size == 0:
        raise VideoRejected("empty", "This file is empty.")
    if size > limits.max_bytes:
        raise VideoRejected("too_large", limits.size_message())
    with open(path, "rb") as handle:
        family = family_of(handle.read(16))
    if family is None:
        raise VideoRejected("not_a_video", f"This file is not a video we accept. Upload {ACCEPTED}.")
    try:
        with open_input(path, family) as container:
            if container.format.name not in (family, FORCED_DEMUXER[family]):
                raise VideoRejected("not_a_video", f"This file is not a video we accept. Upload {ACCEPTED}.")
            if not container.streams.video:
                raise VideoRejected("no_video", "This file has no video in it.")
            stream = container.streams.video[0]
            codec = stream.codec_context.name
            if codec not in VIDEO_CODECS:
                raise VideoRejected(
                    "unsupported", f"This video's format ({codec}) is not supported. Upload {ACCEPTED}."
                )
            width, height = stream.codec_context.width, stream.codec_context.height
            if width <= 0 or height <= 0:
                raise VideoRejected("damaged", "This video's frame size cannot be read; the file is damaged.")
            if not limits.fits(width, height):
                raise VideoRejected("too_many_pixels", _pixels_message(width, height, limits))
            duration = _duration(container, stream)
            if duration is not None and duration > limits.max_seconds:
                raise VideoRejected("too_long", limits.duration_message())
            brand = str(container.metadata.get("major_brand", ""))
            fps, has_audio = _fps(stream), bool(container.streams.audio)
            # The size stored is the upright one: the tracks, stills and rendition are upright.
            width, height = _first_frame(container, stream, limits)
            probed = ProbedVideo(
                family=family,
                container=_container_name(family, brand, codec),
                codec=codec,
                width=width,
                height=height,
                duration_seconds=duration,
                fps=fps,
                has_audio=has_audio,
            )
    except VideoRejected:
        raise
    except (av.FFmpegError, UnicodeDecodeError, ValueError, IndexError, OverflowError, MemoryError) as exc:
        logger.info("video refused while decoding: %r", exc)
        raise VideoRejected("damaged", "This video could not be read; it is damaged or incomplete.") from exc
    return probed
