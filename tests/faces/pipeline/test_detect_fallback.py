"""detect_faces' second pass for photos where the first finds no face (FACES_DETECT_FALLBACK)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from faces.pipeline import detect
from faces.pipeline.detect import detect_faces
from tests.faces.pipeline.helpers import rgb


def rotated(pixels: np.ndarray, degrees: float) -> np.ndarray:
    height, width = pixels.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(pixels, turn, (width, height), borderMode=cv2.BORDER_REPLICATE)


def shrunk(pixels: np.ndarray, width: int) -> np.ndarray:
    height = round(width * pixels.shape[0] / pixels.shape[1])
    return cv2.resize(pixels, (width, height), interpolation=cv2.INTER_AREA)


@pytest.fixture
def passes(monkeypatch) -> list[tuple[str, int, tuple[int, ...]]]:
    """Every detector pass actually run: (model, upsample, image shape)."""
    seen: list[tuple[str, int, tuple[int, ...]]] = []
    real = detect._run

    def counting(image, model, upsample, adjust_threshold):
        seen.append((model, upsample, image.shape))
        return real(image, model, upsample, adjust_threshold)

    monkeypatch.setattr(detect, "_run", counting)
    return seen


def test_the_cnn_fallback_finds_a_tilted_face_that_hog_misses():
    tilted = rotated(rgb("biden_lfw_1.jpg"), 50)
    assert detect_faces(tilted) == []
    (face,) = detect_faces(tilted, fallback="cnn")
    assert 80 <= face.w <= 120 and 60 <= face.x <= 100


def test_the_hog_fallback_upsamples_once_more_to_find_a_small_face(passes):
    small = shrunk(rgb("obama_1.jpg"), 160)
    assert detect_faces(small, upsample=0) == []
    (face,) = detect_faces(small, upsample=0, fallback="hog")
    assert 35 <= face.w <= 55
    assert [(model, upsample) for model, upsample, _ in passes] == [("hog", 0), ("hog", 0), ("hog", 1)]


def test_no_second_pass_runs_when_the_first_finds_a_face(passes):
    assert len(detect_faces(rgb("obama_2.jpg"), fallback="cnn")) == 1
    assert [model for model, _, _ in passes] == ["hog"]


def test_the_cnn_pass_is_bounded_to_the_fallback_size(passes):
    # A large photo without a face: the CNN sees it at most 300 px a side, not upsampled.
    assert detect_faces(rgb("noface_cars.jpg"), fallback="cnn", fallback_max_side=300) == []
    model, upsample, shape = passes[-1]
    assert (model, upsample) == ("cnn", 0) and max(shape[:2]) == 300


@pytest.mark.parametrize("name", ["noface_dogs.jpg", "noface_cars.jpg"])
def test_photos_without_people_still_give_no_face_with_the_cnn_fallback(name):
    assert detect_faces(rgb(name), fallback="cnn") == []


def test_the_fallback_boxes_are_in_original_pixels(passes):
    tilted = rotated(rgb("biden_lfw_1.jpg"), 50)
    (face,) = detect_faces(tilted, fallback="cnn")
    doubled = cv2.resize(tilted, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
    (scaled_back,) = detect_faces(doubled, fallback="cnn", fallback_max_side=250)
    assert passes[-1][2][:2] == (250, 250)  # the CNN saw the photo at half size
    assert abs(scaled_back.x - 2 * face.x) <= 16 and abs(scaled_back.w - 2 * face.w) <= 24


def test_an_unknown_fallback_is_refused():
    with pytest.raises(ValueError, match="fallback"):
        detect_faces(rgb("obama_2.jpg"), fallback="mtcnn")


@pytest.mark.parametrize("shape", [(40, 2000, 3), (2000, 30, 3), (60, 60, 3)])
def test_the_cnn_fallback_skips_a_strip_thinner_than_its_window_instead_of_failing(shape):
    # dlib's mmod raised "filter windows must be small enough" on such images (a 10,000-frame GIF).
    strip = np.full(shape, 128, dtype=np.uint8)
    assert detect_faces(strip, fallback="cnn", fallback_max_side=640) == []
