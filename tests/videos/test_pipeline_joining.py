"""Which sequences are one person: never two on screen at once, then the closest means within the distance."""

from __future__ import annotations

import numpy as np

from videos.pipeline.joining import Candidate, plan_joins, presence


def person(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.09, 128)  # ~1.0 apart from another seed's


def stills(centre: np.ndarray, seed: int, spread: float = 0.01, n: int = 3) -> np.ndarray:
    return centre + np.random.default_rng(seed).normal(0, spread, (n, 128))


def test_presence_breaks_a_track_only_where_samples_are_further_apart_than_the_gap():
    track = [[0.0, 1, 1, 5, 5], [0.5, 1, 1, 5, 5], [1.4, 1, 1, 5, 5], [4.0, 1, 1, 5, 5], [4.2, 1, 1, 5, 5]]
    assert presence(track, 1.0) == [(0.0, 1.4), (4.0, 4.2)]
    assert presence([], 1.0) == []


def test_a_person_seen_twice_apart_is_joined_and_another_person_is_not():
    obama, biden = person(1), person(2)
    plan = plan_joins(
        [
            Candidate(1, [(0.0, 2.0)], stills(obama, 10)),
            Candidate(2, [(1.0, 6.0)], stills(biden, 11)),
            Candidate(3, [(4.0, 6.0)], stills(obama, 12)),
        ],
        max_distance=0.4,
    )
    assert plan == [[1, 3]]


def test_sequences_on_screen_at_the_same_moment_are_never_joined_however_close():
    face = person(1)
    plan = plan_joins(
        [Candidate(1, [(0.0, 2.0)], stills(face, 10)), Candidate(2, [(2.0, 3.0)], stills(face, 11))],
        max_distance=0.4,
    )
    assert plan == []


def test_nothing_further_apart_than_the_distance_is_joined():
    a = person(1)
    b = a + np.full(128, 0.5 / np.sqrt(128))  # means 0.5 apart
    candidates = [Candidate(1, [(0.0, 1.0)], stills(a, 10, 0.0)), Candidate(2, [(3.0, 4.0)], stills(b, 11, 0.0))]
    assert plan_joins(candidates, max_distance=0.4) == []
    assert plan_joins(candidates, max_distance=0.55) == [[1, 2]]


def test_a_joined_group_is_kept_apart_from_a_sequence_overlapping_any_of_its_parts():
    face = person(1)
    plan = plan_joins(
        [
            Candidate(1, [(0.0, 1.0)], stills(face, 10)),
            Candidate(2, [(5.0, 6.0)], stills(face, 11)),
            Candidate(3, [(5.5, 8.0)], stills(face, 12, 0.005)),  # overlaps 2: at most one of them joins 1
        ],
        max_distance=0.4,
    )
    assert len(plan) == 1 and plan[0][0] == 1 and len(plan[0]) == 2


def test_groups_are_compared_by_the_mean_of_all_their_stills_so_a_second_run_joins_nothing_more():
    a, b = person(1), person(2)
    candidates = [
        Candidate(1, [(0.0, 1.0)], stills(a, 10)),
        Candidate(2, [(2.0, 3.0)], stills(a, 11)),
        Candidate(3, [(4.0, 5.0)], stills(b, 12)),
        Candidate(4, [(6.0, 7.0)], stills(a, 13)),
    ]
    plan = plan_joins(candidates, max_distance=0.4)
    assert plan == [[1, 2, 4]]
    parts = [candidates[0], candidates[1], candidates[3]]
    joined = Candidate(1, [span for c in parts for span in c.intervals], np.concatenate([c.vectors for c in parts]))
    assert plan_joins([joined, candidates[2]], max_distance=0.4) == []
