"""Gallery search: which officers' gallery faces are nearest to a face embedding.

The gallery (DESIGN.md rule 2) is every face that (a) a person identified as an officer,
(b) is marked usable for recognition, (c) has an embedding, and (d) belongs to an officer
*and* a photo of departments that allow recognition now.

Search, in two steps:
1. k-nearest gallery faces with pgvector's HNSW index; the iterative scan keeps recall
   when the gate's filters drop many neighbours.
2. Aggregate per officer: rank candidate officers by the distance from the probe to the
   mean of all their gallery vectors (a centroid is steadier than one lucky photo).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from django.conf import settings
from django.db import connection, transaction
import numpy as np

from departments.policy import allowed_department_ids


@dataclass(frozen=True)
class OfficerMatch:
    officer_id: int
    department_id: int
    distance: float  # to the officer's gallery centroid
    nearest_face_distance: float
    gallery_faces: int


CANDIDATE_FACES = 64


def _vector_literal(vector: Sequence[float]) -> str:
    return "[" + ",".join(f"{float(v):.7g}" for v in vector) + "]"


def search_gallery(
    vector: Sequence[float],
    *,
    exclude_image_id: int | None = None,
    exclude_officer_ids: Sequence[int] = (),
    threshold: float | None = None,
    limit: int | None = None,
) -> list[OfficerMatch]:
    """Officers whose gallery centroid lies within `threshold` of `vector`, nearest first."""
    threshold = settings.FACES_MATCH_THRESHOLD if threshold is None else threshold
    limit = settings.FACES_MAX_SUGGESTIONS if limit is None else limit
    allowed = sorted(allowed_department_ids())
    if not allowed:
        return []
    probe = _vector_literal(vector)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        cursor.execute("SET LOCAL hnsw.ef_search = 100")
        cursor.execute(
            """
            WITH nearest AS MATERIALIZED (
                SELECT f.officer_id, f.embedding <-> %(probe)s::vector AS distance
                FROM faces_face f
                JOIN departments_officer o ON o.id = f.officer_id
                JOIN faces_image i ON i.id = f.image_id
                WHERE f.embedding IS NOT NULL
                  AND f.use_for_recognition
                  AND o.department_id = ANY(%(allowed)s)
                  AND i.department_id = ANY(%(allowed)s)
                  AND i.id <> %(exclude_image)s
                  AND NOT (f.officer_id = ANY(%(exclude_officers)s))
                ORDER BY f.embedding <-> %(probe)s::vector
                LIMIT %(k)s
            ),
            candidates AS (
                SELECT officer_id, min(distance) AS nearest FROM nearest GROUP BY officer_id
            )
            SELECT c.officer_id, o.department_id,
                   avg(f.embedding) <-> %(probe)s::vector AS centroid_distance,
                   c.nearest, count(*) AS gallery_faces
            FROM candidates c
            JOIN departments_officer o ON o.id = c.officer_id
            JOIN faces_face f ON f.officer_id = c.officer_id
            JOIN faces_image i ON i.id = f.image_id
            WHERE f.embedding IS NOT NULL AND f.use_for_recognition
              AND i.department_id = ANY(%(allowed)s)
            GROUP BY c.officer_id, o.department_id, c.nearest
            ORDER BY centroid_distance
            """,
            {
                "probe": probe,
                "allowed": allowed,
                "exclude_image": exclude_image_id or 0,
                "exclude_officers": list(exclude_officer_ids),
                "k": CANDIDATE_FACES,
            },
        )
        rows = cursor.fetchall()
    matches = [
        OfficerMatch(int(officer), int(dept), float(dist), float(nearest), int(count))
        for officer, dept, dist, nearest, count in rows
        if dist <= threshold
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
