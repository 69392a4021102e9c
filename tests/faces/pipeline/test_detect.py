"""detect_faces on real photos: the MANIFEST counts at the configured defaults."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from django.conf import settings

from faces.pipeline.detect import DetectedFace, detect_faces
from tests.faces.pipeline.helpers import manifest, rgb


def detect_with_settings(pixels: np.ndarray) -> list[DetectedFace]:
    return detect_faces(
        pixels, model=settings.FACES_DETECTOR, upsample=settings.FACES_UPSAMPLE, max_side=settings.FACES_DETECT_MAX_SIDE
    )


def iou(a: DetectedFace, b: DetectedFace) -> float:
    x0, y0 = max(a.x, b.x), max(a.y, b.y)
    x1, y1 = min(a.x + a.w, b.x + b.w), min(a.y + a.h, b.y + b.h)
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    return inter / (a.w * a.h + b.w * b.h - inter)


@pytest.mark.parametrize("name", sorted(manifest()))
def test_it_finds_the_manifest_number_of_faces_in_every_photo(name):
    expected = int(manifest()[name]["num_faces"])
    assert len(detect_with_settings(rgb(name))) == expected


def test_the_hard_selfie_still_gives_at_least_four_faces():
    assert len(detect_with_settings(rgb("group_selfie_many_people.jpg"))) >= 4


@pytest.mark.parametrize("name", ["noface_dogs.jpg", "noface_cars.jpg"])
def test_photos_without_people_facing_the_camera_give_no_face(name):
    assert detect_with_settings(rgb(name)) == []


def test_it_finds_the_one_small_face_of_a_240p_photo():
    (face,) = detect_with_settings(rgb("obama_lowres_240p.jpg"))
    assert 50 <= face.w <= 75 and 50 <= face.h <= 75


def test_it_finds_the_seven_faces_of_about_40_px():
    faces = detect_with_settings(rgb("group_voc_2007_007763_small_faces.jpg"))
    assert len(faces) == 7
    assert all(30 <= f.w <= 50 for f in faces)


def test_boxes_lie_inside_the_image_with_a_score_and_in_a_stable_order():
    pixels = rgb("group_collage_bald_guys.jpg")
    height, width = pixels.shape[:2]
    faces = detect_with_settings(pixels)
    assert faces == detect_with_settings(pixels)
    assert faces == sorted(faces, key=lambda f: (f.x, f.y, f.w, f.h))
    for f in faces:
        assert f.w > 0 and f.h > 0 and f.x >= 0 and f.y >= 0
        assert f.x + f.w <= width and f.y + f.h <= height
        assert isinstance(f.score, float) and f.score >= 0.0


def test_boxes_found_on_a_downscaled_copy_are_mapped_back_to_original_pixels():
    pixels = rgb("obama_1.jpg")
    (full,) = detect_faces(pixels, max_side=4000)
    (small,) = detect_faces(pixels, max_side=500)
    assert iou(full, small) > 0.7


def test_a_box_cut_by_the_image_edge_is_clipped_to_the_image():
    pixels = np.ascontiguousarray(rgb("obama_lowres_240p.jpg")[:, 200:])  # keep only the right part of the face
    for f in detect_faces(pixels, upsample=1):
        assert f.x >= 0 and f.x + f.w <= pixels.shape[1] and f.y + f.h <= pixels.shape[0]


def test_a_tiny_image_gives_no_face_and_no_error():
    assert detect_faces(np.zeros((3, 5, 3), dtype=np.uint8)) == []


def test_the_cnn_detector_finds_the_hard_selfie_faces_with_confidences():
    faces = detect_faces(rgb("group_selfie_many_people.jpg"), model="cnn", upsample=0)
    assert len(faces) >= 4
    assert all(isinstance(f.score, float) and f.score > 0 for f in faces)


def test_a_greyscale_copy_still_finds_the_faces():
    gray = cv2.cvtColor(rgb("group_obama_biden.jpg"), cv2.COLOR_RGB2GRAY)
    assert len(detect_with_settings(np.ascontiguousarray(np.dstack([gray] * 3)))) == 2


@pytest.mark.parametrize(
    "bad",
    [np.zeros((10, 10), np.uint8), np.zeros((10, 10, 4), np.uint8), np.zeros((10, 10, 3), np.float32), [[0]]],
)
def test_it_refuses_anything_but_an_rgb_uint8_array(bad):
    with pytest.raises(ValueError):
        detect_faces(bad)


def test_it_refuses_an_unknown_model_or_absurd_upsampling():
    with pytest.raises(ValueError):
        detect_faces(rgb("obama_lowres_240p.jpg"), model="retina")
    with pytest.raises(ValueError):
        detect_faces(rgb("obama_lowres_240p.jpg"), upsample=9)


def test_threads_detecting_at_once_get_the_same_answer():
    from concurrent.futures import ThreadPoolExecutor

    pixels = rgb("group_voc_2008_002470.jpg")
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: detect_with_settings(pixels), range(8)))
    assert all(r == results[0] for r in results) and len(results[0]) == 6
