"""Frames of a stored video, streamed: decoded one at a time, never the whole video in memory.

PyAV (FFmpeg) decodes; the caller decides which frames to look at (`SampleClock`), and only
those are converted to RGB arrays, the costly step after decoding itself.

Phones store portrait video as landscape pictures plus a display matrix saying how to turn
them. FFmpeg hands that matrix to every decoded frame (`VideoFrame.rotation`), and `upright`
applies it, so detection, tracks, stills and the public rendition all see (and store boxes
in) the picture as it is meant to be watched. Only quarter turns are honoured; a mirrored
matrix (rare: some front cameras) is shown as turned but not flipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import numpy as np


class VideoUnreadable(Exception):
    """FFmpeg could not open or decode the stored video."""


@dataclass(frozen=True)
class DecodedFrame:
    index: int  # decoded frames before this one
    time: float  # seconds from the first frame
    frame: Any  # av.VideoFrame: converted to RGB only if sampled (`rgb`)

    def rgb(self) -> np.ndarray:
        return upright(self.frame)


def quarter_turns(frame: Any) -> int:
    """Counter-clockwise quarter turns that show `frame` upright (its display matrix), 0..3."""
    try:
        degrees = float(getattr(frame, "rotation", 0) or 0)
    except (TypeError, ValueError):
        return 0
    return round(degrees / 90) % 4


def upright(frame: Any) -> np.ndarray:
    """The frame as RGB, turned as its display matrix says (a phone's portrait video stands up)."""
    rgb = frame.to_ndarray(format="rgb24")
    turns = quarter_turns(frame)
    return np.ascontiguousarray(np.rot90(rgb, turns) if turns else rgb)


def upright_size(frame: Any) -> tuple[int, int]:
    """(width, height) of the frame once turned upright."""
    if quarter_turns(frame) % 2:
        return frame.height, frame.width
    return frame.width, frame.height


@dataclass(frozen=True)
class StreamInfo:
    width: int
    height: int
    fps: float
    duration: float
    frames: int  # the container's count, or duration x fps when it does not say
    # width and height are the coded picture's, from the header: a phone's portrait video is
    # turned only when decoded (`upright`); the probe stores the upright size (videos.validation).


def stream_info(source: str | IO[bytes]) -> StreamInfo:
    """The first video stream's size, rate and length, from the container's header."""
    import av

    try:
        with av.open(source, "r") as container:
            return _info(container)
    except (av.FFmpegError, IndexError, ValueError) as exc:
        raise VideoUnreadable(str(exc)) from exc


def _info(container: Any) -> StreamInfo:
    stream = container.streams.video[0]
    fps = float(stream.average_rate or stream.guessed_rate or 25)
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    else:
        duration = float(container.duration or 0) / 1_000_000
    frames = int(stream.frames or 0) or max(1, round(duration * fps))
    return StreamInfo(stream.codec_context.width, stream.codec_context.height, fps, duration, frames)


def decoded_frames(source: str | IO[bytes]) -> Iterator[DecodedFrame]:
    """Every frame of the first video stream, in presentation order, one at a time."""
    import av

    try:
        with av.open(source, "r") as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"  # frame threads: decoding keeps pace with detection
            first: float | None = None
            for index, frame in enumerate(container.decode(stream)):
                at = float(frame.time) if frame.time is not None else index / float(stream.average_rate or 25)
                first = at if first is None else first
                yield DecodedFrame(index, max(0.0, at - first), frame)
    except (av.FFmpegError, IndexError) as exc:
        raise VideoUnreadable(str(exc)) from exc


class SampleClock:
    """Which decoded frames to look at: `base_fps` a second, `active_fps` while faces are on screen.

    Sampling by timestamp (not every n-th frame) keeps the rate right for variable-frame-rate
    phone videos.
    """

    def __init__(self, base_fps: float, active_fps: float) -> None:
        if base_fps <= 0 or active_fps <= 0:
            raise ValueError("sampling rates must be positive")
        self.base = 1.0 / base_fps
        self.active = 1.0 / max(active_fps, base_fps)
        self._next: float | None = None

    def due(self, time: float, *, active: bool) -> bool:
        interval = self.active if active else self.base
        if self._next is not None and time < self._next - 1e-6:
            return False
        # On a grid from the last sample, so the rate holds whatever the frame rate; a frame
        # that came late (gaps in variable-rate video) restarts the grid from itself.
        due_at = time if self._next is None else self._next
        self._next = due_at + interval if time - due_at < interval else time + interval
        return True
