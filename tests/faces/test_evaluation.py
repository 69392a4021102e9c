"""`manage.py evaluate` on an LFW-layout folder made from the shared test photos."""

from __future__ import annotations

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from benchmarks.lfw_layout import build
from faces import evaluation
from faces.models import Face


@pytest.fixture(scope="module")
def lfw(tmp_path_factory):
    root = tmp_path_factory.mktemp("lfw")
    return root, build(root)


def evaluate(*args: str) -> str:
    out = StringIO()
    call_command("evaluate", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_measures_verification_and_identification_on_the_test_photos(lfw, allowed_department):
    root, pairs = lfw
    report = json.loads(
        evaluate(
            "--root", str(root), "--pairs", str(pairs), "--identify", "--department", allowed_department.slug, "--json"
        )
    )
    v = report["verification"]
    assert (v["pairs"], v["same_pairs"], v["different_pairs"], v["skipped_pairs"]) == (24, 12, 12, 0)
    assert max(v["same_distances"]) < 0.6 < min(v["different_distances"])
    assert v["accuracy"] == 1.0 and v["best_accuracy"] == 1.0 and v["tar_at_far"] == 1.0
    # 14 photos of 6 people, every one with a face found.
    assert report["images"] == {"read": 14, "no_face": 0, "unreadable": 0}
    i = report["identification"]
    # gallery of 2 per person: obama 2+1, biden 2+2, three people 1+1, lin_manuel_miranda alone
    assert (i["identities"], i["gallery_images"], i["probes"]) == (6, 8, 6)
    assert i["best_distance"] == 1.0 and i["centroid"] == 1.0
    assert not Face.objects.exists()  # evaluation stores nothing


@pytest.mark.django_db
def test_it_prints_readable_numbers(lfw, allowed_department):
    root, pairs = lfw
    text = evaluate("--root", str(root), "--pairs", str(pairs), "--department", allowed_department.slug)
    assert "Verification accuracy at threshold 0.600: 1.0000" in text
    assert "Best threshold from sweep:" in text and "TAR at FAR=0.1%: 1.0000" in text
    assert "only 12 different-person pairs" in text
    assert "Images: 14 read, 0 with no face" in text


@pytest.mark.django_db
@pytest.mark.parametrize("department", ["disallowed_department", "illinois_department"])
def test_it_refuses_a_department_without_recognition(lfw, department, request):
    root, pairs = lfw
    slug = request.getfixturevalue(department).slug
    with pytest.raises(CommandError, match="not allowed"):
        evaluate("--root", str(root), "--pairs", str(pairs), "--department", slug)


@pytest.mark.django_db
def test_it_refuses_a_department_whose_state_forbids_recognition_even_with_the_flag_on(lfw, illinois_department):
    from departments.models import Department

    Department.objects.filter(pk=illinois_department.pk).update(facial_recognition_allowed=True)
    root, pairs = lfw
    with pytest.raises(CommandError, match="not allowed"):
        evaluate("--root", str(root), "--pairs", str(pairs), "--department", illinois_department.slug)


@pytest.mark.django_db
def test_it_refuses_an_unknown_department(lfw):
    root, pairs = lfw
    with pytest.raises(CommandError, match="No department"):
        evaluate("--root", str(root), "--pairs", str(pairs), "--department", "nowhere")


MALFORMED = {
    "empty": ("", "empty"),
    "header not a number": ("ten\nobama 1 2\n", "header"),
    "count does not match header": ("2\nobama 1 2\nobama 1 biden 1\n", "promises 4 pairs"),
    "five fields": ("1\nobama 1 2 3 4\nobama 1 biden 1\n", "Line 2"),
    "image number not a number": ("1\nobama one 2\nobama 1 biden 1\n", "not an image number"),
    "image number zero": ("1\nobama 0 2\nobama 1 biden 1\n", "not an image number"),
    "path in the name": ("1\n../etc 1 2\nobama 1 biden 1\n", "not an identity name"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_it_rejects_a_malformed_pairs_file_with_a_clear_error(lfw, allowed_department, tmp_path, case):
    root, _ = lfw
    text, message = MALFORMED[case]
    bad = tmp_path / "pairs.txt"
    bad.write_text(text)
    with pytest.raises(CommandError, match="is not an LFW pairs file") as info:
        evaluate("--root", str(root), "--pairs", str(bad), "--department", allowed_department.slug)
    assert message in str(info.value)


@pytest.mark.django_db
def test_it_rejects_a_pairs_file_that_is_not_text(lfw, allowed_department, tmp_path):
    root, _ = lfw
    bad = tmp_path / "pairs.bin"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(CommandError, match="Cannot read the pairs file"):
        evaluate("--root", str(root), "--pairs", str(bad), "--department", allowed_department.slug)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args, message",
    [
        (["--jitters", "0"], "--jitters"),
        (["--upsample", "9"], "--upsample"),
        (["--gallery-size", "0"], "--gallery-size"),
    ],
)
def test_it_rejects_settings_out_of_range(lfw, allowed_department, args, message):
    root, pairs = lfw
    with pytest.raises(CommandError, match=message):
        evaluate("--root", str(root), "--pairs", str(pairs), "--department", allowed_department.slug, *args)


def test_it_counts_missing_images_as_skipped_pairs():
    pairs = evaluation.parse_pairs("1\na 1 2\na 1 b 1\n")
    vectors = {("a", 1): np.zeros(128), ("a", 2): np.full(128, 0.01), ("b", 1): None}
    result = evaluation.verify(pairs, lambda p: (vectors[p.left], vectors[p.right]), threshold=0.6)
    assert result.skipped_pairs == 1 and result.accuracy == 1.0 and result.accuracy_counting_skipped == 0.5


def test_tar_at_far_allows_only_the_permitted_number_of_false_accepts():
    same = np.array([0.3, 0.5, 0.7])
    different = np.linspace(0.4, 1.4, 2000)  # 2000 impostors: 2 false accepts allowed at 0.1%
    tar, threshold = evaluation.tar_at_far(same, different, 0.001)
    assert (different <= threshold).sum() == 2 and tar == pytest.approx(1 / 3)


def test_centroid_aggregation_can_beat_the_single_closest_photo():
    # "a" has one outlier gallery photo near the probe of "b".
    a = [np.r_[0.0, 0.0], np.r_[0.0, 0.2], np.r_[0.9, 0.0], np.r_[0.0, 0.1]]
    b = [np.r_[1.2, 0.0], np.r_[1.2, 0.1], np.r_[0.95, 0.0]]
    pad = lambda v: np.r_[v, np.zeros(126)]  # noqa: E731
    result = evaluation.identify({"a": [pad(v) for v in a], "b": [pad(v) for v in b]}, gallery_size=3)
    assert result.probes == 2
    assert (result.best_distance, result.centroid) == (0.5, 1.0)
