"""The groups queue: who may open it, deciding for a group (each face its own decision), and
hostile input (faces of another group or department, every face removed, a double submit)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from departments.models import Department, Officer
from faces.models import Decision, Face, FaceGroup, FaceGroupMember
from faces.services import recognition
from review import services
from review.models import QueueKind
from tests import factories
from tests.conftest import client_for
from tests.review.conftest import stored_image

VECTOR = [0.1] * 128
ROLES = ["anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin", "disabled"]


def make_group(department: Department, names: tuple[str, ...] = ("obama_1.jpg", "obama_2.jpg", "biden_1.jpg")):
    """A group of real photos' faces (rows only: the grouping itself is tested in tests/faces)."""
    faces = []
    for name in names:
        face = stored_image(department, name, contains_officers=True).faces.get()
        Face.objects.filter(pk=face.pk).update(embedding=VECTOR)
        faces.append(face)
    group = FaceGroup.objects.create(department=department)
    FaceGroupMember.objects.bulk_create([FaceGroupMember(group=group, face=face) for face in faces])
    return group, faces


@pytest.fixture
def group(users, allowed_department):
    return make_group(allowed_department)


def post(client, group: FaceGroup, faces, *, decision: str, remove=(), shown=None, use: bool = True):
    data = {"decision": decision, "shown": [f.pk for f in (faces if shown is None else shown)]}
    data["remove"] = [f.pk if isinstance(f, Face) else f for f in remove]
    if use:
        data["use_for_recognition"] = "on"
    return client.post(reverse("review_group", args=[group.pk]), data)


def decisions_of(faces) -> list[Decision]:
    return list(Decision.objects.filter(face__in=faces).order_by("face_id"))


# --- Access: every role ------------------------------------------------------------------
# Expected outcome per role, in ROLES order ("login": off to log in; 302: on to the next item).
EXPECTED = {
    "show": ["login", 403, 200, 200, 200, 200, "login"],
    "next": ["login", 403, 302, 302, 302, 302, "login"],
    "decide": ["login", 403, 302, 302, 302, 302, "login"],
}


@pytest.mark.parametrize(
    ("role", "page", "expected"),
    [(role, page, outcome) for page, row in EXPECTED.items() for role, outcome in zip(ROLES, row, strict=True)],
)
def test_each_role_gets_the_groups_queue_only_as_a_volunteer(users, group, allowed_department, role, page, expected):
    the_group, faces = group
    client = client_for(users[role])
    if page == "show":
        response = client.get(reverse("review_group", args=[the_group.pk]))
    elif page == "next":
        response = client.get(reverse("review_group_next", args=[allowed_department.slug]))
    else:
        response = post(client, the_group, faces, decision="civilian")
    if expected == "login":
        assert response.status_code == 302 and "/login" in response["Location"]
        assert not Decision.objects.exists()
    else:
        assert response.status_code == expected
        if expected == 403:
            assert not Decision.objects.exists()


def test_the_dashboard_offers_the_groups_of_an_allowed_department(users, group):
    page = client_for(users["volunteer"]).get(reverse("review_dashboard")).content.decode()
    assert reverse("review_group_next", args=["springfield"]) in page
    assert "Groups 1" in page


def test_the_queue_leads_to_the_group_and_then_to_an_empty_queue(users, group, allowed_department):
    client = client_for(users["volunteer"])
    the_group, faces = group
    response = client.get(reverse("review_group_next", args=[allowed_department.slug]))
    assert response["Location"] == reverse("review_group", args=[the_group.pk])
    page = client.get(response["Location"]).content.decode()
    for face in faces:
        assert reverse("review_face_crop", args=[face.pk]) in page
    post(client, the_group, faces, decision="civilian")
    empty = client.get(reverse("review_group_next", args=[allowed_department.slug]))
    assert empty.status_code == 200 and b"nothing left" in empty.content


# --- Deciding ------------------------------------------------------------------------------
def test_confirming_a_group_as_an_officer_identifies_each_face_with_its_own_decision(users, group, officer):
    the_group, faces = group
    response = post(client_for(users["volunteer"]), the_group, faces, decision=f"officer:{officer.pk}")
    assert response.status_code == 302
    assert [f.officer_id for f in Face.objects.filter(pk__in=[f.pk for f in faces])] == [officer.pk] * 3
    made = decisions_of(faces)
    assert [(d.kind, d.face_id, d.officer_id, d.actor) for d in made] == [
        (Decision.Kind.IDENTIFY, f.pk, officer.pk, users["volunteer"]) for f in faces
    ]
    assert not FaceGroup.objects.filter(pk=the_group.pk).exists()


def test_a_wrong_face_is_removed_first_and_stays_unidentified(users, group, officer):
    the_group, faces = group
    wrong = faces[2]
    post(client_for(users["volunteer"]), the_group, faces, decision=f"officer:{officer.pk}", remove=[wrong])
    wrong.refresh_from_db()
    assert wrong.officer_id is None and not wrong.is_civilian
    assert [d.face_id for d in decisions_of(faces)] == [faces[0].pk, faces[1].pk]
    assert not FaceGroupMember.objects.filter(face=wrong).exists()


def test_not_an_officer_marks_every_face_civilian_each_with_its_own_decision(users, group):
    the_group, faces = group
    post(client_for(users["volunteer"]), the_group, faces, decision="civilian", use=False)
    assert all(f.is_civilian for f in Face.objects.filter(pk__in=[f.pk for f in faces]))
    assert [d.kind for d in decisions_of(faces)] == [Decision.Kind.CIVILIAN] * 3


def test_each_decision_of_a_group_can_be_undone_alone(users, group, officer):
    the_group, faces = group
    post(client_for(users["volunteer"]), the_group, faces, decision=f"officer:{officer.pk}")
    one = decisions_of(faces)[0]
    services.decision_undo(one, actor=users["admin"])
    assert Face.objects.get(pk=faces[0].pk).officer_id is None
    assert Face.objects.get(pk=faces[1].pk).officer_id == officer.pk


def test_skipping_a_group_changes_nothing_and_it_waits(users, group, allowed_department):
    the_group, faces = group
    client = client_for(users["volunteer"])
    post(client, the_group, faces, decision="skip")
    assert not Decision.objects.exists()
    assert FaceGroupMember.objects.filter(group=the_group).count() == 3
    empty = client.get(reverse("review_group_next", args=[allowed_department.slug]))
    assert empty.status_code == 200


# --- Hostile input -------------------------------------------------------------------------
def _unchanged(faces) -> None:
    assert not Decision.objects.filter(face__in=faces).exists()
    assert all(f.officer_id is None and not f.is_civilian for f in Face.objects.filter(pk__in=[f.pk for f in faces]))


def test_removing_a_face_of_another_group_is_refused_and_nothing_changes(users, group, allowed_department, officer):
    the_group, faces = group
    _, others = make_group(allowed_department, ("biden_2.jpg", "obama_lowres_240p.jpg"))
    response = post(
        client_for(users["volunteer"]), the_group, faces, decision=f"officer:{officer.pk}", remove=[others[0]]
    )
    assert response.status_code == 400
    assert "Only faces of this group" in response.content.decode()
    _unchanged(faces + others)


def test_claiming_faces_of_another_department_as_shown_is_refused(users, group, other_department, officer):
    the_group, faces = group
    _, theirs = make_group(other_department, ("biden_2.jpg", "obama_lowres_240p.jpg"))
    response = post(
        client_for(users["volunteer"]), the_group, faces, decision=f"officer:{officer.pk}", shown=faces + theirs
    )
    assert response.status_code == 400
    _unchanged(faces + theirs)


def test_removing_every_face_is_refused_and_nothing_changes(users, group, officer):
    the_group, faces = group
    response = post(client_for(users["volunteer"]), the_group, faces, decision=f"officer:{officer.pk}", remove=faces)
    assert response.status_code == 400
    assert "keep at least one" in response.content.decode()
    _unchanged(faces)
    assert FaceGroupMember.objects.filter(group=the_group).count() == 3


def test_a_double_submit_decides_once(users, group, officer):
    the_group, faces = group
    client = client_for(users["volunteer"])
    assert post(client, the_group, faces, decision=f"officer:{officer.pk}").status_code == 302
    again = post(client, the_group, faces, decision=f"officer:{officer.pk}")
    assert again.status_code == 409
    assert len(decisions_of(faces)) == 3


def test_a_face_that_joined_after_the_page_was_shown_is_not_decided_unseen(users, group, allowed_department, officer):
    the_group, faces = group
    late = stored_image(allowed_department, "obama_lowres_240p.jpg", contains_officers=True).faces.get()
    Face.objects.filter(pk=late.pk).update(embedding=VECTOR)
    FaceGroupMember.objects.create(group=the_group, face=late)
    response = post(client_for(users["volunteer"]), the_group, faces, decision=f"officer:{officer.pk}")
    assert response.status_code == 409
    assert "changed while you looked" in response.content.decode()
    _unchanged([*faces, late])


def test_an_officer_of_another_department_is_refused(users, group, other_department):
    the_group, faces = group
    stranger = factories.officer(other_department)
    response = post(client_for(users["volunteer"]), the_group, faces, decision=f"officer:{stranger.pk}")
    assert response.status_code == 400
    _unchanged(faces)


MALFORMED = ["", "officer:", "officer:abc", "officer:-1", "identify", "civilian;drop", "x" * 500]


@pytest.mark.parametrize("decision", MALFORMED)
def test_a_malformed_decision_is_refused(users, group, decision):
    the_group, faces = group
    assert post(client_for(users["volunteer"]), the_group, faces, decision=decision).status_code == 400
    _unchanged(faces)


def test_a_group_held_by_another_volunteer_is_refused(users, group, allowed_department, officer):
    the_group, faces = group
    services.claim_hold(
        user=users["coordinator"], kind=QueueKind.GROUP, item_id=the_group.pk, department_id=allowed_department.pk
    )
    response = post(client_for(users["volunteer"]), the_group, faces, decision=f"officer:{officer.pk}")
    assert response.status_code == 409
    _unchanged(faces)


def test_no_group_is_shown_once_recognition_is_turned_off(users, group, allowed_department):
    the_group, faces = group
    recognition.department_set_recognition(allowed_department, allowed=False, actor=users["admin"], reason="Ban")
    client = client_for(users["volunteer"])
    assert client.get(reverse("review_group", args=[the_group.pk])).status_code == 404
    assert post(client, the_group, faces, decision="civilian").status_code == 409
    assert "Groups" not in client.get(reverse("review_dashboard")).content.decode().split("</thead>")[1]
    assert Officer.objects.count() >= 0
