"""detect_faces_staged: the same faces as one full pass, the larger ones in a first batch."""

from __future__ import annotations

import numpy as np
import pytest

from faces.pipeline import detect
from faces.pipeline.detect import SAME_FACE_IOU, DetectedFace, detect_faces, detect_faces_staged
from tests.faces.pipeline.helpers import manifest, rgb
from tests.faces.pipeline.test_detect import iou

OPTIONS = {"upsample": 1, "max_side": 2600}


def staged(pixels: np.ndarray, *, min_pixels: int = 1, **options) -> list[list[DetectedFace]]:
    return list(detect_faces_staged(pixels, min_pixels=min_pixels, **{**OPTIONS, **options}))


@pytest.mark.parametrize("name", sorted(manifest()))
def test_every_photo_gets_the_faces_of_one_full_pass_each_once(name):
    pixels = rgb(name)
    full = detect_faces(pixels, **OPTIONS)
    found = [face for batch in staged(pixels) for face in batch]
    assert len(found) == len(full) == int(manifest()[name]["num_faces"])
    assert all(max(iou(face, other) for other in found) >= SAME_FACE_IOU for face in full)


def test_a_one_face_portrait_comes_whole_in_the_first_batch():
    batches = staged(rgb("obama_1.jpg"))
    assert len(batches) == 1 and len(batches[0]) == 1
    assert batches[0][0].w >= 80


def test_small_faces_come_in_the_second_batch_after_the_large_ones():
    # A 1986 px collage of 24 faces: at 640 px a side the first pass sees those of 250 px and more.
    batches = staged(rgb("group_collage_bald_guys.jpg"))
    assert len(batches) == 2
    first, later = batches
    assert first and later
    assert min(face.w for face in first) > max(face.w for face in later) / 2
    assert all(iou(face, seen) < SAME_FACE_IOU for face in later for seen in first)


def test_a_face_found_by_both_passes_with_boxes_apart_is_still_one_face():
    big = DetectedFace(100, 100, 200, 200, 1.0)
    assert detect._same_face(big, DetectedFace(130, 150, 100, 100, 0.5))  # inside: low IoU, same face
    assert detect._same_face(big, DetectedFace(110, 90, 190, 215, 0.5))
    assert not detect._same_face(big, DetectedFace(320, 100, 200, 200, 0.5))


def test_a_photo_of_only_small_faces_gets_them_all_from_the_full_pass():
    batches = staged(rgb("group_voc_2007_007763_small_faces.jpg"))
    assert [len(batch) for batch in batches] == [7]


def test_a_photo_under_the_size_bound_is_detected_in_one_pass():
    pixels = rgb("obama_lowres_240p.jpg")
    assert staged(pixels, min_pixels=pixels.shape[0] * pixels.shape[1] + 1) == [detect_faces(pixels, **OPTIONS)]


@pytest.mark.parametrize("options", [{"min_pixels": 0}, {"upsample": 0}])
def test_staging_off_or_no_upsampling_is_one_plain_pass(options):
    pixels = rgb("group_obama_biden.jpg")
    plain = {**OPTIONS, "upsample": options.get("upsample", 1)}
    assert staged(pixels, **options) == [detect_faces(pixels, **plain)]


def test_the_fallback_runs_once_when_neither_pass_finds_a_face(monkeypatch):
    calls = []
    real = detect._fallback

    def counting(*args):
        calls.append(args[1])
        return real(*args)

    monkeypatch.setattr(detect, "_fallback", counting)
    gray = np.full((900, 900, 3), 127, dtype=np.uint8)
    assert staged(gray, fallback="hog") == [[]]
    assert calls == ["hog"]


def test_no_fallback_runs_when_the_full_pass_finds_the_faces(monkeypatch):
    monkeypatch.setattr(detect, "_fallback", lambda *args: pytest.fail("the fallback ran"))
    assert sum(len(batch) for batch in staged(rgb("group_voc_2008_002470.jpg"), fallback="cnn")) == 6


def test_an_error_in_the_full_pass_reaches_the_caller(monkeypatch):
    real = detect._detect

    def failing(image, model, upsample, *rest):
        if upsample == 1:
            raise RuntimeError("the full pass broke")
        return real(image, model, upsample, *rest)

    monkeypatch.setattr(detect, "_detect", failing)
    with pytest.raises(RuntimeError, match="the full pass broke"):
        staged(rgb("obama_1.jpg"))


@pytest.mark.parametrize("bad", [{"fallback": "sift"}, {"upsample": 4}])
def test_bad_options_are_refused(bad):
    with pytest.raises(ValueError):
        staged(rgb("obama_1.jpg"), **bad)
