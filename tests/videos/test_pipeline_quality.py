"""Choosing a sequence's best frames: big, sharp, confidently detected, spread in time, bounded."""

from __future__ import annotations

import cv2
import numpy as np

from faces.pipeline.decode import load_rgb
from tests.conftest import photo
from videos.pipeline.quality import BestFrames, Candidate, face_quality, sharpness

OBAMA_BOX = (366, 136, 259, 259)  # where the detector finds the face in obama_1.jpg


def candidate(time: float, quality: float) -> Candidate:
    return Candidate(time, quality, (0, 0, 10, 10), 1.0, None)


def test_a_blurred_face_is_less_sharp_and_scores_lower_than_the_same_face_sharp():
    rgb = load_rgb(photo("obama_1.jpg"), max_pixels=50_000_000)
    blurred = cv2.GaussianBlur(rgb, (0, 0), 6)
    assert sharpness(blurred, OBAMA_BOX) < sharpness(rgb, OBAMA_BOX) / 4
    assert face_quality(blurred, OBAMA_BOX, 1.5) < face_quality(rgb, OBAMA_BOX, 1.5)


def test_a_small_face_or_a_doubtful_detection_scores_lower():
    rgb = load_rgb(photo("obama_1.jpg"), max_pixels=50_000_000)
    small = cv2.resize(rgb, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    small_box = tuple(v // 4 for v in OBAMA_BOX)
    assert face_quality(small, small_box, 1.5) < face_quality(rgb, OBAMA_BOX, 1.5)
    assert face_quality(rgb, OBAMA_BOX, -0.3) < face_quality(rgb, OBAMA_BOX, 1.5)
    assert 0 < face_quality(rgb, OBAMA_BOX, 3.0) <= 1


def test_only_the_best_frames_are_kept_however_long_the_track():
    best = BestFrames(keep=3, min_spacing=0.5)
    for i in range(200):
        best.offer(candidate(i * 0.2, float(np.sin(i) + 1)))
    assert len(best.items) == 3
    times = sorted(c.time for c in best.items)
    assert all(b - a >= 0.5 for a, b in zip(times, times[1:], strict=False))
    qualities = [c.quality for c in best.best()]
    assert qualities == sorted(qualities, reverse=True)


def test_a_better_frame_close_in_time_replaces_the_kept_one_instead_of_adding_to_it():
    best = BestFrames(keep=3, min_spacing=0.5)
    best.offer(candidate(1.0, 0.3))
    assert not best.offer(candidate(1.2, 0.2))
    assert best.offer(candidate(1.2, 0.9))
    assert [(c.time, c.quality) for c in best.items] == [(1.2, 0.9)]
