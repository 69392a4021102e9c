"""The roster-import benchmark runs end to end in seconds (`python -m benchmarks.roster --smoke`).

It builds its own throwaway database on the same server, so it runs as a subprocess; the
benchmark exits non-zero if an import creates, updates or keeps the wrong number of rows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_roster_benchmark_smoke_run_imports_reimports_and_cleans_up():
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.roster", "--smoke"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    assert "| first import (500 created) |" in run.stdout and "benchmark database dropped" in run.stdout
    report = json.loads((ROOT / "var" / "benchmarks" / "roster-500.json").read_text())
    assert report["n"] == 500 and report["problems"] == []
    assert report["reimport"] == {"updated": 5, "unchanged": 495, "assignments_changed": 3}
    assert report["peak_rss_mb_end"] > 0
