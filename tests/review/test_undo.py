"""Undo: a coordinator of the department (or an administrator) restores the state before."""

from __future__ import annotations

import pytest
from django.urls import reverse

from faces.models import Decision, Face, Image, MatchSuggestion
from faces.services.review import face_identify, image_sort, image_sort_restore
from oversight.exceptions import NotPermitted
from review import selectors, services
from tests.conftest import client_for


def _undo(user, decision):
    return client_for(user).post(reverse("review_decision_undo", args=[decision.pk]))


def test_a_coordinator_undoes_a_sort_and_the_photo_returns_to_the_queue(users, scene):
    decision = scene["decision"]
    assert _undo(users["coordinator"], decision)["Location"] == reverse("review_decisions")
    image = Image.objects.get(pk=decision.image_id)
    assert image.contains_officers is None
    assert selectors.sort_queue(image.department).filter(pk=image.pk).exists()
    decision.refresh_from_db()
    assert decision.undone_by == users["coordinator"] and decision.undone_at is not None
    undo = Decision.objects.get(kind=Decision.Kind.UNDO)
    assert undo.actor == users["coordinator"] and undo.after["undoes"] == decision.pk
    assert undo.before == {"contains_officers": False}
    # The coordinator is not credited with a sort for undoing one.
    assert not Decision.objects.filter(kind=Decision.Kind.SORT, actor=users["coordinator"]).exists()


@pytest.mark.parametrize("role", ["volunteer", "other_coordinator", "member"])
def test_it_refuses_undo_to_anyone_but_the_departments_coordinator_or_an_admin(users, scene, role):
    assert _undo(users[role], scene["decision"]).status_code == 403
    scene["decision"].refresh_from_db()
    assert scene["decision"].undone_at is None
    assert Image.objects.get(pk=scene["decision"].image_id).contains_officers is False


def test_the_service_itself_refuses_an_outsider(users, scene):
    with pytest.raises(NotPermitted):
        services.decision_undo(scene["decision"], actor=users["other_coordinator"])


def test_undoing_an_identification_makes_the_face_unknown_again(users, scene, officer):
    face = scene["gallery_face"]
    decision = Decision.objects.get(kind=Decision.Kind.IDENTIFY, face=face)
    _undo(users["admin"], decision)
    face.refresh_from_db()
    assert face.officer_id is None and not face.use_for_recognition and not face.is_civilian
    assert selectors.identify_queue(face.image.department).filter(pk=face.pk).exists()


def test_undoing_a_civilian_mark_brings_the_face_back(users, scene):
    client_for(users["volunteer"]).post(reverse("review_identify", args=[scene["face"].pk]), {"action": "civilian"})
    decision = Decision.objects.get(kind=Decision.Kind.CIVILIAN)
    _undo(users["coordinator"], decision)
    assert not Face.objects.get(pk=scene["face"].pk).is_civilian


def test_undoing_a_confirmation_reopens_the_suggestion(users, scene, officer):
    suggestion = MatchSuggestion.objects.create(face=scene["face"], officer=officer, distance=0.35, rank=1)
    client_for(users["volunteer"]).post(
        reverse("review_identify", args=[scene["face"].pk]), {"action": "confirm", "suggestion": suggestion.pk}
    )
    decision = Decision.objects.get(kind=Decision.Kind.CONFIRM)
    _undo(users["coordinator"], decision)
    suggestion.refresh_from_db()
    assert suggestion.status == MatchSuggestion.Status.PENDING
    assert Face.objects.get(pk=scene["face"].pk).officer_id is None


def test_undoing_a_confirmation_where_recognition_went_off_withdraws_the_suggestion(
    users, scene, officer, allowed_department
):
    from faces.services.recognition import department_set_recognition

    suggestion = MatchSuggestion.objects.create(face=scene["face"], officer=officer, distance=0.35, rank=1)
    services.face_decide(scene["face"], action="confirm", actor=users["volunteer"], suggestion_id=suggestion.pk)
    department_set_recognition(allowed_department, allowed=False, actor=users["admin"], reason="Council vote")
    services.decision_undo(Decision.objects.get(kind=Decision.Kind.CONFIRM), actor=users["admin"])
    suggestion.refresh_from_db()
    assert suggestion.status == MatchSuggestion.Status.WITHDRAWN


def test_undoing_a_rejection_lets_the_suggestion_be_decided_again(users, scene, officer):
    suggestion = MatchSuggestion.objects.create(face=scene["face"], officer=officer, distance=0.35, rank=1)
    services.face_decide(scene["face"], action="reject", actor=users["volunteer"], suggestion_id=suggestion.pk)
    services.decision_undo(Decision.objects.get(kind=Decision.Kind.REJECT), actor=users["coordinator"])
    suggestion.refresh_from_db()
    assert suggestion.status == MatchSuggestion.Status.PENDING
    assert Decision.objects.filter(kind=Decision.Kind.UNDO, suggestion=suggestion).exists()


def test_undoing_a_curation_restores_the_featured_face(users, scene):
    officer = scene["officer"]
    services.officer_set_featured_face(officer, scene["gallery_face"], actor=users["volunteer"])
    services.decision_undo(Decision.objects.get(kind=Decision.Kind.CURATE), actor=users["coordinator"])
    officer.refresh_from_db()
    assert officer.featured_face_id is None


def test_it_refuses_to_undo_past_a_newer_decision_about_the_same_item(users, scene):
    image = Image.objects.get(pk=scene["decision"].image_id)
    # A newer sort can no longer overwrite the first one (that is refused); write one as stale data would.
    image_sort_restore(image, contains_officers=True, actor=users["admin"])
    response = client_for(users["coordinator"]).post(
        reverse("review_decision_undo", args=[scene["decision"].pk]), follow=True
    )
    assert "A newer decision about the same item stands" in response.content.decode()
    assert Image.objects.get(pk=image.pk).contains_officers is True
    scene["decision"].refresh_from_db()
    assert scene["decision"].undone_at is None


def test_it_refuses_to_undo_twice_or_to_undo_a_skip(users, scene):
    services.decision_undo(scene["decision"], actor=users["admin"])
    with pytest.raises(services.ReviewError, match="already undone"):
        services.decision_undo(scene["decision"], actor=users["admin"])
    services.face_decide(scene["face"], action="skip", actor=users["volunteer"])
    with pytest.raises(services.ReviewError, match="cannot be undone"):
        services.decision_undo(Decision.objects.get(kind=Decision.Kind.SKIP), actor=users["admin"])


def test_the_decision_record_lists_who_did_what_and_only_the_coordinators_department(users, scene, other_department):
    from tests.review.conftest import stored_image

    elsewhere = stored_image(other_department)
    image_sort(elsewhere, contains_officers=True, actor=users["volunteer"])
    page = client_for(users["coordinator"]).get(reverse("review_decisions")).content.decode()
    assert f"photo {scene['decision'].image_id}" in page and f"photo {elsewhere.pk}" not in page
    assert "volunteer" in page and "Undo" in page
    admin_page = client_for(users["admin"]).get(reverse("review_decisions")).content.decode()
    assert f"photo {elsewhere.pk}" in admin_page


def test_undone_decisions_leave_the_leaderboard(users, scene):
    assert selectors.leaderboard()["sorters"] == [{"actor__username": "volunteer", "count": 1}]
    services.decision_undo(scene["decision"], actor=users["admin"])
    assert selectors.leaderboard()["sorters"] == []
    face_identify(scene["face"], officer=None, civilian=True, actor=users["coordinator"])
    board = selectors.leaderboard()["identifiers"]
    assert {"actor__username": "coordinator", "count": 1} in board
