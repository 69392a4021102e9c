"""Following boxes across samples: geometry only, no video needed."""

from __future__ import annotations

import pytest

from videos.pipeline.tracking import Track, Tracker, iou


def walk(start: tuple[int, int], step: tuple[int, int], size: int, n: int, grow: int = 0):
    return [(start[0] + step[0] * i, start[1] + step[1] * i, size + grow * i, size + grow * i) for i in range(n)]


def run(tracker: Tracker, frames: list[list[tuple[int, int, int, int]]], dt: float = 1 / 6) -> list[list[int]]:
    return [tracker.update(i * dt, boxes)[0] for i, boxes in enumerate(frames)]


def test_overlap_of_identical_boxes_is_one_and_of_disjoint_boxes_zero():
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1
    assert iou((0, 0, 10, 10), (20, 0, 10, 10)) == 0
    assert iou((0, 0, 10, 10), (5, 0, 10, 10)) == pytest.approx(50 / 150)


def test_two_faces_crossing_the_frame_keep_their_own_tracks():
    a = walk((100, 100), (30, 0), 100, 12)
    b = walk((900, 120), (-30, 0), 120, 12, grow=3)
    tracker = Tracker()
    keys = run(tracker, [[x, y] for x, y in zip(a, b, strict=True)])
    assert all(k == [0, 1] for k in keys)
    tracks = tracker.tracks()
    assert [len(t.times) for t in tracks] == [12, 12]
    assert tracks[0].boxes == a and tracks[1].boxes == b


def test_fast_motion_between_sparse_samples_is_followed_by_predicting_the_next_box():
    # Boxes of 100 px moving 45 px a sample overlap by less than min_iou: the first step is
    # matched by centre distance, the next ones by the constant-velocity prediction.
    boxes = walk((0, 0), (45, 0), 100, 8)
    tracker = Tracker(min_iou=0.5)
    assert iou(boxes[0], boxes[1]) < 0.5
    keys = run(tracker, [[b] for b in boxes])
    assert {k[0] for k in keys} == {0}
    assert iou(tracker.open[0].predict(8 / 6), (360, 0, 100, 100)) == pytest.approx(1)


def test_a_face_gone_longer_than_the_gap_comes_back_as_a_new_track():
    tracker = Tracker(max_gap=1.0)
    tracker.update(0.0, [(100, 100, 80, 80)])
    tracker.update(0.5, [])
    assert tracker.update(0.9, [(100, 100, 80, 80)])[0] == [0]  # within the gap: same track
    keys, ended = tracker.update(2.6, [(100, 100, 80, 80)])
    assert keys == [1] and [t.key for t in ended] == [0]
    tracker.finish()
    assert [len(t.times) for t in tracker.tracks()] == [2, 1]
    assert [len(t.times) for t in tracker.tracks(min_detections=2)] == [2]


def test_tracks_are_listed_in_order_of_first_appearance_whatever_ends_first():
    tracker = Tracker(max_gap=0.5)
    tracker.update(0.0, [(500, 100, 80, 80)])
    tracker.update(0.2, [(500, 100, 80, 80), (10, 10, 80, 80)])
    tracker.update(0.6, [(10, 10, 80, 80)])
    tracker.finish()
    assert [t.first_time for t in tracker.tracks()] == [0.0, 0.2]


def test_a_prediction_without_history_stays_put_and_extrapolates_only_a_short_way():
    track = Track(0, [0.0], [(10, 10, 50, 50)])
    assert track.predict(5.0) == (10, 10, 50, 50)
    track.times.append(1.0)
    track.boxes.append((20, 10, 50, 50))
    assert track.predict(100.0)[0] == pytest.approx(50)  # three steps at most
    assert track.as_rows() == [[0.0, 10, 10, 50, 50], [1.0, 20, 10, 50, 50]]
