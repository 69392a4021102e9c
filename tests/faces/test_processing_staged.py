"""A large photo's larger faces are embedded and searched while the full detection pass still runs."""

from __future__ import annotations

import threading

import pytest

from faces.models import Face, RecognitionEvent
from faces.pipeline import detect
from faces.services import processing
from tests import factories


@pytest.fixture
def staged(settings):
    settings.FACES_DETECT_STAGED_MIN_PIXELS = 1
    settings.FACES_UPSAMPLE = 1


def test_the_suggestion_for_a_large_face_is_written_before_the_full_pass_ends(allowed_department, staged, monkeypatch):
    officer = factories.gallery_officer(allowed_department, "obama_1.jpg", last_name="Gallery", badge_number="1")
    events: list[str] = []
    suggested = threading.Event()
    real_detect, real_suggest = detect._detect, processing.face_suggest

    def full_pass_waits(image, model, upsample, *rest):
        if upsample == 1:
            # The full pass may only finish once a suggestion exists: if the task waited for
            # it before searching, this would time out and the order below would be wrong.
            suggested.wait(timeout=30)
            events.append("full pass done")
        return real_detect(image, model, upsample, *rest)

    def suggest(face, vector, **kwargs):
        result = real_suggest(face, vector, **kwargs)
        events.append("suggested")
        suggested.set()
        return result

    monkeypatch.setattr(detect, "_detect", full_pass_waits)
    monkeypatch.setattr(processing, "face_suggest", suggest)
    image = factories.image(allowed_department, "obama_2.jpg", processed=True)
    assert events == ["suggested", "full pass done"]
    face = image.faces.get()
    assert face.suggestions.get().officer == officer


def test_a_crowd_photo_in_stages_stores_and_embeds_every_face_once(allowed_department, staged, monkeypatch):
    embedded_boxes: list[tuple] = []
    real = processing.compute_embeddings

    def counting(rgb, boxes, department, **kwargs):
        embedded_boxes.extend(boxes)
        return real(rgb, boxes, department, **kwargs)

    monkeypatch.setattr(processing, "compute_embeddings", counting)
    image = factories.image(allowed_department, "group_collage_bald_guys.jpg", processed=True)
    faces = list(image.faces.all())
    assert len(faces) == 24
    assert len(embedded_boxes) == len(set(embedded_boxes)) == sum(f.embedding is not None for f in faces)
    assert all(f.embedding is not None or f.embedding_skipped_reason for f in faces)


def test_a_disallowed_department_gets_every_box_of_a_large_photo_and_nothing_biometric(
    disallowed_department, staged, monkeypatch
):
    monkeypatch.setattr(processing, "compute_embeddings", lambda *a, **k: pytest.fail("descriptors computed"))
    image = factories.image(disallowed_department, "group_collage_bald_guys.jpg", processed=True)
    assert image.faces.count() == 24
    assert not Face.objects.filter(image=image, embedding__isnull=False).exists()
    refused = RecognitionEvent.objects.filter(face__image=image, outcome=RecognitionEvent.Outcome.REFUSED)
    assert refused.count() == 24  # once per face, not once per stage
