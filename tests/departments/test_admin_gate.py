"""Rule 4 through the admin's own change forms (issue 12, finding 1).

Each edit moves biometric data where recognition is not allowed: a photo to an Illinois
department or to one with recognition off, a department's state to IL, an officer to an
Illinois department, a face onto an Illinois photo. The admin form is fetched, one field
changed and the whole form posted back, as a person would. Afterwards no embedding or
pending suggestion breaks the rule, the purge is audited with its cause and the person who
saved, and the admin tells them what was purged.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from departments.models import Department, RecognitionChange
from faces.models import BiometricPurge, Face, Image, MatchSuggestion
from faces.services.gate_audit import violating_faces, violating_suggestions
from tests import factories
from tests.admin_forms import post_admin_change
from tests.gate import World, build_world, embedded, pending


@pytest.fixture
def world(db) -> World:
    world = build_world()
    assert (embedded(world), pending(world)) == (2, 1)
    return world


@pytest.fixture
def admin_client_(admin_user, client):
    client.force_login(admin_user)
    return client


def move_photo_to_illinois(client, w: World) -> Department:
    post_admin_change(client, reverse("admin:faces_image_change", args=[w.image.pk]), department=w.illinois.pk)
    return w.illinois


def move_photo_to_a_department_with_recognition_off(client, w: World) -> Department:
    post_admin_change(client, reverse("admin:faces_image_change", args=[w.image.pk]), department=w.off.pk)
    return w.off


def change_the_department_state_to_illinois(client, w: World) -> Department:
    post_admin_change(client, reverse("admin:departments_department_change", args=[w.department.pk]), state="IL")
    return w.department


def transfer_the_officer_to_illinois(client, w: World) -> Department:
    url = reverse("admin:departments_officer_change", args=[w.officer.pk])
    post_admin_change(client, url, department=w.illinois.pk)
    return w.illinois


def move_the_face_onto_an_illinois_photo(client, w: World) -> Department:
    illinois_photo = factories.image(w.illinois, status=Image.Status.DONE)
    post_admin_change(client, reverse("admin:faces_face_change", args=[w.probe_face.pk]), image=illinois_photo.pk)
    return w.illinois


# (edit, embeddings it must purge, suggestions it must withdraw, words of the recorded cause)
EDITS = [
    (move_photo_to_illinois, 2, 1, "moved to department"),
    (move_photo_to_a_department_with_recognition_off, 2, 1, "moved to department"),
    (change_the_department_state_to_illinois, 2, 1, "changed to IL"),
    # The officer's gallery face loses its vector and the suggestion naming them is
    # withdrawn; the probe face stays embedded: its photo and it are still in Oregon.
    (transfer_the_officer_to_illinois, 1, 1, "transferred to department"),
    (move_the_face_onto_an_illinois_photo, 1, 1, "moved onto photo"),
]


# A department moved to IL has its flag turned off by the service first, so its purge is
# audited as that flag change (RecognitionChange, tests/faces/test_gate_state_moves.py).
TRIGGER_EDITS = [e for e in EDITS if e[0] is not change_the_department_state_to_illinois]


@pytest.mark.parametrize(
    ("edit", "embeddings", "suggestions", "cause"), TRIGGER_EDITS, ids=[e[0].__name__ for e in TRIGGER_EDITS]
)
def test_an_admin_edit_that_moves_data_out_of_recognition_purges_it(
    admin_client_, admin_user, world, edit, embeddings, suggestions, cause
):
    blamed = edit(admin_client_, world)

    assert not violating_faces().exists()
    assert not violating_suggestions().exists()
    assert Face.objects.filter(embedding__isnull=False).count() == 2 - embeddings
    assert MatchSuggestion.objects.get(pk=world.suggestion.pk).status == MatchSuggestion.Status.WITHDRAWN
    purge = BiometricPurge.objects.get()
    assert (purge.purged_embeddings, purge.withdrawn_suggestions) == (embeddings, suggestions)
    assert purge.department == blamed
    assert cause in purge.cause
    assert purge.actor == admin_user


@pytest.mark.parametrize(("edit", "embeddings", "suggestions", "cause"), EDITS, ids=[e[0].__name__ for e in EDITS])
def test_the_admin_tells_the_person_what_their_edit_purged(admin_client_, world, edit, embeddings, suggestions, cause):
    edit(admin_client_, world)

    page = admin_client_.get(reverse("admin:index"), follow=True)
    text = " ".join(str(m) for m in page.context["messages"])
    assert f"{embeddings} embedding" in text
    assert f"{suggestions} pending suggestion withdrawn" in text
    assert "not allowed in" in text


def test_the_gallery_curation_survives_a_transfer_without_its_vector(admin_client_, world):
    transfer_the_officer_to_illinois(admin_client_, world)

    face = Face.objects.get(pk=world.gallery_face.pk)
    assert face.embedding is None
    # A person's choice, kept: without a vector the face is out of the gallery anyway.
    assert face.use_for_recognition is True


def test_an_admin_edit_inside_recognition_purges_nothing(admin_client_, world):
    other = factories.allowed_department(name="Salem PD", state="OR")

    post_admin_change(admin_client_, reverse("admin:faces_image_change", args=[world.image.pk]), department=other.pk)
    post_admin_change(
        admin_client_, reverse("admin:departments_officer_change", args=[world.officer.pk]), department=other.pk
    )

    assert Face.objects.filter(embedding__isnull=False).count() == 2
    assert MatchSuggestion.objects.get(pk=world.suggestion.pk).status == MatchSuggestion.Status.PENDING
    assert not BiometricPurge.objects.exists()


def test_a_state_rule_added_in_the_admin_purges_and_says_so(admin_client_, admin_user, world):
    response = admin_client_.post(
        reverse("admin:departments_jurisdictionrule_add"),
        {"state": "OR", "recognition_forbidden": "on", "legal_reason": "A new Oregon law", "_save": "Save"},
        follow=True,
    )

    assert response.status_code == 200
    assert (embedded(world), pending(world)) == (0, 0)
    assert not violating_faces().exists() and not violating_suggestions().exists()
    # The service turns the flag off before saving the rule: the purge is audited once, as the
    # flag change it is, by the administrator who added the rule.
    change = RecognitionChange.objects.get()
    assert (change.purged_embeddings, change.withdrawn_suggestions, change.actor) == (2, 1, admin_user)
    assert not BiometricPurge.objects.exists()
    text = " ".join(str(m) for m in response.context["messages"])
    assert "2 embeddings deleted and 1 pending suggestions withdrawn" in text
