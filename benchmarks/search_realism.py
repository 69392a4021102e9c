"""How real is the gallery-search benchmark's data? Real dlib descriptors against the generator.

    python -m benchmarks.search_realism --dataset DIR [--cache-dir DIR] [--scale N] [--ef 10,20,40,100,200,400]
    python -m benchmarks.search_realism --descriptors FILE [...]

Three sets of the same shape (the same identities, each with as many photos as the real one has):
the real shipped-pipeline descriptors of DIR (LFW DevTrain; benchmarks.devtrain_descriptors computes
or reads them), synthetic ones from the committed calibration ("calibrated") and from the first
generator ("stress"), both benchmarks/search_data.py. For each set it prints:

1. the participation ratio (effective dimensionality) of the identity centres and of all
   descriptors, descriptor norms, and same-/different-identity distances;
2. rank-1 of the exact search (each probe's officer first), as `search_gallery` ranks: the 64
   nearest gallery faces nominate officers, ranked by the centroid of their gallery faces;
3. recall@5 of an HNSW index (m 16, ef_construction 64, as the product's before faces/0013) against the exact
   answer, in a throwaway database on the embedded PostgreSQL (or DATABASE_URL's server), for
   the face index (64 nearest faces nominate officers, ranked by centroid: search_gallery until
   issue 14) and for an index of officer centroids in half precision (20 nearest centroids
   re-ranked at full precision: search_gallery's per-officer search).

Probes are held-out photos: the last photo of every identity with 2 or more; every other photo
is in the gallery (single-photo identities are distractors). `--scale N` adds calibrated and
stress sets of N photos (officers with 1 + Poisson(3) photos, 1,000 probes), where HNSW has
something to lose.
"""

from __future__ import annotations

import argparse
import io
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks import devtrain_descriptors
from benchmarks import env as bench
from benchmarks.search_data import FaceModel, calibrated_model, participation_ratio, sample_identities, stress_model

CANDIDATE_FACES = 64  # search_gallery's face shortlist before the per-officer centroids
CANDIDATE_OFFICERS = 20  # faces.pipeline.search.CANDIDATE_OFFICERS: the centroid shortlist
FACE_QUERY = "SELECT officer FROM gallery ORDER BY embedding <-> %s::vector LIMIT %s"
CENTROID_QUERY = "SELECT officer FROM centroid ORDER BY embedding::halfvec(128) <-> %s::halfvec(128) LIMIT %s"
TOP = 5
M, EF_CONSTRUCTION = 16, 64  # the product's HNSW index (faces migrations)
DEFAULT_EF = (10, 20, 40, 100, 200, 400)


@dataclass
class FaceSet:
    label: str
    photos: np.ndarray  # (photos, 128) float32
    owner: np.ndarray  # identity index per photo

    @classmethod
    def from_groups(cls, label: str, groups: list[np.ndarray]) -> FaceSet:
        owner = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
        return cls(label, np.concatenate(groups).astype(np.float32), owner)

    @property
    def counts(self) -> np.ndarray:
        return np.bincount(self.owner)

    def groups(self) -> list[np.ndarray]:
        """Each identity's photos (owners are contiguous and ascending)."""
        return np.split(self.photos.astype(np.float64), np.cumsum(self.counts)[:-1])


@dataclass
class Split:
    gallery: np.ndarray  # (faces, 128)
    gallery_owner: np.ndarray
    officers: np.ndarray  # identity index per centroid row
    centroids: np.ndarray  # (officers, 128)
    probes: np.ndarray  # (probes, 128)
    probe_owner: np.ndarray


def split(faces: FaceSet, rng: np.random.Generator, max_probes: int | None = None) -> Split:
    """The last photo of identities with 2+ photos is a probe (at most `max_probes` of them)."""
    last = np.r_[np.flatnonzero(np.diff(faces.owner)), len(faces.owner) - 1]
    candidates = last[faces.counts[faces.owner[last]] >= 2]
    if max_probes is not None and len(candidates) > max_probes:
        candidates = np.sort(rng.choice(candidates, size=max_probes, replace=False))
    is_probe = np.zeros(len(faces.owner), dtype=bool)
    is_probe[candidates] = True
    gallery, owner = faces.photos[~is_probe], faces.owner[~is_probe]
    officers = np.unique(owner)
    sums = np.zeros((owner.max() + 1, gallery.shape[1]))
    np.add.at(sums, owner, gallery.astype(np.float64))
    centroids = (sums[officers] / np.bincount(owner)[officers, None]).astype(np.float32)
    return Split(gallery, owner, officers, centroids, faces.photos[is_probe], faces.owner[is_probe])


def statistics(faces: FaceSet, rng: np.random.Generator, pairs: int = 50_000) -> dict[str, Any]:
    groups = faces.groups()
    centres = np.stack([g.mean(axis=0) for g in groups])
    same = []
    for g in groups:
        if len(g) >= 2:
            d = np.linalg.norm(g[:, None] - g[None], axis=2)
            same.append(d[np.triu_indices(len(g), 1)])
    s = np.concatenate(same)
    a, b = rng.integers(0, len(faces.owner), size=(2, pairs))
    keep = faces.owner[a] != faces.owner[b]
    d = np.linalg.norm(faces.photos[a[keep]].astype(np.float64) - faces.photos[b[keep]], axis=1)
    norms = np.linalg.norm(faces.photos, axis=1)
    return {
        "photos": len(faces.owner),
        "identities": len(faces.counts),
        "pr_centres": participation_ratio(centres),
        "pr_all": participation_ratio(faces.photos),
        "norm_mean": float(norms.mean()),
        "norm_p5": float(np.percentile(norms, 5)),
        "norm_p95": float(np.percentile(norms, 95)),
        **{f"same_{k}": v for k, v in _summary(s).items()},
        **{f"different_{k}": v for k, v in _summary(d).items()},
        "same_above_0.6": float((s > 0.6).mean()),
        "different_below_0.6": float((d <= 0.6).mean()),
        **neighbours(faces, rng),
        "top_direction_kurtosis": top_direction_kurtosis(centres),
    }


def neighbours(faces: FaceSet, rng: np.random.Generator, sample: int = 3000) -> dict[str, float]:
    """For photos of identities with 2+ photos: the nearest photo of another identity (1st and 50th
    percentile) and the share of photos nearer to another identity than to any other photo of their own."""
    candidates = np.flatnonzero(faces.counts[faces.owner] >= 2)
    chosen = np.sort(rng.choice(candidates, size=min(sample, len(candidates)), replace=False))
    other, own = [], []
    for start in range(0, len(chosen), 500):
        rows = chosen[start : start + 500]
        d = _distances(faces.photos[rows], faces.photos)
        same = faces.owner[rows][:, None] == faces.owner[None, :]
        other.append(np.where(same, np.inf, d).min(axis=1))
        d[np.arange(len(rows)), rows] = np.inf
        own.append(np.where(same, d, np.inf).min(axis=1))
    nearest_other, nearest_own = np.concatenate(other), np.concatenate(own)
    return {
        "nearest_other_p1": float(np.percentile(nearest_other, 1)),
        "nearest_other_p50": float(np.median(nearest_other)),
        "nearer_other_share": float((nearest_other < nearest_own).mean()),
    }


def top_direction_kurtosis(centres: np.ndarray) -> float:
    """Excess kurtosis of the centres along their strongest direction: 0 for a Gaussian, < 0 if bimodal."""
    centred = centres - centres.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov(centred, rowvar=False))
    z = centred @ vectors[:, -1] / np.sqrt(values[-1])
    return float((z**4).mean() - 3.0)


def _summary(values: np.ndarray) -> dict[str, float]:
    p5, p50, p95 = np.percentile(values, [5, 50, 95])
    return {"mean": float(values.mean()), "p5": float(p5), "p50": float(p50), "p95": float(p95)}


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    squared = (a64**2).sum(1)[:, None] + (b64**2).sum(1)[None, :] - 2 * a64 @ b64.T
    return np.sqrt(np.clip(squared, 0.0, None))


def rank_by_centroid(s: Split, probe: np.ndarray, nominated: np.ndarray) -> list[int]:
    """search_gallery's step 3: the nominated officers, nearest centroid first, top 5."""
    officers = np.unique(nominated)
    rows = np.searchsorted(s.officers, officers)
    d = np.linalg.norm(s.centroids[rows].astype(np.float64) - probe, axis=1)
    return [int(o) for o in officers[np.argsort(d, kind="stable")][:TOP]]


def exact_answers(s: Split) -> tuple[list[list[int]], list[list[int]]]:
    """Per probe: top 5 by (64 nearest faces -> centroid) and top 5 by centroid alone."""
    by_face, by_centroid = [], []
    for start in range(0, len(s.probes), 256):
        chunk = s.probes[start : start + 256]
        faces = _distances(chunk, s.gallery)
        cents = _distances(chunk, s.centroids)
        for row, probe in enumerate(chunk):
            nearest = np.argsort(faces[row], kind="stable")[:CANDIDATE_FACES]
            by_face.append(rank_by_centroid(s, probe, s.gallery_owner[nearest]))
            by_centroid.append([int(o) for o in s.officers[np.argsort(cents[row], kind="stable")[:TOP]]])
    return by_face, by_centroid


def _literal(vectors: np.ndarray) -> list[str]:
    buffer = io.StringIO()
    np.savetxt(buffer, vectors, fmt="%.6f", delimiter=",")
    return ["[" + line + "]" for line in buffer.getvalue().splitlines()]


@contextmanager
def throwaway_database() -> Iterator[str]:
    import psycopg

    base = bench.server_url()
    name = f"oversight_bench_realism_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = bench._with_dbname(base, name)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        yield url
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        print(f"benchmark database {name} dropped", flush=True)


def hnsw_recall(url: str, s: Split, truth: tuple[list[list[int]], list[list[int]]], efs: list[int]) -> dict:
    """Recall@5 and probe-officer hits of HNSW indexes on the gallery faces and on the centroids."""
    import psycopg

    result: dict = {}
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS gallery, centroid")
        conn.execute("CREATE TABLE gallery (id int PRIMARY KEY, officer int NOT NULL, embedding vector(128))")
        conn.execute("CREATE TABLE centroid (officer int PRIMARY KEY, embedding vector(128))")
        with conn.cursor() as cursor:
            with cursor.copy("COPY gallery (id, officer, embedding) FROM STDIN") as copy:
                for i, (officer, line) in enumerate(zip(s.gallery_owner, _literal(s.gallery), strict=True)):
                    copy.write_row((i, int(officer), line))
            with cursor.copy("COPY centroid (officer, embedding) FROM STDIN") as copy:
                for officer, line in zip(s.officers, _literal(s.centroids), strict=True):
                    copy.write_row((int(officer), line))
        conn.execute("SET maintenance_work_mem = '2GB'")
        conn.execute("SET max_parallel_maintenance_workers = 1")
        started = time.perf_counter()
        with_ = f"WITH (m = {M}, ef_construction = {EF_CONSTRUCTION})"
        conn.execute(f"CREATE INDEX ON gallery USING hnsw (embedding vector_l2_ops) {with_}")
        # As faces_officercentroid's centroid_hnsw: the graph on half precision.
        conn.execute(f"CREATE INDEX ON centroid USING hnsw ((embedding::halfvec(128)) halfvec_l2_ops) {with_}")
        conn.execute("ANALYZE gallery")
        conn.execute("ANALYZE centroid")
        result["build_seconds"] = round(time.perf_counter() - started, 1)
        conn.execute("SET enable_seqscan = off")  # small tables: make the planner use the graph
        conn.execute("SET hnsw.iterative_scan = relaxed_order")  # as search_gallery
        for query in (FACE_QUERY, CENTROID_QUERY):
            plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + query, (_literal(s.probes[:1])[0], TOP)))
            assert "Index Scan" in plan, plan  # the graph, not a sort of the table
        probes = _literal(s.probes)
        truth_face, truth_centroid = truth
        for ef in efs:
            conn.execute(f"SET hnsw.ef_search = {int(ef)}")
            face_recall, centroid_recall, face_hits, centroid_hits = [], [], [], []
            for p, (probe, line) in enumerate(zip(s.probes, probes, strict=True)):
                nominated = [r[0] for r in conn.execute(FACE_QUERY, (line, CANDIDATE_FACES))]
                got = rank_by_centroid(s, probe.astype(np.float64), np.asarray(nominated))
                face_recall.append(len(set(got) & set(truth_face[p])) / len(truth_face[p]))
                face_hits.append(int(s.probe_owner[p]) in got)
                shortlist = [r[0] for r in conn.execute(CENTROID_QUERY, (line, CANDIDATE_OFFICERS))]
                got_c = rank_by_centroid(s, probe.astype(np.float64), np.asarray(shortlist))
                centroid_recall.append(len(set(got_c) & set(truth_centroid[p])) / len(truth_centroid[p]))
                centroid_hits.append(int(s.probe_owner[p]) in got_c)
            result[ef] = {
                "face_recall": float(np.mean(face_recall)),
                "centroid_recall": float(np.mean(centroid_recall)),
                "face_top5_hit": float(np.mean(face_hits)),
                "centroid_top5_hit": float(np.mean(centroid_hits)),
            }
    return result


def measure(faces: FaceSet, url: str, efs: list[int], rng: np.random.Generator, max_probes: int | None) -> dict:
    stats = statistics(faces, rng)
    s = split(faces, rng, max_probes)
    truth = exact_answers(s)
    stats["probes"] = len(s.probes)
    stats["gallery_faces"] = len(s.gallery)
    stats["rank1_search"] = float(np.mean([t[0] == o for t, o in zip(truth[0], s.probe_owner, strict=True)]))
    stats["rank1_centroid"] = float(np.mean([t[0] == o for t, o in zip(truth[1], s.probe_owner, strict=True)]))
    stats["top5_search"] = float(np.mean([o in t for t, o in zip(truth[0], s.probe_owner, strict=True)]))
    stats["hnsw"] = hnsw_recall(url, s, truth, efs)
    return stats


def synthetic(label: str, model: FaceModel, counts: np.ndarray, rng: np.random.Generator) -> FaceSet:
    _, photos, owner = sample_identities(model, counts, rng)
    return FaceSet(label, photos, owner)


def scaled_counts(n: int, rng: np.random.Generator) -> np.ndarray:
    counts = 1 + rng.poisson(3, size=n)  # search_data's officers; more than enough, then cut at n photos
    total = np.cumsum(counts)
    keep = int(np.searchsorted(total, n)) + 1
    counts = counts[:keep]
    counts[-1] -= total[keep - 1] - n
    return counts[counts > 0]


def report(results: list[tuple[str, dict]], efs: list[int]) -> str:
    lines = [
        "| set | photos (identities) | probes | participation ratio: centres / all | norm mean (p5–p95) | "
        "same identity: mean, p5 / p50 / p95 | different: mean, p5 / p50 / p95 | same > 0.6 / different ≤ 0.6 | "
        "exact rank-1: search / centroid |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, r in results:
        lines.append(
            f"| {label} | {r['photos']:,} ({r['identities']:,}) | {r['probes']:,} | {r['pr_centres']:.1f} / "
            f"{r['pr_all']:.1f} | {r['norm_mean']:.3f} ({r['norm_p5']:.3f}–{r['norm_p95']:.3f}) | "
            f"{r['same_mean']:.3f}, {r['same_p5']:.3f} / {r['same_p50']:.3f} / {r['same_p95']:.3f} | "
            f"{r['different_mean']:.3f}, {r['different_p5']:.3f} / {r['different_p50']:.3f} / "
            f"{r['different_p95']:.3f} | {r['same_above_0.6']:.3f} / {r['different_below_0.6']:.4f} | "
            f"{r['rank1_search']:.4f} / {r['rank1_centroid']:.4f} |"
        )
    lines += [
        "",
        "| set | nearest photo of another identity: p1 / p50 | photos nearer another identity than their own | "
        "excess kurtosis of centres, strongest direction |",
        "|---|---|---|---|",
    ]
    for label, r in results:
        lines.append(
            f"| {label} | {r['nearest_other_p1']:.3f} / {r['nearest_other_p50']:.3f} | "
            f"{r['nearer_other_share']:.4f} | {r['top_direction_kurtosis']:+.2f} |"
        )
    lines += [
        "",
        "HNSW (m 16, ef_construction 64) recall@5 against the exact answer, face index (64 nearest faces, "
        "officers by centroid) / centroid index (20 nearest half-precision centroids, re-ranked):",
        "",
        "| set | " + " | ".join(f"ef {ef}" for ef in efs) + " |",
        "|---" * (len(efs) + 1) + "|",
    ]
    for label, r in results:
        h = r["hnsw"]
        lines.append(
            f"| {label} | "
            + " | ".join(f"{h[ef]['face_recall']:.4f} / {h[ef]['centroid_recall']:.4f}" for ef in efs)
            + " |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    devtrain_descriptors.add_source_arguments(parser)
    parser.add_argument("--scale", type=int, action="append", default=[], help="also synthetic sets of N photos")
    parser.add_argument("--ef", default=",".join(map(str, DEFAULT_EF)), help="hnsw.ef_search values")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    efs = [int(x) for x in args.ef.split(",") if x.strip()]
    real = devtrain_descriptors.from_arguments(args, parser)
    groups = list(real.by_identity().values())
    counts = np.array([len(g) for g in groups])
    rng = np.random.default_rng(args.seed)
    sets = [
        FaceSet.from_groups("real", groups),
        synthetic("calibrated", calibrated_model(), counts, rng),
        synthetic("stress", stress_model(rng), counts, rng),
    ]
    for n in args.scale:
        scaled = scaled_counts(n, rng)
        sets.append(synthetic(f"calibrated, {n:,}", calibrated_model(), scaled, rng))
        sets.append(synthetic(f"stress, {n:,}", stress_model(rng), scaled, rng))
    load_before = os.getloadavg()
    results = []
    with throwaway_database() as url:
        for faces in sets:
            started = time.perf_counter()
            big = len(faces.owner) > 20_000
            results.append((faces.label, measure(faces, url, efs, rng, 1000 if big else None)))
            print(f"{faces.label}: {time.perf_counter() - started:.0f} s", flush=True)
    print()
    print(report(results, efs))
    print(
        f"\nload average before {tuple(round(x, 2) for x in load_before)}, "
        f"after {tuple(round(x, 2) for x in os.getloadavg())}; HNSW build seconds: "
        + ", ".join(f"{label} {r['hnsw']['build_seconds']}" for label, r in results)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
