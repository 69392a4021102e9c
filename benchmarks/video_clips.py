"""Clips with moving faces cut from labelled photos, and the truth of where each face is.

Used by `benchmarks.video` and the video pipeline's tests. Each actor is the head of one
photo in tests/data/faces (its face box found once by the project's detector, with a margin
for hair and jaw), pasted on a still background and moved and scaled linearly while it is on
screen. The truth per frame is every visible actor's identity and face box in video pixels.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

FACES = Path(__file__).resolve().parent.parent / "tests" / "data" / "faces"
# Share of the face box added on each side of the pasted patch (a head, not a face cut-out).
HEAD_MARGIN = 0.45

Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Actor:
    """One person on screen from `start` to `end` seconds, moving and growing linearly.

    Positions are the face box centre as fractions of the frame; `size0`/`size1` the face
    box width in pixels at the start and the end.
    """

    photo: str
    identity: str
    start: float
    end: float
    from_xy: tuple[float, float]
    to_xy: tuple[float, float]
    size0: int
    size1: int


@dataclass(frozen=True)
class Truth:
    """Who is where in one frame."""

    time: float
    faces: tuple[tuple[str, Box], ...]


@functools.cache
def _head(photo: str) -> tuple[np.ndarray, Box]:
    """The photo cropped to the head, and the face box inside that crop."""
    from faces.pipeline.decode import load_rgb
    from faces.pipeline.detect import detect_faces

    rgb = load_rgb((FACES / photo).read_bytes(), max_pixels=50_000_000)
    found = detect_faces(rgb, upsample=1, max_side=1600)
    if not found:
        raise ValueError(f"no face found in {photo}")
    face = max(found, key=lambda d: d.w * d.h)
    mx, my = round(face.w * HEAD_MARGIN), round(face.h * HEAD_MARGIN)
    left, top = max(0, face.x - mx), max(0, face.y - my)
    right, bottom = min(rgb.shape[1], face.x + face.w + mx), min(rgb.shape[0], face.y + face.h + my)
    return np.ascontiguousarray(rgb[top:bottom, left:right]), (face.x - left, face.y - top, face.w, face.h)


def background(width: int, height: int, seed: int = 7) -> np.ndarray:
    """A still, textured background (flat colour would make the encoder's job unrealistically easy)."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:height, 0:width]
    base = np.stack([90 + 60 * xs / width, 110 + 50 * ys / height, 140 - 40 * xs / width], axis=-1)
    noise = cv2.GaussianBlur(rng.normal(0, 18, (height, width, 3)), (0, 0), 3)
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def render_frame(canvas: np.ndarray, actors: Sequence[Actor], t: float) -> tuple[np.ndarray, Truth]:
    """The frame at time `t`: the actors on screen pasted on a copy of `canvas`."""
    frame = canvas.copy()
    height, width = frame.shape[:2]
    faces: list[tuple[str, Box]] = []
    for actor in actors:
        if not actor.start <= t <= actor.end:
            continue
        share = (t - actor.start) / max(actor.end - actor.start, 1e-6)
        cx = (actor.from_xy[0] + (actor.to_xy[0] - actor.from_xy[0]) * share) * width
        cy = (actor.from_xy[1] + (actor.to_xy[1] - actor.from_xy[1]) * share) * height
        size = actor.size0 + (actor.size1 - actor.size0) * share
        head, (fx, fy, fw, fh) = _head(actor.photo)
        scale = size / fw
        patch = cv2.resize(head, (max(1, round(head.shape[1] * scale)), max(1, round(head.shape[0] * scale))))
        left = round(cx - (fx + fw / 2) * scale)
        top = round(cy - (fy + fh / 2) * scale)
        x0, y0 = max(0, left), max(0, top)
        x1, y1 = min(width, left + patch.shape[1]), min(height, top + patch.shape[0])
        if x1 <= x0 or y1 <= y0:
            continue
        frame[y0:y1, x0:x1] = patch[y0 - top : y1 - top, x0 - left : x1 - left]
        box = (round(left + fx * scale), round(top + fy * scale), round(fw * scale), round(fh * scale))
        # A face mostly covered by a head pasted after it is not visible: not in the truth.
        faces = [(who, b) for who, b in faces if _covered(b, (x0, y0, x1 - x0, y1 - y0)) < 0.5]
        faces.append((actor.identity, box))
    return frame, Truth(t, tuple(faces))


def _covered(box: Box, patch: Box) -> float:
    """The share of `box` inside `patch`."""
    ix = max(0, min(box[0] + box[2], patch[0] + patch[2]) - max(box[0], patch[0]))
    iy = max(0, min(box[1] + box[3], patch[1] + patch[3]) - max(box[1], patch[1]))
    return ix * iy / max(1, box[2] * box[3])


def write_clip(
    path: Path,
    actors: Sequence[Actor],
    *,
    seconds: float,
    width: int = 1280,
    height: int = 720,
    fps: int = 25,
) -> list[Truth]:
    """Encode the clip as H.264 MP4 at `path`; returns the truth of every frame."""
    import av

    canvas = background(width, height)
    truths = []
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "23"}
        for index in range(round(seconds * fps)):
            frame, truth = render_frame(canvas, actors, index / fps)
            truths.append(truth)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return truths


def two_people(seconds: float = 4.0) -> list[Actor]:
    """Two people crossing the frame in opposite directions at different distances, growing."""
    return [
        Actor("obama_1.jpg", "obama", 0.0, seconds, (0.2, 0.45), (0.42, 0.5), 110, 170),
        Actor("biden_2.jpg", "biden", 0.0, seconds, (0.8, 0.5), (0.62, 0.45), 150, 110),
    ]


def crowd(seconds: float = 60.0) -> list[Actor]:
    """Several people entering, crossing and leaving over `seconds` (the benchmark's clip)."""
    # The second photo of each person: benchmarks.env.build_gallery puts the first in the gallery.
    people = [
        ("obama_2.jpg", "obama"),
        ("biden_2.jpg", "biden"),
        ("kit_harington_2.jpg", "kit_harington"),
        ("rose_leslie_2.jpg", "rose_leslie"),
        ("alex_lacamoire_2.jpg", "alex_lacamoire"),
        ("lin_manuel_miranda.png", "lin_manuel_miranda"),  # no other photo: a bystander
    ]
    actors = []
    rng = np.random.default_rng(3)
    span = seconds / 3
    step = (seconds - span) / max(len(people) - 1, 1)
    for i, (photo, identity) in enumerate(people):
        # Staggered entrances, each on screen for a third of the clip: at most three at once,
        # always in three different lanes, so heads never cover each other.
        start = step * i
        lane = (0.2, 0.5, 0.8)[i % 3]
        y0, y1 = (0.3, 0.7) if i % 2 == 0 else (0.7, 0.3)
        jitter = float(rng.uniform(-0.04, 0.04))
        size0, size1 = (110, 160) if i % 2 == 0 else (160, 120)
        actors.append(
            Actor(photo, identity, start, start + span, (lane + jitter, y0), (lane - jitter, y1), size0, size1)
        )
    return actors


def crossing(seconds: float = 20.0) -> list[Actor]:
    """Three people whose paths cross: one walks in front of the others, hiding them for a moment."""
    return [
        Actor("obama_2.jpg", "obama", 0.0, seconds, (0.1, 0.5), (0.9, 0.5), 130, 130),
        Actor("biden_2.jpg", "biden", 0.0, seconds, (0.9, 0.45), (0.1, 0.55), 120, 140),
        Actor("kit_harington_2.jpg", "kit_harington", seconds / 4, seconds, (0.5, 0.2), (0.5, 0.8), 110, 150),
    ]
