"""Clusters of unidentified faces: pairwise precision/recall on DevTrain, and time to cluster.

    python -m benchmarks.grouping --dataset ../shared/datasets/lfw-devtrain [--cache-dir DIR] [--output FILE]
    python -m benchmarks.grouping --smoke   # synthetic descriptors only, small sizes, no report

1. Descriptors of every DevTrain photo through the project's pipeline with the shipped
   settings (faces.evaluation.Embedder on a throw-away database, cached on disk).
2. Every method of faces.clustering at a sweep of thresholds: pairwise precision and
   recall against the identities (a pair is "predicted same" when both faces end in one
   group of two or more).
3. Time to cluster 10k and 100k faces of one department with the method the service uses
   (faces.clustering.incremental, as faces arrive, with exact neighbour search), on
   synthetic descriptors calibrated from DevTrain: identity centres drawn with the
   centres' covariance, faces spread around them with the measured within-identity spread.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from faces import clustering

SECTION = "## Clusters of unidentified faces (python -m benchmarks.grouping)"
THRESHOLDS = (0.36, 0.38, 0.39, 0.40, 0.42, 0.45, 0.50)
METHODS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "as faces arrive, average linkage (the service)": clustering.incremental,
    "as faces arrive, complete linkage": functools.partial(clustering.incremental, linkage="complete"),
    "batch single linkage": clustering.single_linkage,
    "batch average linkage": clustering.average_linkage,
    "batch Chinese whispers (dlib)": clustering.chinese_whispers,
}


# --- DevTrain descriptors --------------------------------------------------------------
def devtrain_descriptors(root: Path, cache_dir: Path) -> tuple[np.ndarray, np.ndarray, float]:
    """(vectors, identity labels, seconds) for every photo with a usable face, through the pipeline.

    Runs inside benchmarks.env.bench_environment (the policy needs a department that allows it).
    """
    from django.conf import settings

    from benchmarks import env as bench
    from faces import evaluation

    department = bench.allowed_department()
    config = evaluation.PipelineSettings(
        detector=settings.FACES_DETECTOR,
        upsample=settings.FACES_UPSAMPLE,
        max_side=settings.FACES_DETECT_MAX_SIDE,
        jitters=settings.FACES_EMBED_JITTERS,
        landmark_model=settings.FACES_LANDMARK_MODEL,
        mirror=settings.FACES_EMBED_MIRROR,
        fallback=settings.FACES_DETECT_FALLBACK,
        fallback_max_side=settings.FACES_DETECT_FALLBACK_MAX_SIDE,
        min_face_px=settings.FACES_MIN_FACE_PX,
        min_score=settings.FACES_MIN_DETECTOR_SCORE,
    )
    embed = evaluation.Embedder(department, config, cache_dir=cache_dir)
    vectors, labels = [], []
    started = time.perf_counter()
    try:
        for index, (name, numbers) in enumerate(evaluation.scan_identities(root).items()):
            for number in numbers:
                vector = embed(evaluation.image_path(root, name, number))
                if vector is not None:
                    vectors.append(vector)
                    labels.append(name)
            if index % 200 == 199:
                embed.save()  # an interrupted run keeps what it computed
    finally:
        embed.save()
    seconds = time.perf_counter() - started
    _, label_ids = np.unique(np.array(labels), return_inverse=True)
    return np.asarray(vectors, dtype=np.float32), label_ids, seconds


# --- Quality ----------------------------------------------------------------------------
def pairwise_scores(groups: np.ndarray, labels: np.ndarray) -> tuple[float, float, int, int]:
    """(precision, recall, predicted pairs, true pairs); -1 in `groups` means "in no group"."""

    def pairs(keys: np.ndarray) -> int:
        _, counts = np.unique(keys, return_counts=True)
        return int((counts * (counts - 1) // 2).sum())

    grouped = groups >= 0
    predicted = pairs(groups[grouped])
    true = pairs(labels)
    both = pairs(groups[grouped].astype(np.int64) * (int(labels.max()) + 1) + labels[grouped])
    precision = both / predicted if predicted else 1.0
    recall = both / true if true else 1.0
    return precision, recall, predicted, true


# --- Synthetic descriptors calibrated on real ones ----------------------------------------
def calibrate(vectors: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray | float]:
    """The centres' mean and covariance, and the within-identity spread per dimension."""
    names, counts = np.unique(labels, return_counts=True)
    many = names[counts >= 2]
    centres = np.array([vectors[labels == n].mean(axis=0) for n in names])
    residuals = np.concatenate([vectors[labels == n] - vectors[labels == n].mean(axis=0) for n in many])
    # A mean of k faces has 1/k of their variance: scale the residuals back to one face's spread.
    sizes = np.concatenate([[counts[i]] * counts[i] for i in np.flatnonzero(counts >= 2)])
    within = residuals * np.sqrt(sizes / (sizes - 1))[:, None]
    return {
        "mean": centres.mean(axis=0),
        "covariance": np.cov(centres, rowvar=False),
        "within_std": within.std(axis=0),
    }


def synthetic(n: int, calibration: dict, *, faces_per_identity: float = 3.0, seed: int = 11) -> np.ndarray:
    """n descriptors of about n / faces_per_identity people (unequal: geometric sizes)."""
    rng = np.random.default_rng(seed)
    sizes: list[int] = []
    while sum(sizes) < n:
        sizes.append(int(rng.geometric(1 / faces_per_identity)))
    people = len(sizes)
    centres = rng.multivariate_normal(calibration["mean"], calibration["covariance"], size=people, method="eigh")
    owner = np.repeat(np.arange(people), sizes)[:n]
    faces = centres[owner] + rng.normal(size=(n, centres.shape[1])) * calibration["within_std"]
    return faces.astype(np.float32)


def default_calibration(dimensions: int = 128, seed: int = 3) -> dict:
    """Without DevTrain (the smoke run): roughly dlib's scale, for timing only."""
    rng = np.random.default_rng(seed)
    basis = rng.normal(size=(dimensions, dimensions)) * 0.012
    return {"mean": np.zeros(dimensions), "covariance": basis @ basis.T, "within_std": np.full(dimensions, 0.025)}


def time_clustering(n: int, calibration: dict, threshold: float) -> tuple[float, int, int]:
    """(seconds, groups of two or more, faces grouped) to cluster n faces as they arrive."""
    vectors = synthetic(n, calibration)
    started = time.perf_counter()
    groups = clustering.incremental(vectors, threshold)
    seconds = time.perf_counter() - started
    grouped = groups[groups >= 0]
    return seconds, len(np.unique(grouped)), len(grouped)


def time_service(n: int, calibration: dict, threshold: float, sample: int) -> dict[str, float]:
    """faces.services.grouping.face_group_assign for `sample` new faces of a department whose n faces
    are grouped already, through the database (pgvector neighbour query, writes, triggers)."""
    import uuid

    from django.db import connection

    from benchmarks import env as bench
    from faces.models import Face, FaceGroup, FaceGroupMember, Image
    from faces.pipeline.embed import current_embedding_variant
    from faces.services.grouping import face_group_assign

    department = bench.allowed_department(f"grouping-{n}")
    vectors = synthetic(n + sample, calibration, seed=n)
    image = Image.objects.create(
        file="originals/bench/grouping.jpg",
        sha256=uuid.uuid4().hex * 2,
        department=department,
        width=4000,
        height=4000,
        status=Image.Status.DONE,
    )
    variant = current_embedding_variant()
    started = time.perf_counter()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            "COPY faces_face (image_id, x, y, w, h, source, is_civilian, embedding, embedding_variant, "
            "embedding_skipped_reason, use_for_recognition, created_at) FROM STDIN"
        ) as copy,
    ):
        for i, vector in enumerate(vectors[:n]):
            text = "[" + ",".join(f"{v:.6f}" for v in vector) + "]"
            copy.write_row((image.pk, i, 0, 50, 50, "user", False, text, variant, "", False, "2024-01-01 00:00:00+00"))
    ids = list(Face.objects.filter(image=image).order_by("pk").values_list("pk", flat=True))
    labels = clustering.incremental(vectors[:n], threshold)
    by_label: dict[int, list[int]] = {}
    for pk, label in zip(ids, labels.tolist(), strict=True):
        if label >= 0:
            by_label.setdefault(label, []).append(pk)
    groups = FaceGroup.objects.bulk_create([FaceGroup(department=department) for _ in by_label])
    FaceGroupMember.objects.bulk_create(
        [
            FaceGroupMember(group=g, face_id=pk)
            for g, members in zip(groups, by_label.values(), strict=True)
            for pk in members
        ],
        batch_size=5000,
    )
    load_seconds = time.perf_counter() - started
    bench.analyze()
    times = []
    for i, vector in enumerate(vectors[n:]):
        face = Face.objects.create(
            image=image, x=n + i, y=0, w=50, h=50, source=Face.Source.USER, embedding=[float(v) for v in vector]
        )
        Face.objects.filter(pk=face.pk).update(embedding_variant=variant)
        started = time.perf_counter()
        face_group_assign(face.pk)
        times.append(time.perf_counter() - started)
    ms = np.array(times) * 1000
    return {"load_s": load_seconds, "p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95))}


# --- Report -----------------------------------------------------------------------------
def load_average() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, help="an LFW-layout folder (its lfw/ subfolder is used if present)")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/grouping-cache"))
    parser.add_argument("--sizes", default="10000,100000", help="faces to cluster in memory, for the timing")
    parser.add_argument("--service-sizes", default="10000,100000", help="department sizes for the per-face cost")
    parser.add_argument("--sample", type=int, default=100, help="new faces timed through the service per size")
    parser.add_argument("--no-quality", action="store_true", help="with --dataset: only calibrate, skip the sweep")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no report")
    parser.add_argument("--output", type=Path, help="the report to update (default docs/benchmarks.md)")
    args = parser.parse_args(argv)
    from benchmarks import env as bench

    sizes = [200, 400] if args.smoke else [int(s) for s in args.sizes.split(",") if s]
    service_sizes = [200] if args.smoke else [int(s) for s in args.service_sizes.split(",") if s]
    sample = 10 if args.smoke else args.sample
    lines: list[str] = []
    with bench.bench_environment("grouping"):
        from django.conf import settings

        threshold = settings.FACES_GROUP_THRESHOLD
        if args.dataset is not None:
            root = args.dataset / "lfw" if (args.dataset / "lfw").is_dir() else args.dataset
            vectors, labels, seconds = devtrain_descriptors(root, args.cache_dir)
            calibration = calibrate(vectors, labels)
            if not args.no_quality:
                lines += quality_table(vectors, labels, seconds)
        else:
            calibration = default_calibration()
        lines += [
            "",
            f"Time to cluster one department's faces in arrival order, in memory (`faces.clustering.incremental`, "
            f"what `manage.py group_faces` computes; threshold {threshold}; synthetic descriptors calibrated on "
            "the set above):",
            "",
            "| faces | seconds | ms / face | groups | faces grouped |",
            "|---|---|---|---|---|",
        ]
        for n in sizes:
            seconds, groups, grouped = time_clustering(n, calibration, threshold)
            lines.append(f"| {n:,} | {seconds:.1f} | {1000 * seconds / n:.2f} | {groups:,} | {grouped:,} |")
        lines += [
            "",
            f"One new face through the service (`faces.services.grouping.face_group_assign`: pgvector neighbour "
            f"query in the department, writes, triggers), with the department's faces already grouped; "
            f"{sample} new faces per size:",
            "",
            "| faces in the department | load + group them (s) | p50 ms / new face | p95 ms / new face |",
            "|---|---|---|---|",
        ]
        for n in service_sizes:
            cost = time_service(n, calibration, threshold, sample)
            lines.append(f"| {n:,} | {cost['load_s']:.0f} | {cost['p50_ms']:.1f} | {cost['p95_ms']:.1f} |")
    command = "python -m benchmarks.grouping " + " ".join(sys.argv[1:] if argv is None else argv)
    text = "\n".join(
        [f"Command: `{command.strip()}`. Load average (1, 5, 15 min) at the end: {load_average()}.", *lines]
    )
    print(text)
    if not args.smoke:
        bench.replace_section(SECTION, text, args.output or bench.DOC)
    return 0


def quality_table(vectors: np.ndarray, labels: np.ndarray, seconds: float) -> list[str]:
    _, counts = np.unique(labels, return_counts=True)
    lines = [
        "",
        f"DevTrain: {len(vectors):,} photos with a usable face, {len(counts):,} people "
        f"({int((counts >= 2).sum()):,} with two or more photos); descriptors in {seconds:.0f} s (0 when cached).",
        "",
        "| method | threshold | pairwise precision | pairwise recall | predicted pairs | true pairs | seconds |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, method in METHODS.items():
        for threshold in THRESHOLDS:
            started = time.perf_counter()
            groups = method(vectors, threshold)
            elapsed = time.perf_counter() - started
            precision, recall, predicted, true = pairwise_scores(groups, labels)
            row = [name, f"{threshold:.2f}", f"{precision:.4f}", f"{recall:.4f}", f"{predicted:,}", f"{true:,}"]
            lines.append("| " + " | ".join([*row, f"{elapsed:.1f}"]) + " |")
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
