"""The gallery-search benchmark runs end to end in seconds (`python -m benchmarks.search --smoke`).

It builds its own throwaway database on the same server, so it runs as a subprocess; the
benchmark exits non-zero if the planner's answers differ from the exact scan's.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_search_benchmark_smoke_run_measures_both_scopes_and_cleans_up():
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.search", "--smoke"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    assert "| all_allowed scope |" in run.stdout and "| department scope |" in run.stdout
    report = json.loads((ROOT / "var" / "benchmarks" / "search-2000.json").read_text())
    assert report["n"] == 2000 and report["hnsw_bytes"] > 0 and report["centroids"] > 0
    assert {"gallery face insert", "unidentified face insert", "identification"} == set(report["writes"])
    for scope in ("department", "all_allowed"):
        assert report[scope]["exact"]["recall_at_5"] == 1.0
        assert report[scope]["auto (planner)"]["recall_at_5"] == 1.0  # small gallery: exact path
        assert report[scope]["hnsw ef=100"]["p99_ms"] > 0
    assert report["department"]["small_scope_auto_equals_exact"] is True
    name = re.search(r"benchmark database (oversight_bench_search_\d+) dropped", run.stdout).group(1)
    assert name not in _databases()


def _databases() -> set[str]:
    import psycopg

    from benchmarks.search import _server_url

    with psycopg.connect(_server_url()) as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
