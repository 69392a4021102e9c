"""Gallery search at scale: `make bench-search N=100000` (`python -m benchmarks.search --n N`).

1. Create a throwaway database on the embedded PostgreSQL (or on DATABASE_URL's server),
   migrate it, COPY in N synthetic dlib-like faces (benchmarks/search_data.py).
2. Build the HNSW index (timed, sized) and the B-tree indexes the exact path uses.
3. Through search_gallery itself, with the gate's filters on, time queries scoped to one
   department (departments across the size distribution) and over all allowed departments,
   for each strategy; recall@5 is measured against the exact scan (same filters).
4. Print a Markdown report, write JSON to var/benchmarks/, drop the database.
`--smoke` runs N=2000 in seconds and exits non-zero if the planner's answers differ from
the exact scan's (CI runs it: tests/benchmarks/test_search_benchmark_smoke.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.search_build import department_graphs, describe_indexes, load_and_build, write_costs

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("OVERSIGHT_VAR_DIR", BASE_DIR / "var"))
HNSW_STRATEGIES = {f"hnsw ef={ef}": ("hnsw", ef) for ef in (40, 100, 150, 200, 400)}


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    from oversight.embedded_db import embedded_database_url

    return embedded_database_url(VAR_DIR / "pgdata")


def _with_database(url: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


MATCH_THRESHOLD = 0.6  # settings.FACES_MATCH_THRESHOLD: what people are actually shown


def _recall(answer, truth, threshold: float) -> float | None:
    """Share of the exact top-5 officers (within `threshold`) that `answer` also returned."""
    wanted = {officer for officer, d in truth if d <= threshold}
    got = {officer for officer, d in answer if d <= threshold}
    return len(wanted & got) / len(wanted) if wanted else None


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def _run_queries(queries, strategy: str, ef: int | None, truth: dict[int, list[int]] | None):
    """Time search_gallery over (index, probe, scope) queries; recall@5 against `truth`."""
    from faces.pipeline.search import search_gallery

    latencies, recalls, shown_recalls, answers = [], [], [], {}
    per_query_recall = []
    for index, probe, scope in queries:
        started = time.perf_counter()
        matches = search_gallery(
            probe, threshold=float("inf"), limit=5, department_ids=scope, strategy=strategy, ef_search=ef
        )
        latencies.append((time.perf_counter() - started) * 1000)
        answers[index] = [(m.officer_id, m.distance) for m in matches]
        if truth is not None and truth[index]:
            recalls.append(_recall(answers[index], truth[index], float("inf")))
            shown = _recall(answers[index], truth[index], MATCH_THRESHOLD)
            if shown is not None:
                shown_recalls.append(shown)
        per_query_recall.append(recalls[-1] if truth is not None and truth[index] else 1.0)
    return {
        "p50_ms": round(_percentile(latencies, 50), 2),
        "p99_ms": round(_percentile(latencies, 99), 2),
        "max_ms": round(max(latencies), 2),
        "recall_at_5": round(float(np.mean(recalls)), 4) if recalls else None,
        "recall_at_5_under_threshold": round(float(np.mean(shown_recalls)), 4) if shown_recalls else None,
        "latencies": latencies,
        "recalls": per_query_recall,
    }, answers


def _queries(gallery, sizes: dict[int, int], count: int, rng) -> tuple[list, list]:
    """Department-scoped queries across the size distribution, and all-allowed queries."""
    allowed = sorted(sizes, key=lambda d: sizes[d], reverse=True)
    picks = sorted({allowed[int(round(q * (len(allowed) - 1)))] for q in np.linspace(0, 1, 12) ** 2})
    in_gallery = (gallery.face_officer > 0) & gallery.face_for_recognition
    officers_by_dept: dict[int, np.ndarray] = {}
    for dept in set(picks) | set(allowed):
        mask = in_gallery & (gallery.face_department == dept)
        officers_by_dept[dept] = np.unique(gallery.face_officer[mask])
    scoped, everywhere = [], []
    for i in range(count):
        dept = picks[i % len(picks)]
        officer = int(rng.choice(officers_by_dept[dept]))
        scoped.append((i, gallery_probe(gallery, officer, rng), [dept]))
    weights = np.array([sizes[d] for d in allowed], dtype=float)
    for i in range(count):
        dept = int(rng.choice(allowed, p=weights / weights.sum()))
        officer = int(rng.choice(officers_by_dept[dept]))
        everywhere.append((i, gallery_probe(gallery, officer, rng), None))
    return scoped, everywhere


def gallery_probe(gallery, officer: int, rng):
    from benchmarks.search_data import probe_for

    return probe_for(gallery, officer, rng)


def _officer_sizes(gallery) -> dict[int, int]:
    """Officers with gallery faces per allowed department: the planner's measure of a scope."""
    in_gallery = (gallery.face_officer > 0) & gallery.face_for_recognition
    officers = np.unique(gallery.face_officer[in_gallery])
    departments = gallery.officer_department[officers - 1]
    counts = np.bincount(departments, minlength=len(gallery.department_allowed) + 1)
    return {d: int(counts[d]) for d in range(1, len(counts)) if gallery.department_allowed[d - 1]}


def _measure(scope_name: str, queries, sizes, officers, exact_max: int) -> dict:
    from django.conf import settings

    from faces.pipeline import search

    # The first pass is the ground truth and warms the caches; the second one is timed, so
    # no strategy is measured colder than the others.
    _, truth = _run_queries(queries, "exact", None, None)
    exact, _ = _run_queries(queries, "exact", None, None)
    results = {"exact": {**exact, "recall_at_5": 1.0, "recall_at_5_under_threshold": 1.0}}
    for name, (strategy, ef) in HNSW_STRATEGIES.items():
        results[name], _ = _run_queries(queries, strategy, ef, truth)
    settings.FACES_SEARCH_EXACT_MAX_OFFICERS = exact_max
    search.gallery_sizes.clear()
    search.plan_search([1])  # refresh the sizes cache (once per 5 minutes in production) untimed
    results["auto (planner)"], auto_answers = _run_queries(queries, "auto", None, truth)
    if scope_name == "department":
        per_dept: dict[int, dict] = {}
        for name, result in results.items():
            for (_, _, scope), ms, rec in zip(queries, result["latencies"], result["recalls"], strict=True):
                cell = per_dept.setdefault(scope[0], {}).setdefault(name, ([], []))
                cell[0].append(ms)
                cell[1].append(rec)
        results["by_department"] = {
            dept: {
                "gallery_faces": sizes[dept],
                "officers": officers[dept],
                **{n: f"{_percentile(ms, 99):.1f} ms / {np.mean(rec):.2f}" for n, (ms, rec) in row.items()},
            }
            for dept, row in sorted(per_dept.items(), key=lambda kv: -sizes[kv[0]])
        }
        results["small_scope_auto_equals_exact"] = all(
            [o for o, _ in auto_answers[i]] == [o for o, _ in truth[i]]
            for i, _, scope in queries
            if officers[scope[0]] <= exact_max
        )
    for result in results.values():
        if isinstance(result, dict):
            result.pop("latencies", None)
            result.pop("recalls", None)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=None, help="embedded faces to load")
    parser.add_argument("--queries", type=int, default=200, help="queries per scope")
    parser.add_argument("--exact-max", type=int, default=None, help="planner cut-off (officers with gallery faces)")
    parser.add_argument("--m", type=int, default=32, help="HNSW m of the centroid graph")
    parser.add_argument("--ef-construction", type=int, default=256, help="HNSW ef_construction of the centroid graph")
    parser.add_argument(
        "--data", choices=("calibrated", "stress"), default="calibrated", help="synthetic gallery (search_data.py)"
    )
    parser.add_argument("--smoke", action="store_true", help="N=2000, 24 queries: seconds")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    parser.add_argument(
        "--no-department-graphs",
        dest="department_graphs",
        action="store_false",
        help="no graph of their own for departments above the cut-off (the design before them)",
    )
    parser.add_argument(
        "--reuse",
        metavar="DATABASE",
        help="measure again on a database kept by an earlier run with the same --n, --data and --seed "
        "(its indexes as they are now: no load, no build)",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    n = 2000 if args.smoke else args.n
    if not n:
        parser.error("--n is required (or --smoke)")
    queries = 24 if args.smoke else args.queries
    load_before = os.getloadavg()
    server = _server_url()
    name = args.reuse or f"oversight_bench_search_{os.getpid()}"
    if not args.reuse:
        _admin(server, f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = _with_database(server, name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oversight.settings")
    try:
        report = _benchmark(n, queries, args, load_before)
    finally:
        from django.db import connections

        connections.close_all()
        if not (args.keep or args.reuse):
            _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _print(report)
    print(f"\nbenchmark database {name} {'kept' if args.keep or args.reuse else 'dropped'}")
    out = VAR_DIR / "benchmarks"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"search-{n}.json").write_text(json.dumps(report, indent=2, default=str))
    ok = report["department"].get("small_scope_auto_equals_exact", True)
    return 0 if ok else 1


def _benchmark(n: int, queries: int, args, load_before) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from benchmarks import search_data

    if not args.reuse:
        call_command("migrate", verbosity=0)
    rng = np.random.default_rng(args.seed + 1)
    started = time.perf_counter()
    gallery = search_data.generate(n, seed=args.seed, data=args.data)
    generate_seconds = time.perf_counter() - started
    if args.reuse:
        # The same seed draws the same gallery and the same probes; the database holds that gallery.
        load_seconds, build = 0.0, describe_indexes()
    else:
        load_seconds, build = load_and_build(gallery, args)
    build.update(department_graphs(args.department_graphs))
    sizes = gallery.gallery_sizes()
    officers = _officer_sizes(gallery)
    exact_max = args.exact_max if args.exact_max is not None else settings.FACES_SEARCH_EXACT_MAX_OFFICERS
    scoped, everywhere = _queries(gallery, sizes, queries, rng)
    report = {
        "n": n,
        "departments": len(gallery.department_allowed),
        "allowed_departments": int(gallery.department_allowed.sum()),
        "officers": len(gallery.officer_department),
        "allowed_gallery_faces": sum(sizes.values()),
        "largest_department": max(sizes.values()),
        "smallest_department": min(sizes.values()),
        "queries_per_scope": queries,
        "data": args.data,
        "exact_max_officers": exact_max,
        "largest_department_officers": max(officers.values()),
        "generate_seconds": round(generate_seconds, 1),
        "load_seconds": round(load_seconds, 1),
        **build,
        "loadavg_before": load_before,
    }
    report["department"] = _measure("department", scoped, sizes, officers, exact_max)
    report["all_allowed"] = _measure("all", everywhere, sizes, officers, exact_max)
    with connection.cursor() as cursor:
        report["writes"] = write_costs(cursor, gallery, rng, count=20 if args.smoke else 200)
    report["loadavg_after"] = os.getloadavg()
    return report


def _print(report: dict) -> None:
    mib = lambda b: f"{(b or 0) / 2**20:.1f} MiB"  # noqa: E731
    print(
        f"\n## N = {report['n']:,} embedded faces ({report['allowed_gallery_faces']:,} in the allowed gallery, "
        f"{report['departments']} departments, {report['allowed_departments']} allowed, "
        f"{report['officers']:,} officers)"
    )
    print(
        f"data {report['data']}; load {report['load_seconds']} s; {report['centroids']:,} officer centroids in "
        f"{report['centroid_build_seconds']} s ({mib(report['centroid_heap_bytes'])} heap, centroid_scan "
        f"{mib(report['centroid_scan_bytes'])}); HNSW (halfvec, m {report['hnsw_m']}, "
        f"ef_construction {report['hnsw_ef_construction']}) build {report['hnsw_build_seconds']} s, "
        f"{mib(report['hnsw_bytes'])}; department graphs {report['department_graphs']} "
        f"(built {report['department_graphs_built']} in {report['department_graph_seconds']} s, "
        f"{mib(report['department_graph_bytes'])}); faces heap {mib(report['faces_table_bytes'])}; "
        f"shared_buffers {report['shared_buffers']}; "
        f"loadavg {tuple(round(x, 2) for x in report['loadavg_before'])} → "
        f"{tuple(round(x, 2) for x in report['loadavg_after'])}; planner cut-off "
        f"{report['exact_max_officers']:,} officers (largest department {report['largest_department_officers']:,})"
    )
    print("\n| write (own transaction, every trigger on) | mean ms | p99 ms |\n|---|---|---|")
    for kind, cost in report["writes"].items():
        print(f"| {kind} | {cost['mean_ms']} | {cost['p99_ms']} |")
    for scope in ("department", "all_allowed"):
        print(f"\n| {scope} scope | p50 ms | p99 ms | max ms | recall@5 | recall@5 ≤ 0.6 |\n|---|---|---|---|---|---|")
        for name, r in report[scope].items():
            if isinstance(r, dict) and "p50_ms" in r:
                print(
                    f"| {name} | {r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} | {r['recall_at_5']} | "
                    f"{r['recall_at_5_under_threshold']} |"
                )
    rows = report["department"]["by_department"]
    names = [k for k in next(iter(rows.values())) if k not in ("gallery_faces", "officers")]
    print("\n| department gallery faces (officers) | " + " | ".join(f"{k} p99 / recall@5" for k in names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for row in rows.values():
        print(f"| {row['gallery_faces']:,} ({row['officers']:,}) | " + " | ".join(str(row[k]) for k in names) + " |")
    print(f"\nsmall scopes: planner == exact: {report['department']['small_scope_auto_equals_exact']}")


if __name__ == "__main__":
    sys.exit(main())
