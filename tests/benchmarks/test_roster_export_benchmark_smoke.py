"""The export benchmark runs end to end in seconds (`python -m benchmarks.roster_export --smoke`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_export_benchmark_smoke_run_exports_every_officer_and_cleans_up():
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.roster_export", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    assert "| whole ZIP streamed" in run.stdout and "benchmark database dropped" in run.stdout
    report = json.loads((ROOT / "var" / "benchmarks" / "roster-export-500.json").read_text())
    assert report["n"] == 500 and report["problems"] == []
