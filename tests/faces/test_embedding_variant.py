"""Face.embedding_variant: vectors of another descriptor space are never compared, and are re-embedded.

Changing FACES_EMBED_MIRROR or FACES_LANDMARK_MODEL changes what a distance means, so the
search reads only the current variant's vectors (and those of unrecorded variant, as rows
written by hand), warns about the rest, and `manage.py reprocess --stale-embeddings` queues them.
"""

from __future__ import annotations

import logging
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from faces.management.commands import reprocess
from faces.models import Face
from faces.pipeline import search
from faces.pipeline.embed import current_embedding_variant
from faces.pipeline.search import search_gallery
from tests import factories
from tests.factories import gallery_face

pytestmark = pytest.mark.django_db

OLD = "dlib-resnet-small"  # what every embedding stored before migration 0008 is


@pytest.fixture(autouse=True)
def _mirrored_pipeline(settings):
    settings.FACES_LANDMARK_MODEL, settings.FACES_EMBED_MIRROR = "small", True
    search.gallery_sizes.clear()
    yield
    search.gallery_sizes.clear()


def vec(x: float) -> list[float]:
    return [x] + [0.0] * 127


def with_variant(face: Face, variant: str) -> Face:
    Face.objects.filter(pk=face.pk).update(embedding_variant=variant)
    return face


def test_the_worker_stores_the_variant_it_computed(allowed_department):
    face = factories.image(allowed_department, "obama_2.jpg", processed=True).faces.get()
    assert face.embedding is not None
    assert face.embedding_variant == current_embedding_variant() == "dlib-resnet-small-mirror"


@pytest.mark.parametrize("strategy", ["exact", "hnsw"])
def test_a_gallery_face_of_another_variant_is_never_compared(allowed_department, strategy):
    stale = factories.officer(allowed_department, badge_number="1")
    current = factories.officer(allowed_department, badge_number="2")
    with_variant(gallery_face(stale, vec(0.1)), OLD)
    with_variant(gallery_face(current, vec(0.3)), current_embedding_variant())
    assert [m.officer_id for m in search_gallery(vec(0.0), strategy=strategy)] == [current.pk]


def test_an_officer_is_ranked_on_the_current_variants_faces_only(allowed_department):
    officer = factories.officer(allowed_department, badge_number="1")
    with_variant(gallery_face(officer, vec(0.2)), current_embedding_variant())
    with_variant(gallery_face(officer, vec(5.0)), OLD)  # would drag the centroid far away
    (match,) = search_gallery(vec(0.0))
    assert match.gallery_faces == 1 and match.distance == pytest.approx(0.2, abs=1e-6)


def test_a_vector_of_unrecorded_variant_is_still_searched(allowed_department):
    officer = factories.officer(allowed_department, badge_number="1")
    gallery_face(officer, vec(0.1))  # written without a variant, as tests and synthetic benchmarks do
    assert [m.officer_id for m in search_gallery(vec(0.0))] == [officer.pk]


def test_the_search_warns_that_stale_gallery_faces_are_left_out(allowed_department, caplog):
    officer = factories.officer(allowed_department, badge_number="1")
    with_variant(gallery_face(officer, vec(0.1)), OLD)
    with_variant(gallery_face(officer, vec(0.2)), OLD)
    with caplog.at_level(logging.WARNING, logger="faces.pipeline.search"):
        search_gallery(vec(0.0))
    assert "2 gallery faces have embeddings of another variant" in caplog.text
    assert "reprocess --stale-embeddings" in caplog.text
    assert search.gallery_sizes.stale == 2


def test_no_warning_when_every_gallery_face_is_current(allowed_department, caplog):
    with_variant(gallery_face(factories.officer(allowed_department), vec(0.1)), current_embedding_variant())
    with caplog.at_level(logging.WARNING, logger="faces.pipeline.search"):
        search_gallery(vec(0.0))
    assert "another variant" not in caplog.text


def test_reprocess_queues_only_faces_of_another_variant(allowed_department, other_department, monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr(reprocess.process_face, "delay", queued.append)
    officer = factories.officer(allowed_department, badge_number="1")
    stale = with_variant(gallery_face(officer, vec(0.1)), OLD)
    with_variant(gallery_face(officer, vec(0.2)), current_embedding_variant())
    gallery_face(officer, vec(0.3))  # unrecorded: left alone
    elsewhere = with_variant(gallery_face(factories.officer(other_department), vec(0.4)), OLD)
    out = StringIO()
    call_command("reprocess", "--stale-embeddings", "--department", allowed_department.slug, stdout=out)
    assert queued == [stale.pk]
    assert "Queued 1 face(s) to re-embed as dlib-resnet-small-mirror." in out.getvalue()
    call_command("reprocess", "--stale-embeddings", stdout=StringIO())
    assert sorted(queued) == sorted([stale.pk, stale.pk, elsewhere.pk])


def test_re_embedding_a_stale_face_brings_it_back_into_the_search(allowed_department):
    from faces import services

    officer = factories.gallery_officer(allowed_department, "obama_1.jpg", badge_number="1")
    face = Face.objects.get(officer=officer)
    Face.objects.filter(pk=face.pk).update(embedding=[0.0] * 128, embedding_variant=OLD)
    probe = np.asarray(factories.image(allowed_department, "obama_2.jpg", processed=True).faces.get().embedding)
    assert search_gallery(probe) == []
    services.face_process(face.pk)
    face.refresh_from_db()
    assert face.embedding_variant == current_embedding_variant()
    assert [m.officer_id for m in search_gallery(probe)] == [officer.pk]
