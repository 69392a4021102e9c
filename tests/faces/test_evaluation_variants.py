"""The evaluation's new knobs: mirrored descriptors, the detection fallback, the aggregations, the disk cache."""

from __future__ import annotations

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from benchmarks.lfw_layout import build
from faces import evaluation


@pytest.fixture(scope="module")
def lfw(tmp_path_factory):
    root = tmp_path_factory.mktemp("lfw")
    return root, build(root)


def evaluate(*args: str) -> dict:
    out = StringIO()
    call_command("evaluate", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def pad(*head: float) -> np.ndarray:
    return np.r_[np.array(head, dtype=np.float64), np.zeros(128 - len(head))]


@pytest.mark.django_db
def test_mirrored_descriptors_with_the_cnn_fallback_still_separate_the_test_photos(lfw, allowed_department, tmp_path):
    root, pairs = lfw
    report = evaluate(
        "--root", str(root), "--pairs", str(pairs), "--identify", "--department", allowed_department.slug,
        "--mirror", "--fallback", "cnn", "--cache-dir", str(tmp_path),
    )  # fmt: skip
    assert report["settings"]["mirror"] is True and report["settings"]["fallback"] == "cnn"
    v, i, t = report["verification"], report["identification"], report["timing"]
    assert v["skipped_pairs"] == 0 and max(v["same_distances"]) < 0.6 < min(v["different_distances"])
    assert i["centroid_shortlist_best"] == 1.0 and i["best_shortlist_centroid"] == 1.0 and i["shortlist"] == 5
    assert t["faces_embedded"] == 14 and t["embed_ms_per_face"] > 0 and t["detect_ms_per_image"] > 0
    assert len(list(tmp_path.glob("embeddings-*.npz"))) == 1


@pytest.mark.django_db
def test_a_second_run_with_the_same_settings_reads_the_disk_cache(lfw, allowed_department, tmp_path, monkeypatch):
    root, pairs = lfw
    args = ["--root", str(root), "--pairs", str(pairs), "--department", allowed_department.slug, "--no-mirror"]
    first = evaluate(*args, "--cache-dir", str(tmp_path))

    def refuse(*_args, **_kwargs):
        raise AssertionError("recomputed a cached descriptor")

    monkeypatch.setattr(evaluation, "compute_embeddings", refuse)
    monkeypatch.setattr(evaluation, "detect_faces", refuse)
    second = evaluate(*args, "--cache-dir", str(tmp_path))
    assert second["verification"]["same_distances"] == first["verification"]["same_distances"]
    assert second["timing"]["faces_embedded"] == 0 and second["timing"]["embed_ms_per_face"] is None


@pytest.mark.django_db
def test_other_settings_get_their_own_cache_file(lfw, allowed_department, tmp_path):
    root, pairs = lfw
    for mirror in ("--mirror", "--no-mirror"):
        evaluate("--root", str(root), "--pairs", str(pairs), "--department", allowed_department.slug, mirror,
                 "--cache-dir", str(tmp_path))  # fmt: skip
    assert len(list(tmp_path.glob("embeddings-*.npz"))) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"), [(["--fallback", "mtcnn"], "invalid choice"), (["--shortlist", "0"], "at least 1")]
)
def test_it_rejects_bad_new_options(lfw, allowed_department, args, message):
    root, pairs = lfw
    with pytest.raises(CommandError, match=message):
        evaluate("--root", str(root), "--pairs", str(pairs), "--department", allowed_department.slug, *args)


def test_a_centroid_shortlist_reranked_by_best_photo_fixes_what_the_centroid_misses():
    # "a"'s gallery is spread out (centroid far from each photo); "b" is tight but a bit nearer in centroid.
    identities = {
        "a": [pad(0.0, 1.0), pad(0.0, -1.0), pad(0.0, 0.95)],  # probe (0, 0.95) sits on a's first photo
        "b": [pad(0.0, 0.4), pad(0.0, 0.5), pad(0.3, 0.45)],
    }
    result = evaluation.identify(identities, gallery_size=2, shortlist=2)
    assert result.probes == 2
    assert result.centroid == 0.5  # a's probe is nearer b's centroid
    assert result.centroid_shortlist_best == 1.0 and result.best_distance == 1.0


def test_a_shortlist_of_one_is_the_first_score_alone():
    identities = {"a": [pad(0.0), pad(0.2), pad(0.05)], "b": [pad(1.0), pad(1.2), pad(1.1)]}
    result = evaluation.identify(identities, gallery_size=2, shortlist=1)
    assert (result.centroid_shortlist_best, result.best_shortlist_centroid) == (result.centroid, result.best_distance)


def test_full_galleries_probe_only_identities_with_more_photos_than_the_gallery_holds():
    # "c" has two photos: one gallery photo and a probe in the first reading; all gallery (a
    # distractor with two photos) when every gallery must be full. Its probe is the one the
    # first reading gets wrong (nearer "a"'s centroid than its own single photo).
    identities = {
        "a": [pad(0.0), pad(0.2), pad(0.1)],
        "b": [pad(1.0), pad(1.2), pad(1.1)],
        "c": [pad(0.5), pad(0.14)],
        "d": [pad(3.0)],
    }
    result = evaluation.identify(identities, gallery_size=2)
    assert (result.probes, result.centroid) == (3, pytest.approx(2 / 3))
    assert result.full_gallery_probes == 2
    # "c"'s photo at 0.14 is now a distractor nearer "a"'s probe than "a"'s own photos: best-photo falls for it.
    assert (result.full_gallery_centroid, result.full_gallery_best_distance) == (1.0, 0.5)
