"""embedding_skip_reason: which faces are worth a descriptor, with a reason people can read."""

from __future__ import annotations

import pytest

from faces.pipeline.quality import embedding_skip_reason

LIMITS = {"min_face_px": 40, "min_score": -0.2}


def test_a_large_confident_face_is_embedded():
    assert embedding_skip_reason(120, 130, 1.8, **LIMITS) == ""


@pytest.mark.parametrize("w,h", [(39, 80), (80, 39), (12, 12)])
def test_a_face_smaller_than_the_minimum_on_either_side_is_skipped(w, h):
    assert embedding_skip_reason(w, h, 2.0, **LIMITS) == "Face is smaller than 40 px, too small to compare reliably."


def test_a_face_exactly_at_the_minimum_is_embedded():
    assert embedding_skip_reason(40, 40, 0.0, **LIMITS) == ""


def test_a_doubtful_detection_is_skipped_with_its_score():
    assert embedding_skip_reason(80, 80, -0.45, **LIMITS) == "The detector is unsure this is a face (score -0.45)."


def test_a_box_drawn_by_a_person_has_no_score_and_only_its_size_is_checked():
    assert embedding_skip_reason(80, 80, None, **LIMITS) == ""
    assert embedding_skip_reason(20, 80, None, **LIMITS).startswith("Face is smaller than 40 px")
