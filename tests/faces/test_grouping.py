"""Groups of unidentified faces: formed as real photos are processed, only where recognition is
allowed, never across a gate, purged with the embeddings, and checked by the gate audit."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from departments.models import Department
from faces import clustering
from faces.models import Face, FaceGroup, FaceGroupMember, Image
from faces.services import grouping, recognition
from faces.services.gate_audit import gate_audit_run, violating_memberships
from faces.services.review import face_identify
from faces.services.uploads import image_create
from tests import factories
from tests.conftest import photo

OBAMA = ("obama_1.jpg", "obama_2.jpg", "obama_lowres_240p.jpg")
BIDEN = ("biden_1.jpg", "biden_2.jpg")


@pytest.fixture
def process(django_capture_on_commit_callbacks):
    """process(name, department) -> the photo's one face, after the real (eager) pipeline and its grouping task."""

    def do(name: str, department: Department, *, data: bytes | None = None) -> Face:
        upload = SimpleUploadedFile(name, data or photo(name))
        with django_capture_on_commit_callbacks(execute=True):
            result = image_create(upload=upload, department=department, filename=name)
        image = Image.objects.get(pk=result.image.pk)
        assert image.status == Image.Status.DONE, image.error
        return image.faces.get()

    return do


@pytest.fixture
def grouped(process, allowed_department, settings) -> dict[str, Face]:
    """Both people grouped: at a looser threshold than the shipped one, since biden_1 and
    biden_2 are 0.41 apart (the shipped 0.39 keeps DevTrain's pairwise precision ≥ 0.99)."""
    settings.FACES_GROUP_THRESHOLD = 0.45
    return {name: process(name, allowed_department) for name in (*OBAMA, *BIDEN)}


def _reencoded(name: str) -> bytes:
    import io

    from PIL import Image as PILImage

    out = io.BytesIO()
    with PILImage.open(io.BytesIO(photo(name))) as im:
        im.convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def group_of(face: Face) -> int | None:
    return FaceGroupMember.objects.filter(face=face).values_list("group_id", flat=True).first()


def groups_by_faces(department: Department) -> list[set[int]]:
    return [
        set(group.members.values_list("face_id", flat=True))
        for group in FaceGroup.objects.filter(department=department)
    ]


def test_photos_of_one_person_form_one_group_and_another_person_another(grouped, allowed_department):
    obama = {grouped[name].pk for name in OBAMA}
    biden = {grouped[name].pk for name in BIDEN}
    assert sorted(groups_by_faces(allowed_department), key=min) == sorted([obama, biden], key=min)


def test_at_the_shipped_threshold_the_close_obama_photos_group_and_the_farther_biden_pair_does_not(
    process, allowed_department
):
    faces = {name: process(name, allowed_department) for name in (*OBAMA, *BIDEN)}
    assert groups_by_faces(allowed_department) == [{faces[name].pk for name in OBAMA}]


def test_regrouping_a_department_from_scratch_finds_the_same_groups(grouped, allowed_department):
    before = sorted(map(sorted, groups_by_faces(allowed_department)))
    call_command("group_faces", "--department", allowed_department.slug, stdout=None)
    assert sorted(map(sorted, groups_by_faces(allowed_department))) == before


def test_assigning_a_face_twice_changes_nothing(grouped):
    face = grouped["obama_2.jpg"]
    group = group_of(face)
    assert grouping.face_group_assign(face.pk).pk == group
    assert FaceGroupMember.objects.filter(face=face).count() == 1


def test_a_department_without_recognition_forms_no_group(process, disallowed_department):
    for name in (*OBAMA, *BIDEN):
        process(name, disallowed_department)
    assert not FaceGroup.objects.exists()
    assert grouping.department_regroup(disallowed_department) == 0
    assert not FaceGroup.objects.exists()


def test_the_same_person_in_two_departments_forms_a_group_in_each_never_one_across(process, allowed_department):
    other = factories.allowed_department(name="Salem Police Department", slug="salem")
    here = [process(name, allowed_department) for name in OBAMA[:2]]
    # Another copy of a photo (the same bytes would be the same upload).
    there = [process(OBAMA[2], other), process(OBAMA[0], other, data=_reencoded(OBAMA[0]))]
    assert group_of(here[0]) == group_of(here[1]) is not None
    assert group_of(there[0]) == group_of(there[1]) is not None
    assert group_of(here[0]) != group_of(there[0])


def test_turning_recognition_off_purges_the_groups(grouped, allowed_department, admin_user):
    recognition.department_set_recognition(allowed_department, allowed=False, actor=admin_user, reason="Court order")
    assert not FaceGroup.objects.exists()
    assert not FaceGroupMember.objects.exists()


def test_moving_a_photo_to_illinois_removes_its_face_from_the_group(grouped, illinois_department):
    moved = grouped["obama_1.jpg"]
    Image.objects.filter(pk=moved.image_id).update(department=illinois_department)
    assert group_of(moved) is None
    assert group_of(grouped["obama_2.jpg"]) == group_of(grouped["obama_lowres_240p.jpg"]) is not None


def test_moving_a_photo_to_illinois_in_the_admin_removes_its_face_from_the_group(
    grouped, illinois_department, admin_user
):
    from django.test import Client

    from tests.admin_forms import post_admin_change

    client = Client()
    client.force_login(admin_user)
    moved = grouped["biden_1.jpg"]
    post_admin_change(client, f"/admin/faces/image/{moved.image_id}/change/", department=str(illinois_department.pk))
    # The other Biden face is alone now: its group went with the last pair.
    assert group_of(moved) is None
    assert group_of(grouped["biden_2.jpg"]) is None
    assert len(groups_by_faces(grouped["obama_1.jpg"].image.department)) == 1


def test_a_face_embedded_again_in_another_descriptor_space_leaves_its_group(grouped):
    Face.objects.filter(pk=grouped["obama_2.jpg"].pk).update(embedding_variant="another-model")
    assert group_of(grouped["obama_2.jpg"]) is None
    assert group_of(grouped["obama_1.jpg"]) == group_of(grouped["obama_lowres_240p.jpg"]) is not None


def test_an_identified_face_leaves_its_group(grouped, officer):
    face_identify(grouped["obama_1.jpg"], officer=officer, actor=None)
    assert group_of(grouped["obama_1.jpg"]) is None
    assert len(FaceGroupMember.objects.filter(group_id=group_of(grouped["obama_2.jpg"]))) == 2


def test_the_database_refuses_a_membership_across_departments(grouped, other_department):
    group = FaceGroup.objects.create(department=other_department)
    with pytest.raises(IntegrityError), transaction.atomic():
        FaceGroupMember.objects.filter(face=grouped["obama_1.jpg"]).update(group=group)


def test_the_database_refuses_a_face_without_an_embedding(allowed_department):
    face = factories.face(factories.image(allowed_department, status=Image.Status.DONE))
    group = FaceGroup.objects.create(department=allowed_department)
    with pytest.raises(IntegrityError), transaction.atomic():
        FaceGroupMember.objects.create(group=group, face=face)


def test_the_gate_audit_finds_and_fixes_a_group_across_the_gate(grouped, illinois_department):
    moved = grouped["obama_1.jpg"]
    with _triggers_disabled():
        Image.objects.filter(pk=moved.image_id).update(department=illinois_department)
    assert violating_memberships().filter(face=moved).exists()
    found = gate_audit_run(fix=False)
    assert found.membership_ids and found.run.memberships_found >= 1
    fixed = gate_audit_run(fix=True)
    assert fixed.run.memberships_removed == len(fixed.membership_ids) >= 1
    assert group_of(moved) is None
    assert not violating_memberships().exists()
    assert gate_audit_run(fix=False).violations == 0


class _triggers_disabled:
    """The safety nets off for a moment, the way a broken deployment would be."""

    TRIGGERS = {
        "faces_face": ("faces_face_biometric_gate", "faces_face_leaves_group"),
        "faces_image": ("faces_image_biometric_gate",),
    }

    def __enter__(self) -> None:
        self._alter("DISABLE")

    def __exit__(self, *exc) -> None:
        self._alter("ENABLE")

    def _alter(self, action: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table, triggers in self.TRIGGERS.items():
                for trigger in triggers:
                    cursor.execute(f"ALTER TABLE {table} {action} TRIGGER {trigger}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


# --- The arithmetic (faces.clustering) ---------------------------------------------------
def _people(rng: np.random.Generator, people: int, each: int, spread: float) -> tuple[np.ndarray, np.ndarray]:
    centres = rng.normal(size=(people, 128)) * 0.09
    labels = np.repeat(np.arange(people), each)
    return (centres[labels] + rng.normal(size=(len(labels), 128)) * spread).astype(np.float32), labels


def test_incremental_grouping_puts_each_person_together_and_no_two_people_together():
    vectors, labels = _people(np.random.default_rng(5), people=6, each=4, spread=0.02)
    order = np.random.default_rng(6).permutation(len(labels))
    groups = clustering.incremental(vectors[order], 0.5)
    for person in range(6):
        assert len(set(groups[labels[order] == person].tolist())) == 1
    assert len(set(groups.tolist())) == 6


def test_a_face_between_two_people_does_not_chain_them_into_one_group():
    a, b = np.zeros(128, dtype=np.float32), np.zeros(128, dtype=np.float32)
    b[0] = 0.8
    between = (a + b) / 2
    vectors = np.array([a, a + 0.001, b, b + 0.001, between])
    groups = clustering.incremental(vectors, 0.5)
    assert groups[0] == groups[1] != groups[2] == groups[3]
    assert groups[4] in (groups[0], groups[2])
    # What single linkage would do: one chain of five.
    assert len(set(clustering.single_linkage(vectors, 0.5).tolist())) == 1


def test_a_face_far_from_everyone_is_in_no_group():
    vectors, _ = _people(np.random.default_rng(8), people=3, each=1, spread=0.0)
    assert clustering.incremental(vectors * 10, 0.5).tolist() == [-1, -1, -1]


@pytest.mark.parametrize("method", [clustering.single_linkage, clustering.average_linkage, clustering.chinese_whispers])
def test_the_batch_methods_the_benchmark_compares_group_well_separated_people(method):
    vectors, labels = _people(np.random.default_rng(9), people=4, each=3, spread=0.02)
    groups = method(vectors, 0.5)
    for person in range(4):
        assert len(set(groups[labels == person].tolist())) == 1
    assert len(set(groups.tolist())) == 4
