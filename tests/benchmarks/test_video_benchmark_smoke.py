"""The video benchmark runs end to end at its smoke size (`python -m benchmarks.video --smoke`).

It makes its own throw-away database and processes in its own process (no Celery), so it runs
as a subprocess; it exits non-zero unless the video was processed into sequences.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_video_benchmark_processes_a_generated_clip_and_scores_its_sequences(tmp_path):
    report = tmp_path / "benchmarks.md"
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.video", "--smoke", "--output", str(report)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    text = report.read_text()
    assert "## Video processing (make bench-video)" in text
    assert "processing time / clip duration" in text and "sequence purity" in text and "completeness" in text
    assert "peak resident memory" in text and "load average" in text
