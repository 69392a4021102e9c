"""The gallery search itself: aggregation per officer, threshold, exclusions, the gate, the planner.

Vectors are synthetic (placed at known distances) where the arithmetic is the point; the
last test runs real photos through the real pipeline.
"""

from __future__ import annotations

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from departments.models import Department
from faces import services
from faces.models import Face, Image
from faces.pipeline import search
from faces.pipeline.search import plan_search, search_gallery
from faces.services import recognition
from faces.services.review import face_identify
from tests import factories
from tests.conftest import photo
from tests.factories import gallery_face

BOTH = pytest.mark.parametrize("strategy", ["exact", "hnsw", "auto"])


@pytest.fixture(autouse=True)
def _fresh_gallery_sizes():
    search.gallery_sizes.clear()
    yield
    search.gallery_sizes.clear()


def vec(*head: float) -> list[float]:
    """A 128-d vector: `head` in the first dimensions, zeros after."""
    return list(head) + [0.0] * (128 - len(head))


@BOTH
def test_officers_are_ranked_by_their_centroid_not_their_single_closest_photo(allowed_department, strategy):
    steady = factories.officer(allowed_department, badge_number="1")
    lucky = factories.officer(allowed_department, badge_number="2")
    gallery_face(steady, vec(0.2))
    gallery_face(steady, vec(-0.2))  # centroid at the origin, nearest photo 0.2 away
    gallery_face(lucky, vec(0.0, 0.1))
    gallery_face(lucky, vec(0.0, 0.7))  # nearest photo 0.1 away, centroid 0.4 away
    matches = search_gallery(vec(), strategy=strategy)
    assert [m.officer_id for m in matches] == [steady.pk, lucky.pk]
    assert matches[0].distance == pytest.approx(0.0, abs=1e-6)
    assert matches[0].nearest_face_distance == pytest.approx(0.2, abs=1e-6)
    assert matches[0].gallery_faces == 2
    assert matches[1].distance == pytest.approx(0.4, abs=1e-6)
    assert matches[1].nearest_face_distance == pytest.approx(0.1, abs=1e-6)
    assert matches[0].department_id == allowed_department.pk


@BOTH
def test_it_drops_officers_beyond_the_threshold_and_keeps_the_limit(allowed_department, strategy):
    for i, x in enumerate([0.1, 0.3, 0.5, 0.7, 0.9]):
        gallery_face(factories.officer(allowed_department, badge_number=str(i)), vec(x))
    assert [round(m.distance, 3) for m in search_gallery(vec(), threshold=0.6, strategy=strategy)] == [0.1, 0.3, 0.5]
    assert len(search_gallery(vec(), threshold=2.0, limit=2, strategy=strategy)) == 2
    assert search_gallery(vec(), threshold=0.05, strategy=strategy) == []


@BOTH
def test_it_never_suggests_a_rejected_officer_or_matches_the_probe_photo_itself(allowed_department, strategy):
    rejected = factories.officer(allowed_department, badge_number="1")
    other = factories.officer(allowed_department, badge_number="2")
    gallery_face(rejected, vec(0.1))
    own = gallery_face(other, vec(0.0))
    gallery_face(other, vec(0.2))
    matches = search_gallery(vec(), exclude_officer_ids=[rejected.pk], exclude_image_id=own.image_id, strategy=strategy)
    assert [m.officer_id for m in matches] == [other.pk]
    assert matches[0].nearest_face_distance == pytest.approx(0.2, abs=1e-6)


@BOTH
def test_only_identified_faces_marked_for_recognition_are_in_the_gallery(allowed_department, strategy):
    gallery_face(None, vec(0.0), department=allowed_department)  # unidentified
    gallery_face(factories.officer(allowed_department, badge_number="1"), vec(0.05), use_for_recognition=False)
    assert search_gallery(vec(), strategy=strategy) == []


@BOTH
def test_it_never_returns_a_face_of_a_department_without_recognition(
    allowed_department, disallowed_department, illinois_department, strategy
):
    # Vectors planted straight into the table, as if a purge had been missed: the search's
    # own filters must still keep them out, on every path. Illinois' flag is on, but its
    # state rule forbids recognition.
    Department.objects.filter(pk=illinois_department.pk).update(facial_recognition_allowed=True)
    for department in (disallowed_department, illinois_department):
        gallery_face(factories.officer(department, badge_number="9"), vec(0.0))
    moved = factories.officer(allowed_department, badge_number="8")  # officer allowed, the photo's department not
    gallery_face(moved, vec(0.0), department=disallowed_department)
    kept = factories.officer(allowed_department, badge_number="1")
    gallery_face(kept, vec(0.3))
    matches = search_gallery(vec(), strategy=strategy)
    assert [m.officer_id for m in matches] == [kept.pk]
    assert search_gallery(vec(), department_ids=[disallowed_department.pk], strategy=strategy) == []
    assert search_gallery(vec(), department_ids=[illinois_department.pk], strategy=strategy) == []


@BOTH
def test_a_department_turned_off_disappears_from_the_next_search_even_with_sizes_cached(
    allowed_department, other_department, strategy
):
    gallery_face(factories.officer(other_department, badge_number="1"), vec(0.1))
    gallery_face(factories.officer(allowed_department, badge_number="2"), vec(0.3))
    assert len(search_gallery(vec(), strategy=strategy)) == 2  # the sizes cache is now warm
    recognition.department_set_recognition(other_department, allowed=False, actor=None, reason="court order")
    assert {m.department_id for m in search_gallery(vec(), strategy=strategy)} == {allowed_department.pk}
    Face.objects.filter(officer__department=other_department).update(embedding=vec(0.1))  # a missed purge
    assert {m.department_id for m in search_gallery(vec(), strategy=strategy)} == {allowed_department.pk}


@BOTH
def test_a_department_scope_returns_only_that_departments_officers(allowed_department, other_department, strategy):
    ours = factories.officer(allowed_department, badge_number="1")
    gallery_face(ours, vec(0.4))
    gallery_face(factories.officer(other_department, badge_number="2"), vec(0.1))
    matches = search_gallery(vec(), department_ids=[allowed_department.pk], strategy=strategy)
    assert [m.officer_id for m in matches] == [ours.pk]


def test_it_refuses_an_unknown_strategy(allowed_department):
    with pytest.raises(ValueError):
        search_gallery(vec(), strategy="guess")


def test_the_planner_scans_small_scopes_exactly_and_walks_the_graph_for_large_ones(
    allowed_department, other_department
):
    for i in range(6):
        gallery_face(factories.officer(allowed_department, badge_number=str(i)), vec(0.1 * i))
    gallery_face(factories.officer(other_department, badge_number="x"), vec(0.2))
    assert plan_search([allowed_department.pk], exact_max_officers=6) == "exact"
    assert plan_search([allowed_department.pk], exact_max_officers=5) == "hnsw"
    assert plan_search([other_department.pk], exact_max_officers=5) == "exact"
    assert plan_search([allowed_department.pk, other_department.pk], exact_max_officers=6) == "hnsw"


def test_the_planner_reads_its_cut_off_from_the_settings_at_call_time(settings, allowed_department):
    for i in range(3):
        gallery_face(factories.officer(allowed_department), vec(0.1 * i))
    settings.FACES_SEARCH_EXACT_MAX_OFFICERS = 3
    assert plan_search([allowed_department.pk]) == "exact"
    settings.FACES_SEARCH_EXACT_MAX_OFFICERS = 2
    assert plan_search([allowed_department.pk]) == "hnsw"


def test_both_paths_return_identical_results_on_a_clustered_gallery(allowed_department, other_department):
    rng = np.random.default_rng(3)
    centres = {}
    for department in (allowed_department, other_department):
        for i in range(30):
            officer = factories.officer(department, badge_number=f"{department.pk}-{i}")
            centres[officer.pk] = rng.normal(size=128) * 0.047
            for _ in range(3):
                gallery_face(officer, (centres[officer.pk] + rng.normal(size=128) * 0.025).tolist())
    for officer_id in list(centres)[::7]:
        probe = (centres[officer_id] + rng.normal(size=128) * 0.025).tolist()
        for scope in (None, [allowed_department.pk]):
            exact = search_gallery(probe, threshold=10, limit=5, department_ids=scope, strategy="exact")
            graph = search_gallery(probe, threshold=10, limit=5, department_ids=scope, strategy="hnsw")
            assert [m.officer_id for m in graph] == [m.officer_id for m in exact]
            assert [m.distance for m in graph] == pytest.approx([m.distance for m in exact], abs=1e-5)
        assert search_gallery(probe, limit=1)[0].officer_id == officer_id


def test_a_real_photo_finds_the_same_person_on_both_paths(allowed_department):
    officer = factories.officer(allowed_department, badge_number="44")
    for name in ("obama_1.jpg", "biden_1.jpg"):
        result = services.image_create(upload=SimpleUploadedFile(name, photo(name)), department=allowed_department)
        services.image_process(result.image.pk)
        target = officer if name.startswith("obama") else factories.officer(allowed_department, badge_number="46")
        face_identify(result.image.faces.get(), officer=target, actor=None, use_for_recognition=True)
    probe = services.image_create(
        upload=SimpleUploadedFile("o2.jpg", photo("obama_2.jpg")), department=allowed_department
    )
    services.image_process(probe.image.pk)
    vector = probe.image.faces.get().embedding
    for strategy in ("exact", "hnsw"):
        matches = search_gallery(vector, exclude_image_id=probe.image.pk, strategy=strategy)
        assert [m.officer_id for m in matches] == [officer.pk]
        assert matches[0].distance < 0.6


def test_a_face_copies_its_photos_department_on_every_write_path(allowed_department, other_department):
    face = gallery_face(factories.officer(allowed_department, badge_number="1"), vec(0.1))
    face.refresh_from_db()
    assert face.image_department_id == allowed_department.pk
    face.image_department_id = other_department.pk  # a stale or forged copy is overwritten
    face.save()
    face.refresh_from_db()
    assert face.image_department_id == allowed_department.pk
    Image.objects.filter(pk=face.image_id).update(department=other_department)  # the photo moves
    face.refresh_from_db()
    assert face.image_department_id == other_department.pk


@BOTH
def test_a_photo_moved_to_a_disallowed_department_takes_its_faces_out_of_the_gallery(
    allowed_department, disallowed_department, strategy
):
    officer = factories.officer(allowed_department, badge_number="1")
    face = gallery_face(officer, vec(0.1))
    assert [m.officer_id for m in search_gallery(vec(), strategy=strategy)] == [officer.pk]
    Image.objects.filter(pk=face.image_id).update(department=disallowed_department)
    assert search_gallery(vec(), strategy=strategy) == []


@BOTH
def test_even_a_forged_department_copy_cannot_carry_a_face_across_the_gate(
    allowed_department, disallowed_department, strategy
):
    from django.db import connection

    leaked = gallery_face(
        factories.officer(allowed_department, badge_number="1"), vec(0.0), department=disallowed_department
    )
    with connection.cursor() as cursor:  # bypass the trigger, as a bug or a bad restore might
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE faces_face DISABLE TRIGGER faces_face_image_department")
        cursor.execute(
            "UPDATE faces_face SET image_department_id = %s WHERE id = %s", [allowed_department.pk, leaked.pk]
        )
        cursor.execute("ALTER TABLE faces_face ENABLE TRIGGER faces_face_image_department")
    assert search_gallery(vec(), strategy=strategy) == []
