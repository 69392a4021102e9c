"""Accuracy of our own face pipeline on a labelled set in the LFW layout.

Used by `manage.py evaluate` to choose the pipeline's defaults (docs/benchmarks.md).
Images are read as ROOT/<identity>/<identity>_NNNN.<ext>; pairs come from an LFW-format
pairs file. Every embedding goes through faces.pipeline (decode -> detect -> embed), so
the recognition gate is asked exactly as in the worker: evaluation is biometric work too.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from faces.pipeline.decode import ImageRejected, load_rgb
from faces.pipeline.detect import DetectedFace, detect_faces
from faces.pipeline.embed import compute_embeddings
from faces.pipeline.quality import embedding_skip_reason

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")
_NAME = re.compile(r"^[^\s/\\]+$")
_FILE = re.compile(r"^(?P<identity>.+)_(?P<number>\d{4,})$")


class PairsFormatError(ValueError):
    """The pairs file does not follow the LFW format; the message names the line."""


@dataclass(frozen=True)
class Pair:
    left: tuple[str, int]
    right: tuple[str, int]

    @property
    def same(self) -> bool:
        return self.left[0] == self.right[0]


@dataclass(frozen=True)
class PipelineSettings:
    detector: str = "hog"
    upsample: int = 1
    max_side: int = 2000
    jitters: int = 1
    landmark_model: str = "small"
    mirror: bool = False
    fallback: str = ""
    fallback_max_side: int = 640
    min_face_px: int = 40
    min_score: float = -0.2
    max_pixels: int = 40_000_000


def parse_pairs(text: str) -> list[Pair]:
    """Parse an LFW pairs file.

    1. The header is "N" (N same-person then N different-person pairs) or "FOLDS N"
       (FOLDS times that, as in LFW's pairs.txt); the pair count must match it.
    2. "name n1 n2" is a same-person pair; "name1 n1 name2 n2" a different-person one.
    3. Image numbers are positive integers; names are single tokens (no path separators).
    """
    lines = [(number, line.split()) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise PairsFormatError("The pairs file is empty; its first line must be 'N' or 'FOLDS N'.")
    header_line, header = lines[0]
    if not 1 <= len(header) <= 2 or not all(token.isdigit() for token in header):
        raise PairsFormatError(
            f"Line {header_line}: the header must be 'N' or 'FOLDS N' (integers), not {' '.join(header)!r}."
        )
    folds, per_fold = (1, int(header[0])) if len(header) == 1 else (int(header[0]), int(header[1]))
    pairs = [_parse_pair(number, fields) for number, fields in lines[1:]]
    expected = 2 * folds * per_fold
    if len(pairs) != expected:
        raise PairsFormatError(
            f"The header promises {expected} pairs ({folds} fold(s) of {per_fold} same-person and "
            f"{per_fold} different-person pairs) but the file has {len(pairs)}."
        )
    return pairs


def _parse_pair(line: int, fields: list[str]) -> Pair:
    def number(token: str) -> int:
        if not token.isdigit() or int(token) < 1:
            raise PairsFormatError(f"Line {line}: {token!r} is not an image number (a positive integer).")
        return int(token)

    def name(token: str) -> str:
        if not _NAME.match(token) or token in (".", ".."):
            raise PairsFormatError(f"Line {line}: {token!r} is not an identity name.")
        return token

    if len(fields) == 3:
        person = name(fields[0])
        return Pair((person, number(fields[1])), (person, number(fields[2])))
    if len(fields) == 4:
        return Pair((name(fields[0]), number(fields[1])), (name(fields[2]), number(fields[3])))
    raise PairsFormatError(f"Line {line}: expected 'name n1 n2' or 'name1 n1 name2 n2', got {len(fields)} field(s).")


def image_path(root: Path, identity: str, number: int) -> Path:
    """ROOT/<identity>/<identity>_NNNN.jpg (or another image extension, if that exists)."""
    stem = root / identity / f"{identity}_{number:04d}"
    for extension in IMAGE_EXTENSIONS:
        candidate = stem.with_suffix(extension)
        if candidate.exists():
            return candidate
    return stem.with_suffix(".jpg")


def scan_identities(root: Path) -> dict[str, list[int]]:
    """Every identity folder under ROOT and its image numbers, sorted."""
    found: dict[str, list[int]] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        numbers = []
        for file in folder.iterdir():
            match = _FILE.match(file.stem)
            if file.suffix.lower() in IMAGE_EXTENSIONS and match and match["identity"] == folder.name:
                numbers.append(int(match["number"]))
        if numbers:
            found[folder.name] = sorted(set(numbers))
    return found


def central_face(faces: Sequence[DetectedFace], width: int, height: int) -> DetectedFace:
    """The face whose box centre is nearest the image centre (LFW centres the labelled person)."""
    cx, cy = width / 2, height / 2
    return min(faces, key=lambda f: ((f.x + f.w / 2 - cx) ** 2 + (f.y + f.h / 2 - cy) ** 2, f.x, f.y))


class Embedder:
    """Embeds images through the project's pipeline, once each (results are cached).

    With `cache_dir`, descriptors are also kept on disk in one file per settings variant
    (CACHE_DIR/<hash of the settings>.npz), so a later run with the same settings reads them
    instead of recomputing; timings then cover only what was computed in this run.
    """

    def __init__(self, department, config: PipelineSettings, cache_dir: Path | None = None) -> None:
        self.department, self.config = department, config
        self.cache: dict[Path, np.ndarray | None] = {}
        self.unreadable: list[Path] = []
        self.detect_seconds = self.embed_seconds = 0.0
        self.embedded = 0  # faces embedded in this run (the denominator of embed_seconds)
        self.detected = 0  # images searched for faces in this run (the denominator of detect_seconds)
        self._disk: dict[str, np.ndarray | None] = {}
        self._disk_path: Path | None = None
        if cache_dir is not None:
            digest = hashlib.sha256(json.dumps(config.__dict__, sort_keys=True).encode()).hexdigest()[:16]
            self._disk_path = Path(cache_dir) / f"embeddings-{digest}.npz"
            if self._disk_path.exists():
                with np.load(self._disk_path) as stored:
                    self._disk = {name: (None if vector.size == 0 else vector) for name, vector in stored.items()}

    def __call__(self, path: Path) -> np.ndarray | None:
        if path not in self.cache:
            name = str(path.resolve())
            if name in self._disk:
                self.cache[path] = self._disk[name]
            else:
                self.cache[path] = self._disk[name] = self._embed(path)
        return self.cache[path]

    def save(self) -> None:
        """Write the on-disk cache (no-op without cache_dir)."""
        if self._disk_path is not None:
            self._disk_path.parent.mkdir(parents=True, exist_ok=True)
            empty = np.zeros(0, dtype=np.float32)  # "no face found" is cached too
            arrays: dict[str, Any] = {name: empty if v is None else v for name, v in self._disk.items()}
            with open(self._disk_path, "wb") as handle:
                np.savez(handle, **arrays)

    def _embed(self, path: Path) -> np.ndarray | None:
        """1. Decode; 2. detect boxes; 3. keep usable ones, take the most central; 4. embed it."""
        c = self.config
        try:
            rgb = load_rgb(path.read_bytes(), max_pixels=c.max_pixels)
        except (OSError, ImageRejected):
            self.unreadable.append(path)
            return None
        started = time.perf_counter()
        faces = detect_faces(
            rgb,
            model=c.detector,
            upsample=c.upsample,
            max_side=c.max_side,
            fallback=c.fallback,
            fallback_max_side=c.fallback_max_side,
        )
        self.detect_seconds += time.perf_counter() - started
        self.detected += 1
        usable = [
            f
            for f in faces
            if not embedding_skip_reason(
                f.w, f.h, f.score if c.detector == "hog" else None, min_face_px=c.min_face_px, min_score=c.min_score
            )
        ]
        if not usable:
            return None
        face = central_face(usable, rgb.shape[1], rgb.shape[0])
        started = time.perf_counter()
        vector = compute_embeddings(
            rgb,
            [(face.x, face.y, face.w, face.h)],
            self.department,
            jitters=c.jitters,
            landmark_model=c.landmark_model,
            mirror=c.mirror,
        )[0]
        self.embed_seconds += time.perf_counter() - started
        self.embedded += 1
        return vector

    @property
    def no_face(self) -> int:
        return sum(1 for path, vector in self.cache.items() if vector is None and path not in self.unreadable)


@dataclass(frozen=True)
class VerificationResult:
    pairs: int
    same_pairs: int
    different_pairs: int
    skipped_pairs: int  # an image of the pair had no usable face (or was missing)
    threshold: float
    accuracy: float  # over the pairs that could be evaluated
    accuracy_counting_skipped: float  # skipped pairs counted as errors
    best_threshold: float
    best_accuracy: float
    tar_at_far: float
    far_target: float
    far_threshold: float
    same_distances: tuple[float, ...]
    different_distances: tuple[float, ...]


def verify(
    pairs: Sequence[Pair],
    embed: Callable[[Pair], tuple[np.ndarray | None, np.ndarray | None]],
    *,
    threshold: float,
    far_target: float = 0.001,
) -> VerificationResult:
    """Distances of every pair, then accuracy at `threshold`, a sweep and TAR@FAR."""
    same: list[float] = []
    different: list[float] = []
    skipped = 0
    for pair in pairs:
        a, b = embed(pair)
        if a is None or b is None:
            skipped += 1
            continue
        (same if pair.same else different).append(float(np.linalg.norm(a.astype(np.float64) - b)))
    s, d = np.asarray(same), np.asarray(different)
    evaluated = len(s) + len(d)
    correct = accepted(s, threshold).sum() + (~accepted(d, threshold)).sum()
    best_threshold, best_accuracy = sweep(s, d, prefer=threshold)
    tar, far_threshold = tar_at_far(s, d, far_target)
    return VerificationResult(
        pairs=len(pairs),
        same_pairs=sum(p.same for p in pairs),
        different_pairs=sum(not p.same for p in pairs),
        skipped_pairs=skipped,
        threshold=threshold,
        accuracy=float(correct / evaluated) if evaluated else float("nan"),
        accuracy_counting_skipped=float(correct / len(pairs)) if pairs else float("nan"),
        best_threshold=best_threshold,
        best_accuracy=best_accuracy,
        tar_at_far=tar,
        far_target=far_target,
        far_threshold=far_threshold,
        same_distances=tuple(same),
        different_distances=tuple(different),
    )


def accepted(distances: np.ndarray, threshold: float) -> np.ndarray:
    """A pair is a match when its distance is at most the threshold (as search_gallery does)."""
    return distances <= threshold


def sweep(same: np.ndarray, different: np.ndarray, *, prefer: float) -> tuple[float, float]:
    """The best accuracy over thresholds 0.20..1.00 in 0.005 steps; ties go to the one nearest `prefer`."""
    total = len(same) + len(different)
    if not total:
        return prefer, float("nan")
    grid = np.round(np.arange(0.20, 1.0 + 1e-9, 0.005), 3)
    scores = [(accepted(same, t).sum() + (~accepted(different, t)).sum()) / total for t in grid]
    best = max(scores)
    candidates = [t for t, score in zip(grid, scores, strict=True) if score == best]
    return float(min(candidates, key=lambda t: (abs(t - prefer), t))), float(best)


def tar_at_far(same: np.ndarray, different: np.ndarray, far: float) -> tuple[float, float]:
    """True-accept rate at the largest threshold whose false-accept rate is at most `far`.

    With n different-person pairs, floor(far * n) false accepts are allowed, so the
    threshold sits just below the next-smallest impostor distance.
    """
    if not len(same) or not len(different):
        return float("nan"), float("nan")
    impostors = np.sort(different)
    allowed = int(np.floor(far * len(impostors)))
    threshold = float(np.nextafter(impostors[allowed], -np.inf)) if allowed < len(impostors) else float("inf")
    return float(accepted(same, threshold).mean()), threshold


@dataclass(frozen=True)
class IdentificationResult:
    identities: int
    gallery_images: int
    probes: int
    best_distance: float  # rank-1 with each identity scored by its closest gallery image
    centroid: float  # rank-1 with each identity scored by the mean of its gallery vectors
    # The `shortlist` nearest identities by one score, re-ranked by the other.
    centroid_shortlist_best: float = float("nan")
    best_shortlist_centroid: float = float("nan")  # what search_gallery does (nominate by face, rank by centroid)
    shortlist: int = 0
    # The protocol read strictly ("every identity in the gallery, `gallery_size` photos each"):
    # an identity with at most `gallery_size` photos is all gallery (a distractor, no probe), so every
    # probe's identity has a full gallery. The rates above also probe identities with one photo short.
    full_gallery_probes: int = 0
    full_gallery_centroid: float = float("nan")
    full_gallery_best_distance: float = float("nan")


def identify(identities: dict[str, list[np.ndarray]], *, gallery_size: int, shortlist: int = 5) -> IdentificationResult:
    """Rank-1 identification, under two readings of "each identity's first `gallery_size` images
    form the gallery, the rest are probes":

    - every identity with a second image gives a probe: an identity of n <= `gallery_size`
      images keeps n - 1 in the gallery (a single image stays as a distractor);
    - full galleries: an identity of at most `gallery_size` images is all gallery, so only
      identities with more give probes, each against a gallery of `gallery_size` photos.
    """
    some = _rank1(identities, keep=lambda n: max(1, min(gallery_size, n - 1)), shortlist=shortlist)
    full = _rank1(identities, keep=lambda n: min(gallery_size, n), shortlist=shortlist)
    return IdentificationResult(
        identities=some["identities"],
        gallery_images=some["gallery_images"],
        probes=some["probes"],
        best_distance=some["best"],
        centroid=some["centroid"],
        centroid_shortlist_best=some["centroid_best"],
        best_shortlist_centroid=some["best_centroid"],
        shortlist=shortlist,
        full_gallery_probes=full["probes"],
        full_gallery_centroid=full["centroid"],
        full_gallery_best_distance=full["best"],
    )


def _rank1(identities: dict[str, list[np.ndarray]], *, keep, shortlist: int) -> dict:
    gallery: dict[str, np.ndarray] = {}
    probes: list[tuple[str, np.ndarray]] = []
    for identity, vectors in identities.items():
        if not vectors:
            continue
        kept = keep(len(vectors))
        gallery[identity] = np.stack(vectors[:kept]).astype(np.float64)
        probes.extend((identity, v.astype(np.float64)) for v in vectors[kept:])
    names = list(gallery)
    centroids = np.stack([gallery[n].mean(axis=0) for n in names]) if names else np.empty((0, 128))
    hits = {"best": 0, "centroid": 0, "centroid_best": 0, "best_centroid": 0}
    for identity, probe in probes:
        truth = names.index(identity)
        best = np.array([np.linalg.norm(gallery[n] - probe, axis=1).min() for n in names])
        centroid = np.linalg.norm(centroids - probe, axis=1)
        hits["best"] += int(np.argmin(best)) == truth
        hits["centroid"] += int(np.argmin(centroid)) == truth
        by_centroid = np.argsort(centroid, kind="stable")[:shortlist]
        hits["centroid_best"] += int(by_centroid[np.argmin(best[by_centroid])]) == truth
        by_best = np.argsort(best, kind="stable")[:shortlist]
        hits["best_centroid"] += int(by_best[np.argmin(centroid[by_best])]) == truth
    n = len(probes)
    rates = {key: (count / n if n else float("nan")) for key, count in hits.items()}
    return {"identities": len(names), "gallery_images": sum(len(g) for g in gallery.values()), "probes": n, **rates}
