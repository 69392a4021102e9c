"""Compare pipeline settings with `manage.py evaluate`.

    python -m benchmarks.accuracy [--smoke] [--output FILE]
    python -m benchmarks.accuracy --root DIR --pairs FILE [--variants a,b] [--cache-dir DIR] [--output FILE]

Without --root: the test photos in LFW layout. That set is tiny (14 one-face photos of 6
people: 12 same-person pairs), so accuracy saturates; the all-pairs margin (smallest
different-person distance minus the largest same-person distance) and the time per photo
are what tell settings apart there.

With --root/--pairs: any LFW-layout set (e.g. ../shared/datasets/lfw-devtrain), one
`evaluate --identify` run per variant of VARIANTS, written to the "Accuracy on LFW" section.
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


# Variants for --root: evaluate's options on top of the shipped settings (oversight/settings.py).
VARIANTS: dict[str, list[str]] = {
    "baseline": ["--landmark-model", "small", "--no-mirror", "--fallback", "none", "--jitters", "1"],
    "mirror": ["--landmark-model", "small", "--mirror", "--fallback", "none", "--jitters", "1"],
    "fallback-cnn": ["--landmark-model", "small", "--no-mirror", "--fallback", "cnn", "--jitters", "1"],
    "fallback-hog": ["--landmark-model", "small", "--no-mirror", "--fallback", "hog", "--jitters", "1"],
    "large": ["--landmark-model", "large", "--no-mirror", "--fallback", "none", "--jitters", "1"],
    "shipped": [],
}
LFW_SECTION = "## Accuracy on LFW (manage.py evaluate)"


def run_variant(root: Path, pairs: Path, department, name: str, cache_dir: Path | None) -> dict:
    from django.core.management import call_command

    args = ["--root", str(root), "--pairs", str(pairs), "--identify", "--department", department.slug, "--json"]
    if cache_dir is not None:
        args += ["--cache-dir", str(cache_dir)]
    out = StringIO()
    call_command("evaluate", *args, *VARIANTS[name], stdout=out)
    return json.loads(out.getvalue())


def lfw_table(results: list[tuple[str, dict]], argv: list[str]) -> str:
    lines = [
        f"Command: `{' '.join(['python -m benchmarks.accuracy', *argv])}`: one `manage.py evaluate --identify` "
        f"per variant (the shipped settings plus the variant's options). {bench.machine_note()}.",
        "",
        "| variant | landmarks | mirror | fallback | pairs skipped | accuracy @ threshold, skipped = errors "
        "(without them) | best threshold (accuracy) | TAR @ FAR 0.1 % | rank-1 centroid / best / centroid→best / "
        "best→centroid | rank-1 centroid / best, full galleries | embed ms / face | detect ms / image |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results:
        c, v, i, t = r["settings"], r["verification"], r["identification"], r["timing"]

        def ms(key: str, timing: dict = t) -> str:
            return "cached" if timing[key] is None else f"{timing[key]:.0f}"

        lines.append(
            f"| {name} | {c['landmark_model']} | {'yes' if c['mirror'] else 'no'} | {c['fallback'] or 'none'} | "
            f"{v['skipped_pairs']} | {v['accuracy_counting_skipped']:.4f} @ {v['threshold']:.3f} "
            f"({v['accuracy']:.4f}) | {v['best_threshold']:.3f} ({v['best_accuracy']:.4f}) | {v['tar_at_far']:.4f} | "
            f"{i['centroid']:.4f} / {i['best_distance']:.4f} / {i['centroid_shortlist_best']:.4f} / "
            f"{i['best_shortlist_centroid']:.4f} | {i['full_gallery_centroid']:.4f} / "
            f"{i['full_gallery_best_distance']:.4f} ({i['full_gallery_probes']} probes) | "
            f"{ms('embed_ms_per_face')} | {ms('detect_ms_per_image')} |"
        )
    return "\n".join(lines)


def run(root: Path, pairs: Path, department, config: tuple) -> dict:
    from django.conf import settings
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
        evaluation.PipelineSettings(
            jitters=jitters,
            landmark_model=landmarks,
            upsample=upsample,
            max_side=max_side,
            mirror=settings.FACES_EMBED_MIRROR,  # as evaluate does, from the shipped settings
            fallback=settings.FACES_DETECT_FALLBACK,
        ),
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
    parser.add_argument("--root", type=Path, help="an LFW-layout folder (<identity>/<identity>_NNNN.jpg)")
    parser.add_argument("--pairs", type=Path, help="its LFW pairs file (with --root)")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"with --root: some of {', '.join(VARIANTS)}")
    parser.add_argument("--cache-dir", type=Path, help="with --root: keep descriptors on disk, per variant")
    args = parser.parse_args(argv)
    available = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {available[0]})
    if args.root is not None:
        return main_lfw(args, sys.argv[1:] if argv is None else argv)
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


def main_lfw(args: argparse.Namespace, argv: list[str]) -> int:
    names = [n.strip() for n in args.variants.split(",") if n.strip()]
    unknown = [n for n in names if n not in VARIANTS]
    if unknown or not names:
        raise SystemExit(f"Unknown variant(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(VARIANTS)}.")
    if args.pairs is None:
        raise SystemExit("--root needs --pairs FILE.")
    with bench.bench_environment("accuracy"):
        department = bench.allowed_department()
        results = [(name, run_variant(args.root, args.pairs, department, name, args.cache_dir)) for name in names]
    text = lfw_table(results, argv)
    print(text)
    bench.replace_section(LFW_SECTION, text, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
