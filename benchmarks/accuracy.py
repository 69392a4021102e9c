"""Compare pipeline settings with `manage.py evaluate` on the test photos in LFW layout.

    python -m benchmarks.accuracy [--smoke] [--output FILE]

The shared set is tiny (14 one-face photos of 6 people: 12 same-person pairs), so
accuracy saturates; the all-pairs margin (smallest different-person distance minus the
largest same-person distance) and the time per photo are what tell settings apart here.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from io import StringIO
from itertools import combinations
from pathlib import Path

import numpy as np

from benchmarks import env as bench
from benchmarks import lfw_layout

SECTION = "## Accuracy (manage.py evaluate)"
GRID = [  # (jitters, landmark model, upsample, max side)
    (1, "small", 1, 2600),
    (10, "small", 1, 2600),
    (1, "large", 1, 2600),
    (10, "large", 1, 2600),
    (1, "small", 0, 2600),
    (1, "small", 1, 800),
    (1, "small", 2, 1000),
]


def run(root: Path, pairs: Path, department, config: tuple) -> dict:
    from django.core.management import call_command

    from faces import evaluation

    jitters, landmarks, upsample, max_side = config
    args = [
        "--root",
        str(root),
        "--pairs",
        str(pairs),
        "--identify",
        "--department",
        department.slug,
        "--json",
        "--jitters",
        str(jitters),
        "--landmark-model",
        landmarks,
        "--upsample",
        str(upsample),
        "--max-side",
        str(max_side),
    ]
    out = StringIO()
    start = time.perf_counter()
    call_command("evaluate", *args, stdout=out)
    seconds = time.perf_counter() - start
    report = json.loads(out.getvalue())
    # All pairs of the 14 photos (12 same, 79 different), for the margin.
    embed = evaluation.Embedder(
        department,
        evaluation.PipelineSettings(jitters=jitters, landmark_model=landmarks, upsample=upsample, max_side=max_side),
    )
    vectors = [
        (name, embed(evaluation.image_path(root, name, n)))
        for name, numbers in evaluation.scan_identities(root).items()
        for n in numbers
    ]
    same, different = [], []
    for (a, va), (b, vb) in combinations([(n, v) for n, v in vectors if v is not None], 2):
        (same if a == b else different).append(float(np.linalg.norm(va - vb)))
    report["all_pairs"] = {
        "same_max": max(same),
        "different_min": min(different),
        "same": len(same),
        "different": len(different),
    }
    report["ms_per_photo"] = 1000 * seconds / max(1, report["images"]["read"])
    return report


def _warm_up(root: Path, department) -> None:
    """Load dlib's detector, landmark and descriptor models outside the clock."""
    from faces import evaluation

    photo = evaluation.image_path(root, "obama", 1)
    for landmarks in ("small", "large"):
        evaluation.Embedder(department, evaluation.PipelineSettings(landmark_model=landmarks))(photo)


def table(results: list[tuple[tuple, dict]], argv: list[str], smoke: bool) -> str:
    lines = [
        f"Command: `{' '.join(['python -m benchmarks.accuracy', *argv])}` "
        f"({'smoke size, not a measurement' if smoke else 'full run'}), which builds an LFW-layout folder from "
        "tests/data/faces (`benchmarks/lfw_layout.py`) and runs `manage.py evaluate --pairs ... --identify --json` "
        f"for each setting. {bench.machine_note()}.",
        "",
        "The labelled set is tiny: 14 one-face photos of 6 people, 12 same-person and 12 different-person pairs in "
        "the pairs file (91 pairs in all for the margin column). No larger labelled face set can be downloaded "
        "here (no internet; scikit-learn's `fetch_lfw_people` downloads at run time, and no PyPI package in the "
        "package lists ships LFW images — `bob.db.lfw` is only an access API). Accuracy therefore saturates at "
        "1.0 and cannot rank settings; the margin and the cost can. Re-run `manage.py evaluate` on real LFW "
        "(`--root lfw/ --pairs pairs.txt`) where it is available before trusting a change of threshold.",
        "",
        "| jitters | landmarks | upsample | max side | accuracy @0.6 | best threshold (acc.) | TAR @ FAR 0.1 % | "
        "no face | rank-1 best / centroid | max same | min different | margin | ms / photo |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (jitters, landmarks, upsample, max_side), r in results:
        v, i, a = r["verification"], r["identification"], r["all_pairs"]
        lines.append(
            f"| {jitters} | {landmarks} | {upsample} | {max_side} | {v['accuracy']:.3f} | "
            f"{v['best_threshold']:.3f} ({v['best_accuracy']:.3f}) | {v['tar_at_far']:.3f} | "
            f"{r['images']['no_face']} | "
            f"{i['best_distance']:.2f} / {i['centroid']:.2f} | {a['same_max']:.3f} | {a['different_min']:.3f} | "
            f"{a['different_min'] - a['same_max']:+.3f} | {r['ms_per_photo']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one setting only")
    parser.add_argument("--output", type=Path, default=bench.DOC, help="the report to update")
    args = parser.parse_args(argv)
    available = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {available[0]})
    grid = GRID[:1] if args.smoke else GRID
    with tempfile.TemporaryDirectory() as tmp, bench.bench_environment("accuracy"):
        root = Path(tmp) / "lfw"
        pairs = lfw_layout.build(root)
        department = bench.allowed_department()
        _warm_up(root, department)
        results = [(config, run(root, pairs, department, config)) for config in grid]
    text = table(results, sys.argv[1:] if argv is None else argv, args.smoke)
    print(text)
    bench.replace_section(SECTION, text, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
