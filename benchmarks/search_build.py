"""The search benchmark's database side: load the gallery, build and size the indexes, time writes.

benchmarks/search.py measures the searches on what this builds (or on a kept database it describes).
"""

from __future__ import annotations

import time

import numpy as np


def load_and_build(gallery, args) -> tuple[float, dict]:
    """COPY the gallery in, then compute the officers' centroids and build their HNSW graph (timed)."""
    from django.db import connection

    from benchmarks import search_data

    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS centroid_hnsw")  # built after the load, timed
        # The centroids are computed once after the load (timed), not per COPY statement.
        cursor.execute("ALTER TABLE faces_face DISABLE TRIGGER faces_face_centroids_insert")
        started = time.perf_counter()
        search_data.load(cursor, gallery)
        load_seconds = time.perf_counter() - started
        cursor.execute("ALTER TABLE faces_face ENABLE TRIGGER faces_face_centroids_insert")
        build = _build_indexes(cursor, args.m, args.ef_construction)
    return load_seconds, build


def _build_indexes(cursor, m: int, ef_construction: int) -> dict:
    """The officers' centroids from the loaded gallery, then their HNSW graph (both timed, sized)."""
    cursor.execute("SET maintenance_work_mem = '4GB'")
    cursor.execute("SET max_parallel_maintenance_workers = 1")  # 2 cores, shared with other work
    started = time.perf_counter()
    # What the triggers of migration 0010 compute row by row, once for the whole bulk load.
    cursor.execute(
        "SELECT faces_officercentroid_refresh(ARRAY(SELECT DISTINCT officer_id FROM faces_face "
        "WHERE officer_id IS NOT NULL AND embedding IS NOT NULL AND use_for_recognition))"
    )
    centroid_seconds = time.perf_counter() - started
    cursor.execute("VACUUM ANALYZE faces_officercentroid")
    started = time.perf_counter()
    cursor.execute(
        "CREATE INDEX centroid_hnsw ON faces_officercentroid "
        "USING hnsw ((centroid::halfvec(128)) halfvec_l2_ops) "
        f"WITH (m = {int(m)}, ef_construction = {int(ef_construction)})"
    )
    hnsw_seconds = time.perf_counter() - started
    for table in ("faces_face", "faces_image", "departments_officer", "faces_officercentroid"):
        cursor.execute(f"VACUUM ANALYZE {table}")
    return {
        "hnsw_m": m,
        "hnsw_ef_construction": ef_construction,
        "centroid_build_seconds": round(centroid_seconds, 1),
        "hnsw_build_seconds": round(hnsw_seconds, 1),
        **_sizes(cursor),
    }


def department_graphs(enabled: bool) -> dict:
    """Graphs of their own for the departments above the cut-off, as beat would make them (timed, sized)."""
    from django.conf import settings
    from django.db import connection

    from faces.pipeline.search import DEPARTMENT_GRAPH_PREFIX
    from faces.services.search_graphs import department_graphs_sync

    if not enabled:
        settings.FACES_SEARCH_DEPARTMENT_GRAPH_MIN_OFFICERS = 0
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '4GB'")
    started = time.perf_counter()
    result = department_graphs_sync()
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE faces_officercentroid")
        cursor.execute(
            "SELECT coalesce(sum(pg_relation_size(indexrelid)), 0) FROM pg_stat_user_indexes "
            "WHERE indexrelname LIKE %s",
            [DEPARTMENT_GRAPH_PREFIX + "%"],
        )
        size = int(cursor.fetchone()[0])
    return {
        "department_graphs": sorted(result.created + result.kept),
        "department_graphs_built": result.created,
        "department_graph_seconds": round(seconds, 1),
        "department_graph_bytes": size,
    }


def describe_indexes() -> dict:
    """What a reused database holds: its graph's parameters and sizes (nothing was built)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'centroid_hnsw'")
        row = cursor.fetchone()
        options = dict(option.split("=", 1) for option in (row[0] or [])) if row else {}
        return {
            "hnsw_m": options.get("m", "?"),
            "hnsw_ef_construction": options.get("ef_construction", "?"),
            "centroid_build_seconds": "reused",
            "hnsw_build_seconds": "reused",
            **_sizes(cursor),
        }


def _sizes(cursor) -> dict:
    cursor.execute(
        "SELECT indexrelname, pg_relation_size(indexrelid) FROM pg_stat_user_indexes "
        "WHERE relname IN ('faces_face', 'faces_image', 'departments_officer', 'faces_officercentroid')"
    )
    sizes = dict(cursor.fetchall())
    cursor.execute(
        "SELECT pg_total_relation_size('faces_face'), pg_relation_size('faces_face'), "
        "pg_relation_size('faces_officercentroid'), (SELECT count(*) FROM faces_officercentroid), "
        "current_setting('shared_buffers')"
    )
    total, heap, centroid_heap, centroids, shared_buffers = cursor.fetchone()
    return {
        "centroids": centroids,
        "hnsw_bytes": sizes.get("centroid_hnsw"),
        "centroid_scan_bytes": sizes.get("centroid_scan"),
        "centroid_heap_bytes": centroid_heap,
        "index_bytes": sizes,
        "faces_table_bytes": heap,
        "faces_total_bytes": total,
        "shared_buffers": shared_buffers,
    }


def write_costs(cursor, gallery, rng, count: int = 200) -> dict:
    """Milliseconds per write, each its own transaction (autocommit), with every trigger on:
    a new gallery face of an existing officer, the same face unidentified (no centroid work),
    and identifying an unidentified embedded face (the centroid recomputed, the graph updated)."""
    from benchmarks.search_data import probe_for

    cursor.execute("SELECT max(id) FROM faces_image")
    next_id = int(cursor.fetchone()[0]) + 1
    in_gallery = np.flatnonzero((gallery.face_officer > 0) & gallery.face_for_recognition)
    timings: dict[str, list[float]] = {"gallery face insert": [], "unidentified face insert": [], "identification": []}
    for _ in range(count):
        face_index = int(rng.choice(in_gallery))
        officer = int(gallery.face_officer[face_index])
        department = int(gallery.face_department[face_index])
        for kind in ("gallery face insert", "unidentified face insert"):
            cursor.execute(
                "INSERT INTO faces_image (id, file, public_file, sha256, format, department_id, original_filename, "
                "width, height, status, error, attempts, labels, uploader_session, created_at, updated_at) "
                "VALUES (%s, 'b.jpg', '', %s, 'JPEG', %s, 'b.jpg', 10, 10, 'done', '', 1, '{}', '', now(), now())",
                [next_id, f"{next_id:064x}", department],
            )
            vector = "[" + ",".join(f"{v:.6f}" for v in probe_for(gallery, officer, rng)) + "]"
            gallery_row = kind == "gallery face insert"
            started = time.perf_counter()
            cursor.execute(
                "INSERT INTO faces_face (image_id, x, y, w, h, source, officer_id, is_civilian, embedding, "
                "embedding_variant, embedding_skipped_reason, use_for_recognition, created_at) "
                "VALUES (%s, 1, 1, 9, 9, 'detector', %s, false, %s::vector, "
                "(SELECT variant FROM faces_officercentroid LIMIT 1), '', %s, now()) RETURNING id",
                [next_id, officer if gallery_row else None, vector, gallery_row],
            )
            timings[kind].append((time.perf_counter() - started) * 1000)
            face_id = cursor.fetchone()[0]
            next_id += 1
        started = time.perf_counter()
        cursor.execute(
            "UPDATE faces_face SET officer_id = %s, use_for_recognition = true WHERE id = %s", [officer, face_id]
        )
        timings["identification"].append((time.perf_counter() - started) * 1000)
    return {
        kind: {"mean_ms": round(float(np.mean(ms)), 2), "p99_ms": round(float(np.percentile(ms, 99)), 2)}
        for kind, ms in timings.items()
    }
