"""The grouping benchmark runs end to end in seconds (`python -m benchmarks.grouping --smoke`), on
the test photos in LFW layout (no /work/shared needed), and its arithmetic is right."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from benchmarks import grouping, lfw_layout

ROOT = Path(__file__).resolve().parents[2]


def test_the_smoke_run_scores_every_method_on_real_photos_and_times_the_clustering(tmp_path):
    lfw_layout.build(tmp_path / "lfw")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.grouping",
            "--smoke",
            "--dataset",
            str(tmp_path),
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    for method in grouping.METHODS:
        assert f"| {method} | 0.50 |" in run.stdout
    assert "| 200 |" in run.stdout and "| 400 |" in run.stdout
    assert list((tmp_path / "cache").glob("embeddings-*.npz"))


def test_pairwise_scores_count_pairs_put_together_against_pairs_of_one_person():
    labels = np.array([0, 0, 0, 1, 1, 2])
    groups = np.array([5, 5, -1, 5, 7, -1])  # one right pair, two wrong pairs; 4 true pairs
    precision, recall, predicted, true = grouping.pairwise_scores(groups, labels)
    assert (predicted, true) == (3, 4)
    assert (precision, recall) == (1 / 3, 1 / 4)


def test_synthetic_descriptors_keep_the_calibrated_spread():
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(50, 128)) * 0.1
    labels = np.repeat(np.arange(50), 4)
    vectors = centres[labels] + rng.normal(size=(200, 128)) * 0.03
    calibration = grouping.calibrate(vectors, labels)
    assert np.allclose(calibration["within_std"].mean(), 0.03, rtol=0.15)
    made = grouping.synthetic(1000, calibration)
    assert made.shape == (1000, 128) and made.dtype == np.float32
