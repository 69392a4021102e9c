"""`make bench-workers`: photos per second with 1 and 2 real worker processes.

    python -m benchmarks.workers [--smoke] [--copies N] [--output FILE]

1. Detection settings: detect-only time and face-count recall on the group photos for a
   few (upsample, max_side) choices, in this process (one core).
2. Throughput: every test photo, N distinct copies, uploaded in one transaction so all
   tasks are queued at the same instant; 1 then 2 `celery worker` processes (each
   prefork with one child, pinned to its own core) drain the Redis queue. The clock
   runs from the commit to the last photo done.
3. Recall of the group photos' known face counts (MANIFEST.csv), counted from the faces
   the workers stored, beside the speed; false positives on the no-face photos.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import env as bench

SECTION = "## Worker throughput (make bench-workers)"


def count_recall(found: dict[str, int], rows: list[dict]) -> tuple[float, int]:
    """Face-count recall on the group photos (min(found, known) / known, summed) and
    the faces found on the no-face photos."""
    known = {r["file"]: int(r["num_faces"]) for r in rows}
    groups = [f for f in found if f.startswith("group_")]
    total = sum(known[f] for f in groups)
    recall = sum(min(found[f], known[f]) for f in groups) / total if total else float("nan")
    false = sum(found[f] for f in found if known[f] == 0)
    return recall, false


# A large "crowd" photo: the group photos pasted side by side at their own size
# (3112 x 1920 px, 45 faces), as a high-resolution photo of a crowd would show them.
MOSAIC = [
    ("group_collage_bald_guys.jpg", 0, 0),
    ("group_obama_biden.jpg", 1986, 0),
    ("group_kit_harington_rose_leslie.jpg", 1986, 661),
    ("group_selfie_many_people.jpg", 2487, 661),
    ("group_voc_2008_002470.jpg", 0, 1545),
    ("group_voc_2007_007763_small_faces.jpg", 500, 1545),
]


def mosaic():
    import numpy as np
    from PIL import Image

    canvas = Image.new("RGB", (3112, 1920), "white")
    for name, x, y in MOSAIC:
        with Image.open(bench.FACES / name) as im:
            canvas.paste(im.convert("RGB"), (x, y))
    known = {r["file"]: int(r["num_faces"]) for r in bench.manifest()}
    return np.asarray(canvas), sum(known[name] for name, _, _ in MOSAIC)


def detection_grid(photos: list[str], grid: list[tuple[int, int]]) -> list[dict]:
    from faces.pipeline.decode import load_rgb
    from faces.pipeline.detect import detect_faces

    rows = bench.manifest()
    decoded = {name: load_rgb((bench.FACES / name).read_bytes(), max_pixels=40_000_000) for name in photos}
    crowd, crowd_known = mosaic()
    detect_faces(decoded[photos[0]], upsample=0)  # load the detector outside the clock
    out = []
    for upsample, max_side in grid:
        found, seconds = {}, []
        for name, rgb in decoded.items():
            start = time.perf_counter()
            found[name] = len(detect_faces(rgb, upsample=upsample, max_side=max_side))
            seconds.append(time.perf_counter() - start)
        recall, false = count_recall(found, [r for r in rows if r["file"] in found])
        small = found.get("group_voc_2007_007763_small_faces.jpg")
        start = time.perf_counter()
        crowd_found = len(detect_faces(crowd, upsample=upsample, max_side=max_side))
        out.append(
            {
                "upsample": upsample,
                "max_side": max_side,
                "mean_ms": 1000 * statistics.mean(seconds),
                "recall": recall,
                "false": false,
                "small": small,
                "crowd": f"{min(crowd_found, crowd_known)}/{crowd_known}",
                "crowd_ms": 1000 * (time.perf_counter() - start),
            }
        )
    return out


def throughput(
    department, worker_env: dict, processes: int, photos: list[str], copies: int, cpus: list[int], logs: Path, seed: int
) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from faces import services
    from faces.models import Face, Image

    workers = [
        bench.Worker(worker_env, logs / f"w{processes}-{i}.log", cpus={cpus[i % len(cpus)]}).start()
        for i in range(processes)
    ]
    try:
        # Warm up every worker (the first task loads dlib's models).
        warm = [
            services.image_create(
                upload=SimpleUploadedFile(
                    "w.jpg", bench.variant((bench.FACES / "obama_2.jpg").read_bytes(), seed=seed + 900 + i)
                ),
                department=department,
            ).image.pk
            for i in range(2 * processes)
        ]
        _wait_done(warm)
        names: dict[int, str] = {}
        with transaction.atomic():  # every task is published when this commits
            for copy in range(copies):
                for k, name in enumerate(photos):
                    data = bench.variant((bench.FACES / name).read_bytes(), seed=seed + copy * 100 + k)
                    image = services.image_create(upload=SimpleUploadedFile(name, data), department=department).image
                    names[image.pk] = name
            start = time.perf_counter()
        _wait_done(list(names))
        elapsed = time.perf_counter() - start
    finally:
        for worker in workers:
            worker.stop()
    failed = Image.objects.filter(pk__in=list(names), status="failed").count()
    counts: dict[int, int] = dict.fromkeys(names, 0)
    for image_id in Face.objects.filter(image_id__in=list(names), source="detector").values_list("image_id", flat=True):
        counts[image_id] += 1
    # Recall from the first copy of each photo (the copies differ by a few pixels only).
    first: dict[str, int] = {}
    for pk in sorted(names):
        first.setdefault(names[pk], counts[pk])
    recall, false = count_recall(first, [r for r in bench.manifest() if r["file"] in first])
    return {
        "processes": processes,
        "images": len(names),
        "seconds": elapsed,
        "per_second": len(names) / elapsed,
        "failed": failed,
        "recall": recall,
        "false": false,
    }


def _wait_done(ids: list[int], timeout: float = 1800) -> None:
    from faces.models import Image

    deadline = time.monotonic() + timeout
    while Image.objects.filter(pk__in=ids).exclude(status__in=["done", "failed"]).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("photos were not processed in time")
        time.sleep(0.05)


def report(grid: list[dict], runs: list[dict], args, photos: list[str]) -> str:
    from django.conf import settings

    one, two = runs[0], runs[-1]
    ratio = two["per_second"] / (2 * one["per_second"]) if len(runs) > 1 else float("nan")
    lines = [
        f"Command: `{' '.join(['python -m benchmarks.workers', *sys.argv[1:]])}` "
        f"({'smoke size, not a measurement' if args.smoke else 'full run'}). {bench.machine_note()}. "
        "Anything else running on the same 2 cores competes with the two-worker run, so under load the scaling "
        "ratio is a lower bound.",
        "",
        f"Settings: detector {settings.FACES_DETECTOR}, upsample {settings.FACES_UPSAMPLE}, detection max side "
        f"{settings.FACES_DETECT_MAX_SIDE} px, jitters {settings.FACES_EMBED_JITTERS}, landmarks "
        f"{settings.FACES_LANDMARK_MODEL}; recognition allowed (detect, label, embed and search all run).",
        "",
        "| worker processes | photos | seconds | photos / s | failed | group face-count recall "
        "| faces on no-face photos |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r['processes']} | {r['images']} | {r['seconds']:.1f} | {r['per_second']:.2f} | {r['failed']} | "
            f"{r['recall']:.0%} | {r['false']} |"
        )
    lines += [
        "",
        f"Scaling, 2 processes vs 1: **{ratio:.2f} of linear** (goal >= 0.9).",
        "",
        f"Detection settings (HOG, detect only, in one process, mean over {len(photos)} test photos; recall of the "
        "group photos' known face counts, which is an upper bound on true recall since a false box also counts):",
        "",
        "| upsample | max side (px) | ms / photo | group face-count recall | faces found in the 7-small-face photo | "
        "faces on no-face photos | 6 MP crowd mosaic: faces found | mosaic ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for g in grid:
        lines.append(
            f"| {g['upsample']} | {g['max_side']} | {g['mean_ms']:.0f} | {g['recall']:.0%} | "
            f"{g['small'] if g['small'] is not None else '-'} | {g['false']} | {g['crowd']} | "
            f"{g['crowd_ms']:.0f} |"
        )
    lines += [
        "",
        "The mosaic pastes the group photos side by side at their own size (3112 x 1920 px, 45 faces): "
        "a high-resolution crowd photo, where the detection max side decides whether small faces survive.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: shows the benchmark still works")
    parser.add_argument("--copies", type=int, default=None, help="distinct copies of each test photo")
    parser.add_argument("--output", type=Path, default=bench.DOC, help="the report to update")
    args = parser.parse_args(argv)
    copies = args.copies or (1 if args.smoke else 3)
    bench.require_redis()
    available = sorted(os.sched_getaffinity(0))
    rows = bench.manifest()
    photos = ["obama_2.jpg", "group_voc_2008_002470.jpg"] if args.smoke else [r["file"] for r in rows]
    grid = (
        [(1, 2000)]
        if args.smoke
        else [(0, 2000), (0, 4000), (1, 1000), (1, 1600), (1, 2000), (1, 2600), (2, 1000), (2, 2000)]
    )
    with bench.bench_environment("workers") as worker_env:
        os.sched_setaffinity(0, {available[0]})
        detection = detection_grid(photos, grid)
        os.sched_setaffinity(0, set(available))
        department = bench.allowed_department()
        bench.build_gallery(department, only=("obama",) if args.smoke else ())
        bench.analyze()
        with tempfile.TemporaryDirectory() as tmp:
            runs = [
                throughput(department, worker_env, n, photos, copies, available, Path(tmp), seed=10_000 * n)
                for n in (1, 2)
            ]
    text = report(detection, runs, args, photos)
    print(text)
    bench.replace_section(SECTION, text, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
