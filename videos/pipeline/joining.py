"""Which of a video's sequences show the same person: time first, then descriptor distance.

Pure computation on what the caller hands in; the caller (videos.services.joining) asks the
policy first, and only ever has descriptors where the department allows recognition.

A person cannot be in two places at once, so two sequences on screen at the same moment are
never joined, whatever their descriptors say. The rest are joined greedily, closest pair
first, while the distance between the means of their stills' descriptors (the mean a
sequence is matched with, videos.services.matching) is at most `max_distance`. A joined group
is compared by the mean of all its stills, exactly as the joined sequence will be on a later
run: a run that resumes after the joins finds nothing more to join.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Interval = tuple[float, float]


def presence(track: Sequence[Sequence[float]], max_gap: float) -> list[Interval]:
    """The stretches of time a track's face is on screen: rows further apart than `max_gap` break it.

    The tracker ends a track after `max_gap` seconds unmatched, so a longer gap inside a stored
    track can only be a join's, and the stretches are the joined sequences' own.
    """
    times = sorted(float(row[0]) for row in track)
    if not times:
        return []
    stretches = [[times[0], times[0]]]
    for t in times[1:]:
        if t - stretches[-1][1] > max_gap:
            stretches.append([t, t])
        else:
            stretches[-1][1] = t
    return [(a, b) for a, b in stretches]


def _overlap(a: list[Interval], b: list[Interval]) -> bool:
    return any(x0 <= y1 and y0 <= x1 for x0, x1 in a for y0, y1 in b)


@dataclass
class Candidate:
    """One sequence that may be joined: its key, when it is on screen, its stills' descriptors."""

    key: int
    intervals: list[Interval]
    vectors: np.ndarray  # stills x 128


def plan_joins(candidates: Sequence[Candidate], max_distance: float) -> list[list[int]]:
    """Groups of two or more keys to join, each in the order given (the first one keeps the others).

    Closest pair first, by the distance between the means of all their stills; a pair whose
    stretches on screen overlap at any moment is never joined.
    """
    groups: list[tuple[list[int], list[Interval], np.ndarray]] = [
        ([c.key], list(c.intervals), np.asarray(c.vectors, dtype=np.float64)) for c in candidates if len(c.vectors)
    ]
    order = {c.key: i for i, c in enumerate(candidates)}
    while True:
        best: tuple[float, int, int] | None = None
        means = [vectors.mean(axis=0) for _keys, _spans, vectors in groups]
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                if _overlap(groups[i][1], groups[j][1]):
                    continue
                distance = float(np.linalg.norm(means[i] - means[j]))
                if distance <= max_distance and (best is None or distance < best[0]):
                    best = (distance, i, j)
        if best is None:
            break
        _distance, i, j = best
        keys = sorted(groups[i][0] + groups[j][0], key=order.__getitem__)
        merged = (keys, groups[i][1] + groups[j][1], np.concatenate([groups[i][2], groups[j][2]]))
        groups = [g for k, g in enumerate(groups) if k not in (i, j)] + [merged]
    return sorted((keys for keys, _spans, _vectors in groups if len(keys) > 1), key=lambda k: order[k[0]])
