"""The headshot benchmark runs end to end at its smoke size (`python -m benchmarks.headshots --smoke`).

It makes its own throw-away database and starts real Celery workers on Redis, so it runs as
a subprocess; it exits non-zero unless every headshot was identified.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import redis

from benchmarks.env import REDIS_URL

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("worker")]


def test_the_headshot_benchmark_measures_one_and_two_workers(tmp_path):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not available at {REDIS_URL}: {exc}")
    report = tmp_path / "benchmarks.md"
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.headshots", "--smoke", "--output", str(report)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    text = report.read_text()
    assert "## Headshot import (make bench-headshots)" in text
    assert "| 1 | 4 |" in text and "| 2 | 4 |" in text and "done: 4" in text
    assert "of linear" in text and "load average" in text
