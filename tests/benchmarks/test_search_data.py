"""The gallery-search generator draws calibrated data from the committed calibration file alone
(no /work/shared), shaped like real dlib descriptors, and keeps the first generator as "stress"."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import search_data

N = 4000


def _pair_distances(gallery: search_data.Gallery, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Distances of same-officer pairs and of different-officer pairs among identified faces."""
    identified = np.flatnonzero(gallery.face_officer > 0)
    order = identified[np.argsort(gallery.face_officer[identified], kind="stable")]
    officer = gallery.face_officer[order]
    neighbours = officer[:-1] == officer[1:]
    same = order[:-1][neighbours], order[1:][neighbours]
    a, b = rng.choice(identified, size=(2, 5000))
    apart = gallery.face_officer[a] != gallery.face_officer[b]
    different = a[apart], b[apart]

    def distances(pairs: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        return np.linalg.norm(gallery.face_vector[pairs[0]] - gallery.face_vector[pairs[1]], axis=1)

    return distances(same), distances(different)


@pytest.mark.parametrize("data", search_data.DATA_KINDS)
def test_the_generator_gives_every_face_a_128_float_vector_and_an_officer_or_none(data):
    gallery = search_data.generate(N, seed=3, data=data)

    assert gallery.face_vector.shape == (N, 128) and gallery.face_vector.dtype == np.float32
    assert np.isfinite(gallery.face_vector).all()
    assert gallery.officer_centre.shape == (len(gallery.officer_department), 128)
    assert gallery.face_officer.shape == gallery.face_department.shape == gallery.face_for_recognition.shape == (N,)
    assert gallery.face_officer.max() == len(gallery.officer_department)
    assert 0.05 < (gallery.face_officer == 0).mean() < 0.15  # the unidentified share


@pytest.mark.parametrize("data", search_data.DATA_KINDS)
def test_photos_of_one_officer_are_nearer_each_other_than_photos_of_two(data):
    same, different = _pair_distances(search_data.generate(N, seed=3, data=data), np.random.default_rng(0))

    assert len(same) > 500 and len(different) > 4000
    assert same.mean() < 0.75 * different.mean()


@pytest.mark.parametrize("data", search_data.DATA_KINDS)
def test_a_probe_lies_near_its_officer_and_far_from_the_others(data):
    gallery = search_data.generate(N, seed=3, data=data)
    rng = np.random.default_rng(1)
    officers = rng.choice(np.arange(1, len(gallery.officer_department) + 1), size=50, replace=False)

    nearest = [
        int(np.argmin(np.linalg.norm(gallery.officer_centre - search_data.probe_for(gallery, o, rng), axis=1))) + 1
        for o in officers
    ]

    assert np.mean(np.asarray(nearest) == officers) >= 0.9


def test_the_calibrated_set_has_about_the_effective_dimensionality_of_real_descriptors():
    with np.load(search_data.CALIBRATION) as calibration:
        real_all = float(calibration["participation_ratio_all"])
        real_norm = float(calibration["norm_mean"])
    gallery = search_data.generate(N, seed=3, data="calibrated")

    synthetic = search_data.participation_ratio(gallery.face_vector)

    assert real_all / 1.5 < synthetic < real_all * 1.5
    assert abs(np.linalg.norm(gallery.face_vector, axis=1).mean() - real_norm) < 0.05


def test_the_stress_set_spreads_officers_over_many_more_dimensions_than_real_faces():
    with np.load(search_data.CALIBRATION) as calibration:
        real_centres = float(calibration["participation_ratio_centres"])
    gallery = search_data.generate(N, seed=3, data="stress")

    assert search_data.participation_ratio(gallery.officer_centre) > 1.5 * real_centres


def test_the_committed_calibration_is_small_and_complete():
    assert search_data.CALIBRATION.stat().st_size < 300_000
    with np.load(search_data.CALIBRATION) as calibration:
        for prefix in ("between", "within"):
            vectors, values = calibration[f"{prefix}_vectors"], calibration[f"{prefix}_values"]
            assert vectors.shape == (128, 128) and values.shape == (128,) and (values >= 0).all()
            assert np.allclose(vectors.T @ vectors, np.eye(128), atol=1e-4)  # orthonormal eigenvectors
        assert calibration["mean"].shape == (128,)
        assert 0.0 <= float(calibration["quality_sigma"]) < 1.0


def test_an_unknown_kind_of_data_is_refused():
    with pytest.raises(ValueError, match="calibrated"):
        search_data.generate(100, data="uniform")
