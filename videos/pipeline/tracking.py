"""Following face boxes across sampled frames: geometry only (box overlap and motion).

No descriptor, landmark or anything else about whose face it is takes part, so the same
tracker runs for every department. Each track predicts where its face will be at the next
sample (constant velocity of the box's centre and size, from its last two detections); new
detections are matched to predictions greedily, best overlap first. A track that has not
been matched for `max_gap` seconds ends; a new detection starts a new track. (Where the
department allows recognition, videos.services.joining later joins a person's tracks by
descriptor; nothing here.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

Box = tuple[int, int, int, int]  # x, y, w, h in video pixels


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


def centre_distance(a: Sequence[float], b: Sequence[float]) -> float:
    """Distance between the boxes' centres, in units of the larger box's width."""
    dx = (a[0] + a[2] / 2) - (b[0] + b[2] / 2)
    dy = (a[1] + a[3] / 2) - (b[1] + b[3] / 2)
    return float((dx * dx + dy * dy) ** 0.5 / max(a[2], b[2], 1))


@dataclass
class Track:
    key: int  # order of creation within one run
    times: list[float] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)

    @property
    def first_time(self) -> float:
        return self.times[0]

    @property
    def last_time(self) -> float:
        return self.times[-1]

    def predict(self, time: float) -> tuple[float, float, float, float]:
        """Where the box should be at `time`, moving as it did between its last two detections."""
        x, y, w, h = self.boxes[-1]
        if len(self.boxes) < 2 or self.times[-1] <= self.times[-2]:
            return float(x), float(y), float(w), float(h)
        px, py, pw, ph = self.boxes[-2]
        share = (time - self.times[-1]) / (self.times[-1] - self.times[-2])
        share = min(share, 3.0)  # extrapolate a short way only: a stopped face must still match
        cx, cy = x + w / 2, y + h / 2
        pcx, pcy = px + pw / 2, py + ph / 2
        nw, nh = max(1.0, w + (w - pw) * share), max(1.0, h + (h - ph) * share)
        ncx, ncy = cx + (cx - pcx) * share, cy + (cy - pcy) * share
        return ncx - nw / 2, ncy - nh / 2, nw, nh

    def as_rows(self) -> list[list[float]]:
        """[[t, x, y, w, h], ...], as FaceSequence.track stores it."""
        return [[round(t, 3), *box] for t, box in zip(self.times, self.boxes, strict=True)]


class Tracker:
    """Associates each sampled frame's detections with the tracks still open.

    `update` returns, for each detection, the key of the track it joined (or started).
    `min_iou` is the least overlap between a prediction and a detection to match; below it, a
    detection whose centre lies within `max_centre_distance` box widths of the prediction
    still matches (fast motion between sparse samples), at a lower priority.
    """

    def __init__(self, *, max_gap: float = 1.0, min_iou: float = 0.2, max_centre_distance: float = 0.5) -> None:
        self.max_gap = max_gap
        self.min_iou = min_iou
        self.max_centre_distance = max_centre_distance
        self.open: list[Track] = []
        self.closed: list[Track] = []
        self._keys = 0

    def active(self) -> bool:
        return bool(self.open)

    def update(self, time: float, boxes: Sequence[Box]) -> tuple[list[int], list[Track]]:
        """Match `boxes` seen at `time`; returns their track keys and the tracks that just ended."""
        ended = [t for t in self.open if time - t.last_time > self.max_gap]
        self.open = [t for t in self.open if time - t.last_time <= self.max_gap]
        self.closed.extend(ended)
        pairs = []
        for ti, track in enumerate(self.open):
            predicted = track.predict(time)
            for di, box in enumerate(boxes):
                overlap = iou(predicted, box)
                if overlap >= self.min_iou:
                    pairs.append((1.0 + overlap, ti, di))
                else:
                    distance = centre_distance(predicted, box)
                    if distance <= self.max_centre_distance:
                        pairs.append((1.0 - distance, ti, di))
        pairs.sort(key=lambda p: -p[0])
        taken_tracks: set[int] = set()
        keys: list[int | None] = [None] * len(boxes)
        for _score, ti, di in pairs:
            if ti in taken_tracks or keys[di] is not None:
                continue
            taken_tracks.add(ti)
            track = self.open[ti]
            track.times.append(time)
            track.boxes.append(tuple(boxes[di]))  # type: ignore[arg-type]
            keys[di] = track.key
        for di, box in enumerate(boxes):
            if keys[di] is None:
                track = Track(self._keys, [time], [tuple(box)])  # type: ignore[list-item]
                self._keys += 1
                self.open.append(track)
                keys[di] = track.key
        return [k for k in keys if k is not None], ended

    def finish(self) -> list[Track]:
        """Close every track; returns the ones that just ended."""
        ended, self.open = self.open, []
        self.closed.extend(ended)
        return ended

    def tracks(self, min_detections: int = 1) -> list[Track]:
        """All tracks with at least `min_detections`, in order of first appearance."""
        kept = [t for t in self.closed + self.open if len(t.times) >= min_detections]
        return sorted(kept, key=lambda t: (t.first_time, t.key))
