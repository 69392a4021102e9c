"""Gallery search: which officers' gallery faces are nearest to a face embedding.

The gallery (docs/architecture.md, rule 2) is every face that (a) a person identified as an officer,
(b) is marked usable for recognition, (c) has an embedding, and (d) belongs to an officer
*and* a photo of departments that allow recognition now. The figures returned are computed
only from rows re-checked live against the face, its officer and its image, so no index,
copied column, cache or plan choice can let a face of a disallowed department through:
they only decide how fast (and how completely) candidates are found.

Search, in three steps (docs/benchmarks.md, "Gallery search at scale" has the measurements behind them):
1. Plan: the scope (the allowed departments, or one of them) holds some number of officers
   with gallery faces, i.e. rows of faces_officercentroid (one per officer, kept by the
   database's triggers, faces.models_gallery). Up to FACES_SEARCH_EXACT_MAX_OFFICERS, an exact
   scan of the scope's range of the B-tree centroid_scan is fast and has perfect recall; above
   it, pgvector's HNSW index on the centroids (half precision) with a relaxed iterative scan is
   fast and, because the scope is then a large share of the index, keeps its recall.
2. Nominate the officers whose centroids are nearest: officers, not faces, are what a search
   returns, and an officer's mean is steadier than any one photo of them (on LFW DevTrain,
   ranking by centroid is the best of the aggregations measured, docs/benchmarks.md). The
   graph holds one point per officer, a quarter of the faces, with less noise around each.
3. Re-rank the shortlist from live rows: each nominated officer's centroid distance, nearest
   face and face count are recomputed from its faces, re-checked against the face, its officer
   and its image. Only vectors of the current embedding variant are compared
   (Face.embedding_variant): another variant's distances mean something else.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection, transaction

from departments.policy import allowed_department_ids
from faces.pipeline.embed import current_embedding_variant

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OfficerMatch:
    officer_id: int
    department_id: int
    distance: float  # to the officer's gallery centroid
    nearest_face_distance: float
    gallery_faces: int


# The shortlist is wider than what is shown: the graph's relaxed order is approximate, and the
# re-ranking from live faces decides the final order (docs/benchmarks.md).
CANDIDATE_OFFICERS = 20
STRATEGIES = ("auto", "exact", "hnsw", "department")
# The plan's cut-off (FACES_SEARCH_EXACT_MAX_OFFICERS) and HNSW's ef_search (FACES_SEARCH_EF_SEARCH)
# are settings, read at call time so a deployment, a test or a benchmark can change them.
# Gallery sizes only steer the plan (speed/recall), never the gate: a short cache is fine.
GALLERY_SIZES_TTL_SECONDS = 300.0

_NOMINEE = """
    c.department_id = ANY(%(scope)s) AND c.variant IN (%(variant)s, '')
    AND NOT (c.officer_id = ANY(%(exclude_officers)s))
"""

# HNSW: the ORDER BY must be the indexed expression (half precision) for the planner to walk
# the graph; the relaxed iterative scan keeps walking while the filters drop neighbours.
_NEAREST_HNSW = f"""
    SELECT c.officer_id FROM faces_officercentroid c
    WHERE {_NOMINEE}
    ORDER BY c.centroid::halfvec(128) <-> %(probe)s::halfvec(128)
    LIMIT %(k)s
"""

# One large department with a graph of its own (faces.services.search_graphs): the literal
# `department_id = N` is what lets the planner use that partial index.
_NEAREST_DEPARTMENT = """
    SELECT c.officer_id FROM faces_officercentroid c
    WHERE c.department_id = %(department)s AND c.variant IN (%(variant)s, '')
    AND NOT (c.officer_id = ANY(%(exclude_officers)s))
    ORDER BY c.centroid::halfvec(128) <-> %(probe)s::halfvec(128)
    LIMIT %(k)s
"""

# Exact: OFFSET 0 fences the subquery so the HNSW index cannot serve the ORDER BY; the rows
# come from one range of centroid_scan (an index-only scan) and are compared at full precision.
_NEAREST_EXACT = f"""
    SELECT officer_id FROM (
        SELECT c.officer_id, c.centroid <-> %(probe)s::vector AS distance
        FROM faces_officercentroid c
        WHERE {_NOMINEE}
        OFFSET 0
    ) gallery
    ORDER BY distance
    LIMIT %(k)s
"""

# Step 3, and the gate: every figure returned is computed from rows re-checked live
# against the face, its officer and its image (never from the copy or an index alone).
_AGGREGATE = """
    WITH nearest AS MATERIALIZED ({nearest}),
    candidates AS (SELECT DISTINCT officer_id FROM nearest)
    SELECT f.officer_id, o.department_id,
           avg(f.embedding) <-> %(probe)s::vector AS centroid_distance,
           min(f.embedding <-> %(probe)s::vector) FILTER (WHERE f.image_id <> %(exclude_image)s),
           count(*) AS gallery_faces
    FROM candidates c
    JOIN departments_officer o ON o.id = c.officer_id
    JOIN faces_face f ON f.officer_id = c.officer_id
    JOIN faces_image i ON i.id = f.image_id
    WHERE f.embedding IS NOT NULL AND f.use_for_recognition
      AND f.embedding_variant IN (%(variant)s, '')
      AND o.department_id = ANY(%(scope)s)
      AND i.department_id = ANY(%(scope)s)
    GROUP BY f.officer_id, o.department_id
    HAVING count(*) FILTER (WHERE f.image_id <> %(exclude_image)s) > 0
    ORDER BY centroid_distance
"""


# Partial HNSW indexes of one department each, made by faces.services.search_graphs.
DEPARTMENT_GRAPH_PREFIX = "centroid_hnsw_dept_"


def department_graph_name(department_id: int) -> str:
    return f"{DEPARTMENT_GRAPH_PREFIX}{int(department_id)}"


def department_graphs() -> dict[int, bool]:
    """The departments that have a graph, and whether it is valid (an interrupted build is not)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = 'faces_officercentroid' AND c.relname LIKE %s",
            [DEPARTMENT_GRAPH_PREFIX + "%"],
        )
        rows = cursor.fetchall()
    graphs = {}
    for name, valid in rows:
        match = re.fullmatch(rf"{DEPARTMENT_GRAPH_PREFIX}(\d+)", name)
        if match:
            graphs[int(match.group(1))] = bool(valid)
    return graphs


class _GallerySizes:
    """Officers with gallery faces per department (centroid rows), and which departments have a
    graph of their own, refreshed at most every TTL seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sizes: dict[int, int] = {}
        self._graphs: frozenset[int] = frozenset()
        self._loaded_at = float("-inf")
        self.stale = 0  # gallery faces whose embedding variant is not the current one

    def clear(self) -> None:
        with self._lock:
            self._loaded_at = float("-inf")

    def total(self, department_ids: Iterable[int]) -> int:
        with self._lock:
            self._refresh()
            return sum(self._sizes.get(pk, 0) for pk in department_ids)

    def has_graph(self, department_id: int) -> bool:
        with self._lock:
            self._refresh()
            return department_id in self._graphs

    def _refresh(self) -> None:
        if time.monotonic() - self._loaded_at > GALLERY_SIZES_TTL_SECONDS:
            self._graphs = frozenset(d for d, valid in department_graphs().items() if valid)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT department_id, count(*) FILTER (WHERE variant IN (%s, '')), "
                    "coalesce(sum(face_count) FILTER (WHERE variant NOT IN (%s, '')), 0) "
                    "FROM faces_officercentroid GROUP BY department_id",
                    [current_embedding_variant()] * 2,
                )
                rows = cursor.fetchall()
            self._sizes = {int(d): int(n) for d, n, _stale in rows}
            self.stale = sum(int(stale) for _d, _n, stale in rows)
            if self.stale:
                # Not silently wrong (the search skips them) but silently incomplete: say so.
                logger.warning(
                    "%d gallery faces have embeddings of another variant than %s and are not searched; "
                    "run `manage.py reprocess --stale-embeddings`.",
                    self.stale,
                    current_embedding_variant(),
                )
            self._loaded_at = time.monotonic()


gallery_sizes = _GallerySizes()


def plan_search(scope: Sequence[int], *, exact_max_officers: int | None = None) -> str:
    """ "exact" when the scope's officers are few enough to scan; else "department" for one
    department with a graph of its own, "hnsw" (the graph of every officer) otherwise."""
    cut_off = settings.FACES_SEARCH_EXACT_MAX_OFFICERS if exact_max_officers is None else exact_max_officers
    if gallery_sizes.total(scope) <= cut_off:
        return "exact"
    return "department" if len(scope) == 1 and gallery_sizes.has_graph(scope[0]) else "hnsw"


def _vector_literal(vector: Sequence[float] | np.ndarray) -> str:
    return "[" + ",".join(f"{float(v):.7g}" for v in vector) + "]"


def search_gallery(
    vector: Sequence[float] | np.ndarray,
    *,
    exclude_image_id: int | None = None,
    exclude_officer_ids: Sequence[int] = (),
    threshold: float | None = None,
    limit: int | None = None,
    department_ids: Sequence[int] | None = None,
    strategy: str = "auto",
    ef_search: int | None = None,
) -> list[OfficerMatch]:
    """Officers whose gallery centroid lies within `threshold` of `vector`, nearest first.

    `department_ids` narrows the search to officers and photos of those departments
    (intersected with the allowed ones); `strategy` and `ef_search` override the plan (benchmarks, tests).
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, not {strategy!r}")
    threshold = settings.FACES_MATCH_THRESHOLD if threshold is None else threshold
    limit = settings.FACES_MAX_SUGGESTIONS if limit is None else limit
    allowed = sorted(allowed_department_ids())
    scope = allowed if department_ids is None else sorted(set(allowed) & {int(d) for d in department_ids})
    if not scope:
        return []
    if strategy == "auto":
        strategy = plan_search(scope)
    if strategy == "department" and len(scope) != 1:
        raise ValueError("the department strategy searches exactly one department")
    nearest = {"exact": _NEAREST_EXACT, "hnsw": _NEAREST_HNSW, "department": _NEAREST_DEPARTMENT}[strategy]
    with transaction.atomic(), connection.cursor() as cursor:
        if strategy != "exact":
            cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            cursor.execute(f"SET LOCAL hnsw.ef_search = {int(ef_search or settings.FACES_SEARCH_EF_SEARCH)}")
        cursor.execute(
            _AGGREGATE.format(nearest=nearest),
            {
                "probe": _vector_literal(vector),
                "scope": scope,
                "department": scope[0],
                "exclude_image": exclude_image_id or 0,
                "exclude_officers": [int(o) for o in exclude_officer_ids],
                "k": max(CANDIDATE_OFFICERS, 4 * limit),
                "variant": current_embedding_variant(),
            },
        )
        rows = cursor.fetchall()
    matches = [
        OfficerMatch(int(officer), int(dept), float(dist), float(nearest_), int(count))
        for officer, dept, dist, nearest_, count in rows
        if dist is not None and dist <= threshold
    ]
    return matches[:limit]


def distance(a: Sequence[float], b: Sequence[float]) -> float:
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)))


def confidence_label(distance_value: float) -> str:
    """Plain-language wording of a distance, for people (never an identification)."""
    if distance_value < 0.4:
        return "strong resemblance"
    if distance_value < 0.5:
        return "likely resemblance"
    if distance_value <= 0.6:
        return "possible resemblance"
    return "weak resemblance"
