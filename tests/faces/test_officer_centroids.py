"""The gallery's officer centroids are kept by the database on every write path, and obey the gate."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection
from django.utils import timezone

from faces.models import Face, OfficerCentroid
from faces.services.gate_audit import gate_audit_run
from faces.services.recognition import department_set_recognition
from tests import factories
from tests.factories import gallery_face

pytestmark = pytest.mark.django_db


def vec(*head: float) -> list[float]:
    return [*head, *[0.0] * (128 - len(head))]


def centroid_of(officer) -> tuple[list[float], int] | None:
    row = OfficerCentroid.objects.filter(officer=officer).values_list("centroid", "face_count").first()
    return None if row is None else ([round(float(v), 5) for v in row[0][:2]], row[1])


def test_identifying_faces_keeps_the_officers_centroid_as_the_mean_of_their_gallery(officer):
    gallery_face(officer, vec(0.2, 0.4))
    assert centroid_of(officer) == ([0.2, 0.4], 1)
    gallery_face(officer, vec(0.4, 0.0))
    assert centroid_of(officer) == ([0.3, 0.2], 2)
    row = OfficerCentroid.objects.get(officer=officer)
    assert row.department_id == officer.department_id


def test_a_face_taken_out_of_the_gallery_leaves_the_centroid_of_the_rest(officer):
    kept = gallery_face(officer, vec(0.2))
    dropped = gallery_face(officer, vec(0.6))
    Face.objects.filter(pk=dropped.pk).update(use_for_recognition=False)
    assert centroid_of(officer) == ([0.2, 0.0], 1)
    Face.objects.filter(pk=kept.pk).delete()
    assert centroid_of(officer) is None


def test_a_face_given_to_another_officer_moves_between_both_centroids(allowed_department, officer):
    other = factories.officer(allowed_department, badge_number="2002")
    gallery_face(officer, vec(0.2))
    moved = gallery_face(officer, vec(0.6))
    Face.objects.filter(pk=moved.pk).update(officer=other)
    assert centroid_of(officer) == ([0.2, 0.0], 1)
    assert centroid_of(other) == ([0.6, 0.0], 1)


def test_a_face_re_embedded_changes_the_centroid_in_the_same_statement(officer):
    face = gallery_face(officer, vec(0.2))
    Face.objects.filter(pk=face.pk).update(embedding=vec(0.8))
    assert centroid_of(officer) == ([0.8, 0.0], 1)


def test_each_embedding_variant_has_its_own_centroid(officer):
    gallery_face(officer, vec(0.2))
    newer = gallery_face(officer, vec(0.6))
    Face.objects.filter(pk=newer.pk).update(embedding_variant="other-variant")
    assert sorted(OfficerCentroid.objects.filter(officer=officer).values_list("variant", "face_count")) == [
        ("", 1),
        ("other-variant", 1),
    ]


def test_turning_recognition_off_deletes_the_departments_centroids_in_the_same_transaction(
    allowed_department, officer, admin_user
):
    gallery_face(officer, vec(0.2))
    department_set_recognition(allowed_department, allowed=False, actor=admin_user, reason="council vote")
    assert not OfficerCentroid.objects.exists()


def test_an_officer_transferred_to_illinois_loses_the_centroid(officer, illinois_department):
    gallery_face(officer, vec(0.2), department=officer.department)
    officer.department = illinois_department
    officer.save()
    assert not OfficerCentroid.objects.exists()


def test_an_officer_transferred_to_another_allowed_department_takes_the_centroid_along(officer, other_department):
    gallery_face(officer, vec(0.2))
    officer.department = other_department
    officer.save()
    assert OfficerCentroid.objects.get(officer=officer).department_id == other_department.pk


def test_a_deleted_officer_leaves_no_centroid(officer):
    gallery_face(officer, vec(0.2))
    officer.delete()
    assert not OfficerCentroid.objects.exists()


def test_a_centroid_written_by_hand_for_a_disallowed_department_is_found_and_fixed_by_the_gate_audit(
    officer, disallowed_department
):
    gallery_face(officer, vec(0.2))
    banned = factories.officer(disallowed_department, badge_number="9")
    forged = OfficerCentroid.objects.create(
        officer=banned,
        department_id=disallowed_department.pk,
        variant="",
        centroid=vec(0.1),
        face_count=1,
        updated_at=timezone.now(),
    )
    result = gate_audit_run(fix=False)
    assert result.centroid_ids == [forged.pk]
    gate_audit_run(fix=True)
    assert list(OfficerCentroid.objects.values_list("officer_id", flat=True)) == [officer.pk]
    assert gate_audit_run().violations == 0


def test_a_stale_centroid_is_recomputed_by_the_gate_audit(officer):
    gallery_face(officer, vec(0.2))
    with connection.cursor() as cursor:  # as if the triggers had been disabled while a face changed
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE faces_face DISABLE TRIGGER faces_face_centroids_update")
        Face.objects.filter(officer=officer).update(use_for_recognition=False)
        cursor.execute("ALTER TABLE faces_face ENABLE TRIGGER faces_face_centroids_update")
    assert len(gate_audit_run(fix=True).centroid_ids) == 1
    assert not OfficerCentroid.objects.exists()


def test_after_many_mixed_writes_every_centroid_equals_the_mean_of_its_gallery(
    allowed_department, other_department, disallowed_department, admin_user
):
    rng = np.random.default_rng(3)
    officers = [
        factories.officer(d, badge_number=str(i)) for i, d in enumerate([allowed_department, other_department] * 4)
    ]
    faces = [gallery_face(officers[i % 8], rng.normal(0, 0.1, 128)) for i in range(40)]
    for face in faces[::3]:
        Face.objects.filter(pk=face.pk).update(officer=officers[int(rng.integers(8))])
    Face.objects.filter(pk__in=[f.pk for f in faces[::5]]).update(use_for_recognition=False)
    Face.objects.filter(pk__in=[f.pk for f in faces[::7]]).delete()
    officers[0].department = disallowed_department
    officers[0].save()
    department_set_recognition(other_department, allowed=False, actor=admin_user, reason="policy")
    expected = {}
    for face in Face.objects.filter(embedding__isnull=False, use_for_recognition=True, officer__isnull=False):
        expected.setdefault(face.officer_id, []).append(np.asarray(face.embedding))
    stored = {c.officer_id: c for c in OfficerCentroid.objects.all()}
    assert set(stored) == set(expected)
    for officer_id, vectors in expected.items():
        assert stored[officer_id].face_count == len(vectors)
        assert np.allclose(stored[officer_id].centroid, np.mean(vectors, axis=0), atol=1e-5)
        assert stored[officer_id].department_id == allowed_department.pk
