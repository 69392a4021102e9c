"""Undoing an identification puts back the suggestions it withdrew, through the gate."""

from __future__ import annotations

import pytest

from faces.models import Decision, MatchSuggestion
from faces.services.recognition import department_set_recognition
from faces.services.review import face_identify, suggestion_confirm, suggestion_reject
from review import services
from tests import factories
from tests.review.conftest import stored_image

PENDING = MatchSuggestion.Status.PENDING
WITHDRAWN = MatchSuggestion.Status.WITHDRAWN


@pytest.fixture
def suggested(allowed_department):
    """A face with three pending suggestions (officers of a department that allows recognition)."""
    face = stored_image(allowed_department, "obama_2.jpg", contains_officers=True).faces.get()
    officers = [factories.officer(allowed_department, last_name=name) for name in ("Ames", "Bell", "Cole")]
    suggestions = [factories.suggestion(face, o, rank=rank) for rank, o in enumerate(officers, start=1)]
    return face, suggestions


def _statuses(suggestions) -> list[str]:
    return list(MatchSuggestion.objects.filter(pk__in=[s.pk for s in suggestions]).values_list("status", flat=True))


def test_confirming_a_suggestion_records_the_ones_it_withdrew(users, suggested):
    face, (first, second, third) = suggested
    suggestion_confirm(first, actor=users["volunteer"])
    decision = Decision.objects.get(kind=Decision.Kind.CONFIRM, face=face)
    assert decision.after["withdrawn_suggestions"] == [second.pk, third.pk]
    assert _statuses([second, third]) == [WITHDRAWN, WITHDRAWN]


def test_undoing_a_confirmation_reopens_the_confirmed_and_the_withdrawn_suggestions(users, suggested):
    face, suggestions = suggested
    suggestion_confirm(suggestions[0], actor=users["volunteer"])
    services.decision_undo(Decision.objects.get(kind=Decision.Kind.CONFIRM, face=face), actor=users["coordinator"])
    assert _statuses(suggestions) == [PENDING, PENDING, PENDING]
    face.refresh_from_db()
    assert face.officer_id is None


def test_undoing_an_identification_made_by_search_reopens_every_suggestion_it_withdrew(
    users, suggested, allowed_department
):
    face, suggestions = suggested
    searched = factories.officer(allowed_department, last_name="Dunn")  # found by name, not suggested
    face_identify(face, officer=searched, actor=users["volunteer"])
    assert _statuses(suggestions) == [WITHDRAWN, WITHDRAWN, WITHDRAWN]
    services.decision_undo(Decision.objects.get(kind=Decision.Kind.IDENTIFY, face=face), actor=users["admin"])
    assert _statuses(suggestions) == [PENDING, PENDING, PENDING]


def test_undoing_a_civilian_mark_reopens_the_suggestions_it_withdrew(users, suggested):
    face, suggestions = suggested
    face_identify(face, officer=None, civilian=True, actor=users["volunteer"])
    services.decision_undo(Decision.objects.get(kind=Decision.Kind.CIVILIAN, face=face), actor=users["coordinator"])
    assert _statuses(suggestions) == [PENDING, PENDING, PENDING]


def test_a_suggestion_rejected_before_the_identification_stays_rejected(users, suggested, allowed_department):
    face, (first, second, third) = suggested
    suggestion_reject(first, actor=users["volunteer"])
    face_identify(face, officer=factories.officer(allowed_department), actor=users["volunteer"])
    decision = Decision.objects.get(kind=Decision.Kind.IDENTIFY, face=face)
    assert decision.after["withdrawn_suggestions"] == [second.pk, third.pk]
    services.decision_undo(decision, actor=users["coordinator"])
    assert _statuses([first, second, third]) == [MatchSuggestion.Status.REJECTED, PENDING, PENDING]


def test_nothing_comes_back_where_the_department_has_since_been_disallowed(users, suggested, allowed_department):
    face, suggestions = suggested
    face_identify(face, officer=factories.officer(allowed_department), actor=users["volunteer"])
    department_set_recognition(allowed_department, allowed=False, actor=users["admin"], reason="Council vote")
    services.decision_undo(Decision.objects.get(kind=Decision.Kind.IDENTIFY, face=face), actor=users["admin"])
    assert _statuses(suggestions) == [WITHDRAWN, WITHDRAWN, WITHDRAWN]
    face.refresh_from_db()
    assert face.officer_id is None and face.embedding is None


def test_a_suggestion_for_an_officer_of_a_department_disallowed_since_stays_withdrawn(
    users, suggested, allowed_department, other_department
):
    face, (first, second, third) = suggested
    elsewhere = factories.officer(other_department, last_name="Ebert")
    far = factories.suggestion(face, elsewhere, rank=4)
    face_identify(face, officer=factories.officer(allowed_department), actor=users["volunteer"])
    department_set_recognition(other_department, allowed=False, actor=users["admin"], reason="Council vote")
    services.decision_undo(Decision.objects.get(kind=Decision.Kind.IDENTIFY, face=face), actor=users["coordinator"])
    assert _statuses([first, second, third]) == [PENDING, PENDING, PENDING]
    assert _statuses([far]) == [WITHDRAWN]


def test_undoing_through_the_page_restores_them_too(users, suggested):
    from django.urls import reverse

    from tests.conftest import client_for

    face, suggestions = suggested
    suggestion_confirm(suggestions[1], actor=users["volunteer"])
    decision = Decision.objects.get(kind=Decision.Kind.CONFIRM, face=face)
    response = client_for(users["coordinator"]).post(reverse("review_decision_undo", args=[decision.pk]))
    assert response.status_code == 302
    assert _statuses(suggestions) == [PENDING, PENDING, PENDING]
