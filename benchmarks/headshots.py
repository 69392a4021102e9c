"""`make bench-headshots`: headshot import throughput (photos/s) with 1 and 2 worker processes.

    python -m benchmarks.headshots [--smoke] [--photos N] [--dataset DIR] [--output FILE]

1. Photos: the single-face test photos (tests/data/faces), each repeated as slightly
   different copies (crop, re-encode: new SHA-256s), or the first photo of each person in
   an LFW-style folder given with --dataset (e.g. ../shared/datasets/lfw-devtrain/lfw).
2. One officer per photo, named by badge number; the batch is taken in by
   `headshot_batch_create` in this process (names checked, photos decoded and stored), timed
   on its own.
3. Its items are queued in one transaction; 1, then 2 real `celery worker` processes (each
   prefork with one child, pinned to its own core) run `process_headshot`: the whole
   pipeline (detect, label, embed; no gallery search) and the identification for the
   gallery. The clock runs from the commit to the last file settled.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import env as bench

SECTION = "## Headshot import (make bench-headshots)"


def photo_bytes(count: int, dataset: Path | None, seed: int) -> list[bytes]:
    """`count` distinct single-face photos: the test photos varied, or one per LFW person."""
    if dataset is not None:
        people = sorted(p for p in dataset.iterdir() if p.is_dir())
        files = [sorted(p.glob("*.jpg"))[0] for p in people if any(p.glob("*.jpg"))]
        if len(files) < count:
            raise SystemExit(f"{dataset} has {len(files)} people; asked for {count}")
        return [bench.variant(f.read_bytes(), seed=seed + i) for i, f in enumerate(files[:count])]
    singles = [r["file"] for r in bench.manifest() if r["num_faces"] == "1" and r["file"] != "obama_lowres_240p.jpg"]
    return [bench.variant((bench.FACES / singles[i % len(singles)]).read_bytes(), seed=seed + i) for i in range(count)]


def run_batch(department, photos: list[bytes], prefix: str):
    """Take in a batch (in this process) of officers badge `prefix`-N; returns (batch, seconds)."""
    from departments.models import Officer
    from departments.services import SYSTEM
    from faces.services.headshot_files import HeadshotFile, HeadshotSource
    from faces.services.headshots import headshot_batch_create

    Officer.objects.bulk_create(
        Officer(department=department, first_name="Bench", last_name=f"{prefix}{i}", badge_number=f"{prefix}{i}")
        for i in range(len(photos))
    )
    files = [HeadshotFile(f"{prefix}{i}.jpg", read=lambda data=data: data) for i, data in enumerate(photos)]
    start = time.perf_counter()
    batch = headshot_batch_create(department=department, source=HeadshotSource(prefix, files), actor=SYSTEM)
    return batch, time.perf_counter() - start


def drain(batch) -> float:
    """Queue the batch's items at one commit; seconds until every item is settled."""
    from django.db import transaction

    from faces.models import HeadshotItem
    from faces.services.headshots import headshot_batch_queue

    with transaction.atomic():
        headshot_batch_queue(batch)
        start = time.perf_counter()
    deadline = time.monotonic() + 3600
    while HeadshotItem.objects.filter(batch=batch, status__in=HeadshotItem.PENDING).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the headshots were not processed in time")
        time.sleep(0.05)
    return time.perf_counter() - start


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its descendants (from /proc), so the cost
    per photo can be read apart from the waiting that other load on the machine adds."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except (OSError, IndexError, ValueError):
        return total
    return total + sum(cpu_seconds(int(child)) for child in children)


def throughput(department, worker_env: dict, processes: int, photos: list[bytes], cpus: list[int], logs: Path) -> dict:
    from faces.selectors_headshots import headshot_counts

    workers = [
        bench.Worker(worker_env, logs / f"h{processes}-{i}.log", cpus={cpus[i % len(cpus)]}).start()
        for i in range(processes)
    ]
    try:
        warm, _ = run_batch(department, photo_bytes(2 * processes, None, seed=90_000 + processes), f"W{processes}-")
        drain(warm)  # the first task of each worker loads dlib's models
        batch, take_in = run_batch(department, photos, f"P{processes}-")
        cpu_before = sum(cpu_seconds(w.process.pid) for w in workers if w.process)
        seconds = drain(batch)
        cpu = sum(cpu_seconds(w.process.pid) for w in workers if w.process) - cpu_before
    finally:
        for worker in workers:
            worker.stop()
    counts = {status: n for status, n in headshot_counts(batch).items() if n}
    return {
        "processes": processes,
        "photos": len(photos),
        "take_in": take_in,
        "seconds": seconds,
        "per_second": len(photos) / seconds,
        "cpu_per_photo": cpu / len(photos),
        "counts": counts,
    }


def report(runs: list[dict], args, source: str) -> str:
    one, two = runs[0], runs[-1]
    ratio = two["per_second"] / (2 * one["per_second"])
    command = " ".join(["python -m benchmarks.headshots", *sys.argv[1:]])
    lines = [
        f"Command: `{command}` ({'smoke size, not a measurement' if args.smoke else 'full run'}). "
        f"{bench.machine_note()}. Photos: {source}. "
        "Recognition allowed (detect, label, embed, identify; no gallery search).",
        "",
        "| worker processes | photos | take-in (this process) s | processing s | photos / s "
        "| worker CPU s / photo | results |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        results = ", ".join(f"{k}: {v}" for k, v in r["counts"].items())
        lines.append(
            f"| {r['processes']} | {r['photos']} | {r['take_in']:.1f} | {r['seconds']:.1f} | "
            f"{r['per_second']:.2f} | {r['cpu_per_photo']:.2f} | {results} |"
        )
    lines += [
        "",
        f"Scaling, 2 processes vs 1: **{ratio:.2f} of linear**. On idle cores one worker could do at most "
        f"{1 / one['cpu_per_photo']:.2f} photos/s (1 / its CPU seconds per photo); wall-clock rates below that "
        "are time spent waiting for a core that other processes held. Take-in (names checked, photos decoded, "
        f"re-encoded and stored, in the request or the command) runs at {one['photos'] / one['take_in']:.1f} photos/s "
        "in one process.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: shows the benchmark still works")
    parser.add_argument("--photos", type=int, default=None, help="photos per run (default 60; smoke 4)")
    parser.add_argument("--dataset", type=Path, default=None, help="an LFW-style folder: one photo per person")
    parser.add_argument("--output", type=Path, default=bench.DOC, help="the report to update")
    args = parser.parse_args(argv)
    count = args.photos or (4 if args.smoke else 60)
    bench.require_redis()
    available = sorted(os.sched_getaffinity(0))
    source = "tests/data/faces single-face photos, varied"
    if args.dataset is not None:
        source = f"{args.dataset} (first photo per person)"
    with bench.bench_environment("headshots") as worker_env:
        department = bench.allowed_department()
        with tempfile.TemporaryDirectory() as tmp:
            runs = [
                throughput(
                    department, worker_env, n, photo_bytes(count, args.dataset, seed=10_000 * n), available, Path(tmp)
                )
                for n in (1, 2)
            ]
    text = report(runs, args, source)
    print(text)
    bench.replace_section(SECTION, text, args.output)
    failed = [r for r in runs if set(r["counts"]) - {"done"}]
    return 1 if failed and args.dataset is None else 0


if __name__ == "__main__":
    raise SystemExit(main())
