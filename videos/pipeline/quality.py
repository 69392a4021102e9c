"""Which frames of a face sequence to keep as stills: big, sharp, frontal, confidently detected.

Nothing here is biometric: size and sharpness are pixels of the box, and the "frontal"
proxy is the score of dlib's HOG detector, whose model is of frontal faces (a turned face
scores lower or is not found). No landmark is computed, for any department.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

# Face width (video pixels) at which size stops mattering: enough for a good descriptor.
FULL_SIZE_PX = 160
# Variance of the Laplacian (on a 96 px crop) at which a face counts as half sharp.
HALF_SHARPNESS = 60.0
CROP_SIDE = 96


def sharpness(rgb: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Variance of the Laplacian of the face crop, scaled to a fixed size (comparable across sizes)."""
    x, y, w, h = box
    crop = rgb[max(0, y) : y + h, max(0, x) : x + w]
    if crop.size == 0:
        return 0.0
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    gray = cv2.resize(gray, (CROP_SIDE, CROP_SIDE), interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def face_quality(rgb: np.ndarray, box: tuple[int, int, int, int], score: float | None) -> float:
    """0..1: the product of size, detector score (frontal), and sharpness terms."""
    size = min(1.0, min(box[2], box[3]) / FULL_SIZE_PX)
    # HOG scores are SVM margins, about -0.5 (doubtful) to 2.5+ (clear, frontal).
    detector = 0.5 if score is None else float(np.clip((score + 0.5) / 3.0, 0.05, 1.0))
    sharp = sharpness(rgb, box)
    return size * detector * (sharp / (sharp + HALF_SHARPNESS))


@dataclass
class Candidate:
    time: float
    quality: float
    box: tuple[int, int, int, int]
    score: float | None
    frame: Any  # the full frame as JPEG bytes, once kept (videos.services.processing)


class BestFrames:
    """The best `keep` frames of one track so far, at least `min_spacing` seconds apart.

    Bounded: a frame enters only by displacing a worse one, so a track never holds more
    than `keep` frames however long it runs.
    """

    def __init__(self, keep: int = 3, min_spacing: float = 0.5) -> None:
        self.keep = keep
        self.min_spacing = min_spacing
        self.items: list[Candidate] = []

    def offer(self, candidate: Candidate) -> bool:
        near = [c for c in self.items if abs(c.time - candidate.time) < self.min_spacing]
        if near:
            # Too close in time to a kept frame: it replaces that frame (or those) only if better.
            if candidate.quality <= max(c.quality for c in near):
                return False
            self.items = [c for c in self.items if c not in near]
        elif len(self.items) >= self.keep:
            worst = min(self.items, key=lambda c: c.quality)
            if candidate.quality <= worst.quality:
                return False
            self.items.remove(worst)
        self.items.append(candidate)
        self.items.sort(key=lambda c: c.time)
        return True

    def best(self) -> list[Candidate]:
        return sorted(self.items, key=lambda c: -c.quality)
