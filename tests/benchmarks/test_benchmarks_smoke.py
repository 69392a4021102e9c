"""The benchmarks still run: each one at its --smoke size (seconds), never the full size.

They start real Celery workers on Redis and make their own throw-away database, so they
run as subprocesses, side by side to keep the whole check near half a minute.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from benchmarks.env import REDIS_URL

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("worker")]


@pytest.fixture(scope="module")
def smoke_reports(tmp_path_factory) -> dict[str, tuple[int, str, str]]:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not available at {REDIS_URL}: {exc}")
    folder = tmp_path_factory.mktemp("bench")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    running = {}
    for name in ("pipeline", "workers", "accuracy", "latency"):
        report = folder / f"{name}.md"
        running[name] = (
            report,
            subprocess.Popen(
                [sys.executable, "-m", f"benchmarks.{name}", "--smoke", "--output", str(report)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            ),
        )
    results = {}
    for name, (report, process) in running.items():
        try:
            output, _ = process.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        results[name] = (process.returncode, output, report.read_text() if report.exists() else "")
    return results


def test_the_pipeline_benchmark_splits_the_stages_and_measures_a_real_worker(smoke_reports):
    code, output, report = smoke_reports["pipeline"]
    assert code == 0, output[-3000:]
    assert report.startswith("# Benchmarks") and "## Pipeline (make bench)" in report
    assert re.search(r"\| obama_2\.jpg \| 1 \| \d+ \| \d+ \| \d+ \| \d+ \| \d+ \|", report)
    assert "1 of them got suggestions" in report  # the upload went through the worker to a suggestion
    assert "load average" in report


def test_the_worker_benchmark_measures_one_and_two_processes(smoke_reports):
    code, output, report = smoke_reports["workers"]
    assert code == 0, output[-3000:]
    assert "## Worker throughput (make bench-workers)" in report
    assert re.search(r"^\| 1 \| 2 \| [\d.]+ \| [\d.]+ \| 0 \| 100% \| 0 \|$", report, re.M)
    assert re.search(r"^\| 2 \| 2 \| [\d.]+ \| [\d.]+ \| 0 \| 100% \| 0 \|$", report, re.M)
    assert "of linear" in report


def test_the_latency_benchmark_sees_suggestions_then_labels_through_the_api_on_both_brokers(smoke_reports):
    code, output, report = smoke_reports["latency"]
    assert code == 0, output[-3000:]
    assert "## Upload to suggestions (python -m benchmarks.latency)" in report
    for broker in ("filesystem", "redis"):
        row = rf"^\| {broker} \| 2 \(2 with suggestions\) \| \d+ ms \| .* \| \d+ ms \| \d+ ms \|"
        assert re.search(row, report, re.M)  # suggestions, then labels, then both tasks in the worker's log


def test_the_accuracy_benchmark_runs_evaluate(smoke_reports):
    code, output, report = smoke_reports["accuracy"]
    assert code == 0, output[-3000:]
    assert "## Accuracy (manage.py evaluate)" in report
    assert re.search(r"^\| 1 \| small \| 1 \| 2600 \| 1\.000 \|", report, re.M)


def test_a_section_is_replaced_and_the_others_kept(tmp_path):
    from benchmarks.env import replace_section

    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nIntro.\n\n## A\n\nold a\n\n## B\n\nold b\n")
    replace_section("## A", "new a", doc)
    replace_section("## C", "new c", doc)
    assert doc.read_text() == "# Benchmarks\n\nIntro.\n\n## A\n\nnew a\n\n## B\n\nold b\n\n## C\n\nnew c\n"


def test_a_hand_written_subsection_under_a_generated_section_survives_a_re_run(tmp_path):
    from benchmarks.env import replace_section

    doc = tmp_path / "benchmarks.md"
    doc.write_text("## A\n\nold a\n\n### Before and after\n\nkept\n\n## B\n\nold b\n")
    replace_section("## A", "new a", doc)
    assert doc.read_text() == "## A\n\nnew a\n\n### Before and after\n\nkept\n\n## B\n\nold b\n"


@pytest.mark.django_db
@pytest.mark.parametrize("department", ["disallowed_department", "illinois_department"])
def test_the_face_recognition_baseline_refuses_a_department_without_recognition(department, request):
    from benchmarks.baseline import direct
    from departments.policy import RecognitionNotAllowed

    with pytest.raises(RecognitionNotAllowed):
        direct(ROOT / "tests" / "data" / "faces" / "obama_1.jpg", request.getfixturevalue(department))


@pytest.mark.django_db
def test_the_face_recognition_baseline_times_an_allowed_department(allowed_department):
    from benchmarks.baseline import direct

    assert direct(ROOT / "tests" / "data" / "faces" / "biden_lfw_1.jpg", allowed_department) > 0
