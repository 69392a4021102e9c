"""The calibration and realism scripts run end to end on a small descriptors file (no /work/shared):
`benchmarks.calibrate_search_data` writes a complete calibration, `benchmarks.search_realism`
prints its three tables and drops its throwaway database."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np

from benchmarks import calibrate_search_data, search_data
from benchmarks.devtrain_descriptors import Descriptors, load

ROOT = Path(__file__).resolve().parents[2]


def _descriptors(path: Path) -> Path:
    """300 identities, a third with 2-4 photos, one photo without a face, like a small DevTrain."""
    rng = np.random.default_rng(5)
    counts = np.where(np.arange(300) % 3 == 0, rng.integers(2, 5, 300), 1)
    _, photos, owner = search_data.sample_identities(search_data.calibrated_model(), counts, rng)
    photos[7] = np.nan
    names = np.asarray([f"Person_{i:03d}" for i in owner])
    paths = np.asarray([f"lfw/{n}/{n}_{k:04d}.jpg" for k, n in enumerate(names)])
    Descriptors(names, paths, photos, '{"mirror": true}').save(path)
    return path


def test_a_saved_descriptors_file_reads_back_with_its_missing_faces(tmp_path):
    descriptors = load(_descriptors(tmp_path / "d.npz"))

    assert descriptors.vectors.shape[1] == 128 and not descriptors.has_face[7]
    assert descriptors.has_face.sum() == len(descriptors.names) - 1
    assert descriptors.settings == '{"mirror": true}'
    assert sum(len(v) for v in descriptors.by_identity().values()) == len(descriptors.names) - 1


def test_the_calibration_of_generated_descriptors_recovers_their_spread(tmp_path):
    source = _descriptors(tmp_path / "d.npz")
    output = tmp_path / "calibration.npz"

    assert calibrate_search_data.main(["--descriptors", str(source), "--output", str(output)]) == 0

    with np.load(output) as made, np.load(search_data.CALIBRATION) as truth:
        for prefix in ("between", "within"):
            assert made[f"{prefix}_vectors"].shape == (128, 128)
            # Drawn from the committed calibration: the measured total spread comes back within 25 %.
            assert abs(made[f"{prefix}_values"].sum() / truth[f"{prefix}_values"].sum() - 1) < 0.25
        assert int(made["identities_with_2_or_more"]) == 100
        assert '"mirror": true' in str(made["source"])


def test_the_realism_report_compares_real_calibrated_and_stress_sets_and_cleans_up(tmp_path):
    source = _descriptors(tmp_path / "d.npz")

    run = subprocess.run(
        [sys.executable, "-m", "benchmarks.search_realism", "--descriptors", str(source), "--ef", "10,40"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    for label in ("real", "calibrated", "stress"):
        assert re.search(rf"^\| {label} \| [\d,]+ \(300\) \|", run.stdout, re.M), run.stdout
        assert re.search(
            rf"^\| {label} \| [01]\.\d{{4}} / [01]\.\d{{4}} \| [01]\.\d{{4}} / [01]\.\d{{4}} \|$", run.stdout, re.M
        )
    database = re.search(r"database (oversight_bench_realism_\S+) dropped", run.stdout)
    assert database and database.group(1) not in _databases()


def _databases() -> set[str]:
    import psycopg

    from benchmarks.env import server_url

    with psycopg.connect(server_url()) as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
