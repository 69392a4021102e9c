"""One HNSW graph per large department, so its searches walk its own officers only.

The gallery search (faces.pipeline.search) scans a scope's centroids exactly up to
FACES_SEARCH_EXACT_MAX_OFFICERS officers; above that it walks pgvector's HNSW graph of every
officer's centroid. For one large department that walk must filter out the other departments'
officers (about 80 % of the graph for the largest one in the 1M benchmark), which costs time
and recall. A partial index `WHERE department_id = N` is a graph of that department alone:
the same nomination at the cost of a graph a fifth the size (docs/benchmarks.md, "Gallery
search at scale").

The graphs only decide which officers are looked at; the search re-checks every returned
figure against live rows as before. A department whose recognition is turned off loses its
centroid rows in the purge's transaction, so its graph has nothing live left and the next
sync drops it.
They are created and dropped here, by `manage.py search_graphs` and hourly by beat: a
department gets its graph above FACES_SEARCH_DEPARTMENT_GRAPH_MIN_OFFICERS officers with gallery
faces and loses it below half of that, so a department near the line does not flap.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from faces.pipeline.embed import current_embedding_variant
from faces.pipeline.search import department_graph_name, department_graphs

logger = logging.getLogger(__name__)

MAIN_GRAPH = "centroid_hnsw"
# Two syncs at once (beat and the command) would race on the same CREATE INDEX.
_LOCK_KEY = 0x0F5EA6C4


@dataclass
class GraphSync:
    created: list[int] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)
    kept: list[int] = field(default_factory=list)
    skipped: bool = False  # another sync was running


def department_graphs_sync(*, dry_run: bool = False) -> GraphSync:
    """Create the graphs of departments above the threshold, drop those far below it or broken."""
    minimum = settings.FACES_SEARCH_DEPARTMENT_GRAPH_MIN_OFFICERS
    result = GraphSync()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [_LOCK_KEY])
        if not cursor.fetchone()[0]:
            result.skipped = True
            return result
        try:
            # Counted as the planner counts them (faces.pipeline.search.gallery_sizes): current variant only.
            cursor.execute(
                "SELECT department_id, count(*) FROM faces_officercentroid WHERE variant IN (%s, '') "
                "GROUP BY department_id",
                [current_embedding_variant()],
            )
            officers = {int(d): int(n) for d, n in cursor.fetchall()}
            existing = department_graphs()
            wanted = {d for d, n in officers.items() if minimum > 0 and n > minimum}
            keep = {d for d in existing if existing[d] and minimum > 0 and 2 * officers.get(d, 0) >= minimum}
            for department_id in sorted(existing):
                if department_id in keep:
                    result.kept.append(department_id)
                    continue
                result.dropped.append(department_id)
                if not dry_run:
                    _drop(cursor, department_id)
            for department_id in sorted(wanted - keep):
                result.created.append(department_id)
                if not dry_run:
                    _create(cursor, department_id)
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
    if result.created or result.dropped:
        logger.info("department search graphs: created %s, dropped %s", result.created, result.dropped)
    return result


def _concurrently() -> str:
    # CONCURRENTLY keeps the table writable during a build of minutes, but cannot run inside a
    # transaction block (a test's, or a caller's atomic()): there the plain form is used.
    return "" if connection.in_atomic_block else "CONCURRENTLY "


def _create(cursor, department_id: int) -> None:
    m, ef_construction = _main_graph_options(cursor)
    cursor.execute(
        f"CREATE INDEX {_concurrently()}IF NOT EXISTS {department_graph_name(department_id)} "
        "ON faces_officercentroid USING hnsw ((centroid::halfvec(128)) halfvec_l2_ops) "
        f"WITH (m = {m}, ef_construction = {ef_construction}) WHERE department_id = {int(department_id)}"
    )


def _drop(cursor, department_id: int) -> None:
    cursor.execute(f"DROP INDEX {_concurrently()}IF EXISTS {department_graph_name(department_id)}")


def _main_graph_options(cursor) -> tuple[int, int]:
    """The department graphs are built like the main one (migration faces/0013 chose its options)."""
    cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [MAIN_GRAPH])
    row = cursor.fetchone()
    options = dict(option.split("=", 1) for option in ((row[0] if row else None) or []))
    return int(options.get("m", 32)), int(options.get("ef_construction", 256))
