"""compute_embeddings: the biometric gate at the lowest level (docs/architecture.md, rules 1 and 5).

The refusal tests count *real* calls into face_recognition/dlib (wrappers that delegate),
so they prove that no landmark or descriptor was computed, not merely that none was stored.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from departments.models import Department, JurisdictionRule
from departments.policy import RecognitionNotAllowed
from faces.pipeline import embed
from faces.pipeline.detect import detect_faces
from tests.faces.pipeline.helpers import rgb

pytestmark = pytest.mark.django_db


@pytest.fixture
def biometric_calls(monkeypatch) -> Counter:
    """Count every entry into landmark and descriptor code, letting the real work happen."""
    api = embed._face_recognition_api()
    calls: Counter = Counter()

    def counting(name, function):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)

        return wrapper

    for name in ("face_encodings", "face_landmarks", "_raw_face_landmarks"):
        monkeypatch.setattr(api, name, counting(name, getattr(api, name)))
    for name in ("pose_predictor_5_point", "pose_predictor_68_point"):
        monkeypatch.setattr(api, name, counting(name, getattr(api, name)))

    class CountingEncoder:
        def __init__(self, real):
            self.real = real

        def compute_face_descriptor(self, *args, **kwargs):
            calls["compute_face_descriptor"] += 1
            return self.real.compute_face_descriptor(*args, **kwargs)

    monkeypatch.setattr(api, "face_encoder", CountingEncoder(api.face_encoder))
    return calls


def boxes(name: str) -> list[tuple[int, int, int, int]]:
    return [(f.x, f.y, f.w, f.h) for f in detect_faces(rgb(name))]


def embedding(name: str, department) -> np.ndarray:
    (box,) = boxes(name)
    return embed.compute_embedding(rgb(name), box, department)


def test_it_computes_a_128_float32_descriptor_per_box_in_order(allowed_department, biometric_calls):
    pixels = rgb("group_obama_biden.jpg")
    vectors = embed.compute_embeddings(pixels, boxes("group_obama_biden.jpg"), allowed_department)
    assert [v.shape for v in vectors] == [(128,), (128,)]
    assert all(v.dtype == np.float32 for v in vectors)
    assert biometric_calls["compute_face_descriptor"] == 2  # one per face
    assert biometric_calls["pose_predictor_5_point"] == 2  # the counters do see real work


def test_two_photos_of_the_same_person_are_closer_than_the_threshold(allowed_department):
    distance = np.linalg.norm(
        embedding("obama_1.jpg", allowed_department) - embedding("obama_2.jpg", allowed_department)
    )
    assert distance < 0.6


def test_two_different_people_are_further_apart_than_the_threshold(allowed_department):
    distance = np.linalg.norm(
        embedding("obama_1.jpg", allowed_department) - embedding("biden_1.jpg", allowed_department)
    )
    assert distance > 0.6


def test_a_box_drawn_by_hand_gives_nearly_the_detectors_descriptor(allowed_department):
    pixels = rgb("obama_2.jpg")
    (x, y, w, h) = boxes("obama_2.jpg")[0]
    detected = embed.compute_embedding(pixels, (x, y, w, h), allowed_department)
    hand_drawn = embed.compute_embedding(pixels, (x - 6, y + 4, w + 10, h - 3), allowed_department)
    assert np.linalg.norm(detected - hand_drawn) < 0.15


def test_the_68_point_landmark_model_also_matches_the_same_person(allowed_department, biometric_calls):
    a = embed.compute_embedding(rgb("obama_1.jpg"), boxes("obama_1.jpg")[0], allowed_department, landmark_model="large")
    b = embed.compute_embedding(rgb("obama_2.jpg"), boxes("obama_2.jpg")[0], allowed_department, landmark_model="large")
    assert np.linalg.norm(a - b) < 0.6
    assert biometric_calls["pose_predictor_68_point"] == 2 and biometric_calls["pose_predictor_5_point"] == 0


def test_it_refuses_embedding_when_the_flag_is_off(disallowed_department, biometric_calls):
    with pytest.raises(RecognitionNotAllowed):
        embed.compute_embeddings(rgb("obama_1.jpg"), boxes("obama_1.jpg"), disallowed_department)
    assert sum(biometric_calls.values()) == 0


def test_it_refuses_embedding_in_a_state_that_forbids_recognition_even_with_the_flag_on(biometric_calls):
    JurisdictionRule.objects.get_or_create(state="IL", defaults={"recognition_forbidden": True, "legal_reason": "BIPA"})
    JurisdictionRule.objects.filter(state="IL").update(recognition_forbidden=True)
    chicago = Department.objects.create(name="Chicago Police Department", slug="chicago-pd", state="IL")
    Department.objects.filter(pk=chicago.pk).update(facial_recognition_allowed=True)
    with pytest.raises(RecognitionNotAllowed):
        embed.compute_embeddings(rgb("obama_1.jpg"), boxes("obama_1.jpg"), chicago)
    with pytest.raises(RecognitionNotAllowed):
        embed.compute_embeddings(rgb("obama_1.jpg"), boxes("obama_1.jpg"), chicago.pk)
    assert sum(biometric_calls.values()) == 0


def test_it_rereads_the_flag_instead_of_trusting_a_stale_department_object(allowed_department, biometric_calls):
    # The task loaded the department while the flag was on; an administrator turned it off since.
    Department.objects.filter(pk=allowed_department.pk).update(facial_recognition_allowed=False)
    assert allowed_department.facial_recognition_allowed is True
    with pytest.raises(RecognitionNotAllowed):
        embed.compute_embeddings(rgb("obama_1.jpg"), boxes("obama_1.jpg"), allowed_department)
    assert sum(biometric_calls.values()) == 0


def test_it_refuses_an_image_without_a_department(biometric_calls):
    with pytest.raises(RecognitionNotAllowed):
        embed.compute_embeddings(rgb("obama_1.jpg"), boxes("obama_1.jpg"), None)
    assert sum(biometric_calls.values()) == 0


def test_the_gate_comes_before_any_other_check(disallowed_department):
    # Even nonsense input gets the policy's answer first: nothing runs ahead of the gate.
    with pytest.raises(RecognitionNotAllowed):
        embed.compute_embeddings("not an image", [(0, 0, -1, -1)], disallowed_department, jitters=0)


def test_no_boxes_means_no_work_but_still_asks_the_gate(allowed_department, disallowed_department, biometric_calls):
    assert embed.compute_embeddings(rgb("obama_1.jpg"), [], allowed_department) == []
    with pytest.raises(RecognitionNotAllowed):
        embed.compute_embeddings(rgb("obama_1.jpg"), [], disallowed_department)
    assert sum(biometric_calls.values()) == 0


@pytest.mark.parametrize("box", [(0, 0, 0, 10), (5000, 5000, 20, 20), (-100, -100, 50, 50)])
def test_it_refuses_a_box_without_area_inside_the_image(allowed_department, box):
    with pytest.raises(ValueError):
        embed.compute_embeddings(rgb("obama_lowres_240p.jpg"), [box], allowed_department)


def test_it_refuses_unknown_landmark_models_and_jitter_counts(allowed_department):
    box = boxes("obama_lowres_240p.jpg")[0]
    with pytest.raises(ValueError):
        embed.compute_embedding(rgb("obama_lowres_240p.jpg"), box, allowed_department, landmark_model="huge")
    with pytest.raises(ValueError):
        embed.compute_embedding(rgb("obama_lowres_240p.jpg"), box, allowed_department, jitters=0)


def test_loading_face_recognition_leaves_pillow_refusing_truncated_files():
    from PIL import ImageFile

    embed._face_recognition_api()
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
