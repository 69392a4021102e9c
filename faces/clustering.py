"""Grouping face descriptors that look like the same person: the arithmetic, without the database.

faces.services.grouping applies `assign` to each newly embedded face (its neighbours come
from a pgvector query) and `incremental` when a department is re-clustered; the benchmark
(benchmarks/grouping.py) measures these same functions on DevTrain against the batch
alternatives below. A group is a set of two or more faces; -1 means "in no group".

The rule (average linkage by default, applied as faces arrive; `linkage="complete"` uses the
largest distance instead of the mean, for the benchmark's comparison):
1. Candidates are the groups of the face's neighbours within `threshold`, and those
   neighbours that are in no group yet (each a group of one).
2. The face joins the candidate with the smallest mean distance to it, if that mean is
   below the threshold (a single close face is not enough to join a large group).
3. Every other candidate is merged in when the mean distance between all members of the
   two sides is below the threshold too — so a face that bridges two groups of one person
   joins them, but a face between two people does not chain them.
Measured on DevTrain (docs/benchmarks.md): single linkage chains different people together
(its precision falls first as the threshold rises); average linkage keeps precision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

# Tighter than the match threshold (0.6): a group is shown as "probably one person", and
# pairwise precision must stay ≥ 0.99 — on DevTrain that is 0.39 (docs/benchmarks.md,
# "Clusters of unidentified faces"; the site reads settings.FACES_GROUP_THRESHOLD).
DEFAULT_THRESHOLD = 0.39
# How many nearest neighbours a new face looks at.
NEIGHBOURS = 20


@dataclass(frozen=True)
class Assignment:
    """Where a face goes: `join` a candidate (a group id or a lone face) and merge `merge` into it."""

    join: Candidate | None
    merge: list[Candidate] = field(default_factory=list)


@dataclass(frozen=True)
class Candidate:
    """An existing group (`group` set) or a face in no group (`face` set), with its members' vectors."""

    vectors: np.ndarray
    group: int | None = None
    face: int | None = None


LINKAGES = ("average", "complete")


def _linkage_distance(a: np.ndarray, b: np.ndarray, linkage: str) -> float:
    a2 = (a * a).sum(axis=1)[:, None]
    b2 = (b * b).sum(axis=1)[None, :]
    distances = np.sqrt(np.maximum(a2 + b2 - 2.0 * (a @ b.T), 0.0))
    return float(distances.max() if linkage == "complete" else distances.mean())


def assign(
    vector: np.ndarray,
    candidates: Sequence[Candidate],
    threshold: float = DEFAULT_THRESHOLD,
    *,
    linkage: str = "average",
) -> Assignment:
    """Decide where one new face goes, given its candidates (see the module's rule)."""
    if not candidates:
        return Assignment(None)
    me = np.asarray(vector, dtype=np.float64)[None, :]
    scored = sorted(
        (
            (_linkage_distance(me, np.asarray(c.vectors, dtype=np.float64), linkage), i)
            for i, c in enumerate(candidates)
        ),
        key=lambda pair: pair[0],
    )
    best_distance, best = scored[0]
    if best_distance >= threshold:
        return Assignment(None)
    chosen = candidates[best]
    members = np.vstack([np.asarray(chosen.vectors, dtype=np.float64), me])
    merged = []
    for _, index in scored[1:]:
        other = np.asarray(candidates[index].vectors, dtype=np.float64)
        if _linkage_distance(members, other, linkage) < threshold:
            merged.append(candidates[index])
            members = np.vstack([members, other])
    return Assignment(chosen, merged)


class _Groups:
    """In-memory groups for `incremental` (the database plays this part in the service)."""

    def __init__(self, n: int) -> None:
        self.of = np.full(n, -1, dtype=np.int64)
        self.members: dict[int, list[int]] = {}
        self.next_id = 0

    def apply(self, face: int, outcome: Assignment) -> None:
        if outcome.join is None:
            return
        target = self._group_of(outcome.join)
        self._add(target, face)
        for other in outcome.merge:
            if other.group is not None and other.group != target:
                for member in self.members.pop(other.group):
                    self._add(target, member)
            elif other.face is not None:
                self._add(target, other.face)

    def _group_of(self, candidate: Candidate) -> int:
        if candidate.group is not None:
            return candidate.group
        assert candidate.face is not None
        group = self.next_id
        self.next_id += 1
        self.members[group] = []
        self._add(group, candidate.face)
        return group

    def _add(self, group: int, face: int) -> None:
        self.members[group].append(face)
        self.of[face] = group


def incremental(
    vectors: np.ndarray,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    linkage: str = "average",
    neighbours: int = NEIGHBOURS,
    block: int = 512,
) -> np.ndarray:
    """Group faces in arrival order with `assign`; exact neighbour search. Returns a group id per face.

    Distances from a block of arrivals to every earlier face are one matrix product; the
    faces of the block are then placed one by one, as the service would.
    """
    x = np.asarray(vectors, dtype=np.float32)
    n = len(x)
    groups = _Groups(n)
    norms = (x * x).sum(axis=1)
    for start in range(0, n, block):
        stop = min(start + block, n)
        squared = norms[start:stop, None] + norms[None, :stop] - 2.0 * (x[start:stop] @ x[:stop].T)
        distances = np.sqrt(np.maximum(squared, 0.0))
        for row, face in enumerate(range(start, stop)):
            d = distances[row, :face]
            close = np.flatnonzero(d < threshold)
            if len(close) > neighbours:
                close = close[np.argsort(d[close])[:neighbours]]
            groups.apply(face, assign(x[face], _candidates(close, groups, x), threshold, linkage=linkage))
    return groups.of


def _candidates(close: np.ndarray, groups: _Groups, x: np.ndarray) -> list[Candidate]:
    found: list[Candidate] = []
    seen: set[int] = set()
    for j in close.tolist():
        group = int(groups.of[j])
        if group < 0:
            found.append(Candidate(x[[j]], face=j))
        elif group not in seen:
            seen.add(group)
            found.append(Candidate(x[groups.members[group]], group=group))
    return found


# --- Batch alternatives, for the benchmark's comparison -----------------------------------
def _distance_matrix(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    norms = (x * x).sum(axis=1)
    return np.sqrt(np.maximum(norms[:, None] + norms[None, :] - 2.0 * (x @ x.T), 0.0))


def _singletons_to_minus_one(labels: np.ndarray) -> np.ndarray:
    labels = np.asarray(labels, dtype=np.int64).copy()
    _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    labels[counts[inverse] < 2] = -1
    return labels


def single_linkage(vectors: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> np.ndarray:
    """Connected components of the graph "closer than the threshold" (union-find)."""
    distances = _distance_matrix(vectors)
    parent = list(range(len(distances)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(np.triu(distances < threshold, k=1)), strict=True):
        parent[root(int(i))] = root(int(j))
    return _singletons_to_minus_one(np.array([root(i) for i in range(len(parent))]))


def average_linkage(vectors: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> np.ndarray:
    """Agglomerative clustering, average linkage, stopped at the threshold (batch, O(n²) memory).

    Each row keeps its nearest cluster, so a merge costs O(n) instead of a full scan.
    """
    distances = _distance_matrix(vectors)
    n = len(distances)
    np.fill_diagonal(distances, np.inf)
    size = np.ones(n)
    label = np.arange(n)
    nearest = distances.argmin(axis=1)
    while True:
        best = distances[np.arange(n), nearest]
        i = int(np.argmin(best))
        j = int(nearest[i])
        if not best[i] < threshold:
            break
        # Lance–Williams update for average linkage: the merged cluster lives in row i.
        merged = (size[i] * distances[i] + size[j] * distances[j]) / (size[i] + size[j])
        merged[i] = np.inf
        distances[i, :] = merged
        distances[:, i] = merged
        distances[j, :] = np.inf
        distances[:, j] = np.inf
        size[i] += size[j]
        label[label == j] = i
        nearest[i] = int(np.argmin(distances[i]))
        stale = np.flatnonzero((nearest == i) | (nearest == j))
        for row in stale.tolist():
            nearest[row] = int(np.argmin(distances[row]))
        closer = merged < distances[np.arange(n), nearest]
        nearest[closer] = i
    return _singletons_to_minus_one(label)


def chinese_whispers(vectors: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> np.ndarray:
    """dlib's Chinese-whispers clustering on the graph "closer than the threshold"."""
    import dlib

    descriptors = [dlib.vector([float(v) for v in row]) for row in np.asarray(vectors)]
    return _singletons_to_minus_one(np.array(dlib.chinese_whispers_clustering(descriptors, threshold)))
