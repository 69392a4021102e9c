"""compute_embeddings(mirror=True): the descriptor averaged with the mirrored face chip's.

FACES_EMBED_MIRROR (docs/benchmarks.md, "Accuracy on LFW") rests on these properties.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from faces.pipeline import embed
from faces.pipeline.detect import detect_faces
from tests.faces.pipeline.helpers import rgb

pytestmark = pytest.mark.django_db


@pytest.fixture
def descriptor_calls(monkeypatch) -> Counter:
    """Count calls into dlib's descriptor network and the chips it was given, letting the real work happen."""
    api = embed._face_recognition_api()
    calls: Counter = Counter()

    class CountingEncoder:
        def __init__(self, real):
            self.real = real

        def compute_face_descriptor(self, chips, *args):
            calls["calls"] += 1
            calls["chips"] += len(chips) if isinstance(chips, list) else 1
            return self.real.compute_face_descriptor(chips, *args)

    monkeypatch.setattr(api, "face_encoder", CountingEncoder(api.face_encoder))
    return calls


def box(pixels: np.ndarray) -> tuple[int, int, int, int]:
    (face,) = detect_faces(pixels)
    return face.x, face.y, face.w, face.h


def mirrored(name: str, department, **kwargs) -> np.ndarray:
    pixels = rgb(name)
    return embed.compute_embedding(pixels, box(pixels), department, mirror=True, **kwargs)


def test_it_is_one_batched_call_of_two_chips_per_face(allowed_department, descriptor_calls):
    pixels = rgb("group_obama_biden.jpg")
    boxes = [(f.x, f.y, f.w, f.h) for f in detect_faces(pixels)]
    vectors = embed.compute_embeddings(pixels, boxes, allowed_department, mirror=True)
    assert [(v.shape, v.dtype) for v in vectors] == [((128,), np.float32)] * 2
    assert descriptor_calls == Counter(calls=2, chips=4)


def test_a_photo_and_its_mirror_image_get_nearly_the_same_descriptor(allowed_department):
    pixels = rgb("biden_lfw_1.jpg")
    flipped = np.ascontiguousarray(pixels[:, ::-1])
    plain_gap = np.linalg.norm(
        embed.compute_embedding(pixels, box(pixels), allowed_department)
        - embed.compute_embedding(flipped, box(flipped), allowed_department)
    )
    mirror_gap = np.linalg.norm(
        embed.compute_embedding(pixels, box(pixels), allowed_department, mirror=True)
        - embed.compute_embedding(flipped, box(flipped), allowed_department, mirror=True)
    )
    assert mirror_gap < plain_gap / 2


def test_the_same_person_stays_under_the_threshold_and_different_people_over_it(allowed_department, settings):
    obama, obama_again, biden = (mirrored(n, allowed_department) for n in ("obama_1.jpg", "obama_2.jpg", "biden_1.jpg"))
    assert np.linalg.norm(obama - obama_again) < settings.FACES_MATCH_THRESHOLD
    assert np.linalg.norm(obama - biden) > settings.FACES_MATCH_THRESHOLD


def test_jitters_and_the_68_point_model_combine_with_mirroring(allowed_department, descriptor_calls):
    a = mirrored("obama_1.jpg", allowed_department, jitters=2, landmark_model="large")
    b = mirrored("obama_2.jpg", allowed_department, jitters=2, landmark_model="large")
    assert np.linalg.norm(a - b) < 0.6
    assert descriptor_calls == Counter(calls=2, chips=4)


def test_mirroring_is_refused_like_everything_else_when_recognition_is_off(disallowed_department, descriptor_calls):
    pixels = rgb("obama_1.jpg")
    with pytest.raises(embed.RecognitionNotAllowed):
        embed.compute_embeddings(pixels, [box(pixels)], disallowed_department, mirror=True)
    assert descriptor_calls == Counter()


@pytest.mark.parametrize(
    ("landmark_model", "mirror", "variant"),
    [
        ("small", False, "dlib-resnet-small"),
        ("small", True, "dlib-resnet-small-mirror"),
        ("large", True, "dlib-resnet-large-mirror"),
    ],
)
def test_the_variant_names_the_descriptor_space(landmark_model, mirror, variant):
    assert embed.embedding_variant(landmark_model=landmark_model, mirror=mirror) == variant


def test_the_current_variant_follows_the_settings(settings):
    settings.FACES_LANDMARK_MODEL, settings.FACES_EMBED_MIRROR = "large", False
    assert embed.current_embedding_variant() == "dlib-resnet-large"
