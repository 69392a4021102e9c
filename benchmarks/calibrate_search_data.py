"""Measure real dlib descriptors for the gallery-search generator (benchmarks/search_data.py).

    python -m benchmarks.calibrate_search_data --dataset DIR [--cache-dir DIR] [--output FILE]
    python -m benchmarks.calibrate_search_data --descriptors FILE [--output FILE]

DIR is an LFW-layout set (LFW DevTrain: ../shared/datasets/lfw-devtrain); its descriptors are
computed with the shipped settings through `manage.py evaluate` (benchmarks.devtrain_descriptors,
whose --cache-dir they share). The output (benchmarks/data/dlib_devtrain_calibration.npz by
default, committed, about 150 KB) holds, as float32:

- `mean`: the mean descriptor;
- `within_vectors`/`within_values`: eigenvectors (columns) and eigenvalues of the pooled
  within-identity covariance, from the identities with at least 2 usable photos;
- `between_vectors`/`between_values`: the same for the covariance of identity centres, less the
  photo noise that a centre of n photos still carries (mean of 1/n times the within
  covariance), negative eigenvalues clipped to 0;
- `quality_sigma`: the log-normal spread of a per-photo scale on the within noise, chosen so
  that synthetic same-identity squared distances vary as much as the real ones (their
  coefficient of variation), which a single Gaussian underestimates (profiles, blur);
- norm percentiles, counts, and the real set's participation ratios and distance summary,
  which the smoke test and benchmarks.search_realism compare synthetic data against.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import devtrain_descriptors
from benchmarks.search_data import CALIBRATION, FaceModel, participation_ratio, sample_identities

NORM_PERCENTILES = (1, 5, 25, 50, 75, 95, 99)
QUALITY_SIGMAS = np.round(np.arange(0.0, 0.81, 0.02), 2)


def within_identity(groups: list[np.ndarray]) -> np.ndarray:
    """Pooled covariance of photos around their identity's mean (n - 1 degrees of freedom each)."""
    residuals = np.concatenate([g - g.mean(axis=0) for g in groups if len(g) >= 2])
    dof = sum(len(g) - 1 for g in groups if len(g) >= 2)
    return residuals.T @ residuals / dof


def same_identity_squared_distances(groups: list[np.ndarray]) -> np.ndarray:
    out = []
    for g in groups:
        if len(g) >= 2:
            d = ((g[:, None, :] - g[None, :, :]) ** 2).sum(axis=2)
            out.append(d[np.triu_indices(len(g), 1)])
    return np.concatenate(out)


def _eigen(covariance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values, vectors = np.linalg.eigh(covariance)
    order = np.argsort(values)[::-1]
    return np.clip(values[order], 0.0, None), vectors[:, order]


def _basis(values: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    return (vectors * np.sqrt(values)).T


def fit_quality_sigma(
    groups: list[np.ndarray], mean: np.ndarray, between: np.ndarray, within: np.ndarray, seeds: int = 4
) -> float:
    """The per-photo scale spread whose synthetic same-identity distances spread like the real ones."""
    real = same_identity_squared_distances(groups)
    target = real.std() / real.mean()
    counts = np.array([len(g) for g in groups if len(g) >= 2])
    owner = np.repeat(np.arange(len(counts)), counts)
    errors = []
    for sigma in QUALITY_SIGMAS:
        model = FaceModel("calibrated", mean, between, within, float(sigma))
        cv = []
        for seed in range(seeds):
            _, photos, _ = sample_identities(model, counts, np.random.default_rng(seed))
            d = same_identity_squared_distances([photos[owner == i] for i in range(len(counts))])
            cv.append(d.std() / d.mean())
        errors.append(abs(float(np.mean(cv)) - target))
    return float(QUALITY_SIGMAS[int(np.argmin(errors))])


def distance_summary(groups: list[np.ndarray], rng: np.random.Generator, pairs: int = 20_000) -> dict[str, float]:
    same = np.sqrt(same_identity_squared_distances(groups))
    photos = np.concatenate(groups)
    owner = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    a, b = rng.integers(0, len(photos), size=(2, pairs))
    keep = owner[a] != owner[b]
    different = np.linalg.norm(photos[a[keep]] - photos[b[keep]], axis=1)
    return {
        "same_mean": float(same.mean()),
        "same_p50": float(np.median(same)),
        "different_mean": float(different.mean()),
        "different_p50": float(np.median(different)),
    }


def calibrate(descriptors: devtrain_descriptors.Descriptors) -> dict[str, Any]:
    groups = [g.astype(np.float64) for g in descriptors.by_identity().values()]
    photos = np.concatenate(groups)
    counts = np.array([len(g) for g in groups])
    mean = photos.mean(axis=0)
    within = within_identity(groups)
    centres = np.stack([g.mean(axis=0) for g in groups])
    # A centre of n photos is the identity's true centre plus within-noise / n: take that out.
    between = np.cov(centres, rowvar=False) - np.mean(1.0 / counts) * within
    within_values, within_vectors = _eigen(within)
    between_values, between_vectors = _eigen(between)
    sigma = fit_quality_sigma(
        groups, mean, _basis(between_values, between_vectors), _basis(within_values, within_vectors)
    )
    norms = np.linalg.norm(photos, axis=1)
    summary = distance_summary(groups, np.random.default_rng(0))
    f32 = np.float32
    return {
        "mean": mean.astype(f32),
        "between_vectors": between_vectors.astype(f32),
        "between_values": between_values.astype(f32),
        "within_vectors": within_vectors.astype(f32),
        "within_values": within_values.astype(f32),
        "quality_sigma": np.asarray(sigma, f32),
        "norm_percentiles": np.asarray(NORM_PERCENTILES, f32),
        "norm_values": np.percentile(norms, NORM_PERCENTILES).astype(f32),
        "norm_mean": np.asarray(norms.mean(), f32),
        "norm_sd": np.asarray(norms.std(), f32),
        "photos": np.asarray(len(descriptors.names), f32),
        "photos_with_face": np.asarray(len(photos), f32),
        "identities": np.asarray(len(groups), f32),
        "identities_with_2_or_more": np.asarray((counts >= 2).sum(), f32),
        "photos_of_identities_with_2_or_more": np.asarray(counts[counts >= 2].sum(), f32),
        "participation_ratio_centres": np.asarray(participation_ratio(centres), f32),
        "participation_ratio_all": np.asarray(participation_ratio(photos), f32),
        **{f"distance_{k}": np.asarray(v, f32) for k, v in summary.items()},
        "source": np.asarray(
            "LFW View 1 DevTrain (deep-funneled), shipped pipeline descriptors; settings " + descriptors.settings
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    devtrain_descriptors.add_source_arguments(parser)
    parser.add_argument("--output", type=Path, default=CALIBRATION, help=f"default: {CALIBRATION}")
    args = parser.parse_args(argv)
    descriptors = devtrain_descriptors.from_arguments(args, parser)
    calibration = calibrate(descriptors)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    with open(args.output, "wb") as handle:
        np.savez_compressed(handle, **calibration)
    c = calibration
    print(
        f"{int(c['photos_with_face'])} descriptors of {int(c['identities'])} identities "
        f"({int(c['identities_with_2_or_more'])} with 2 or more photos); trace between "
        f"{c['between_values'].sum():.4f}, within {c['within_values'].sum():.4f}; quality sigma "
        f"{float(c['quality_sigma']):.2f}; participation ratio centres {float(c['participation_ratio_centres']):.1f}, "
        f"all {float(c['participation_ratio_all']):.1f}; norms {float(c['norm_mean']):.3f} +- "
        f"{float(c['norm_sd']):.3f} -> {args.output} ({args.output.stat().st_size / 1024:.0f} KB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
