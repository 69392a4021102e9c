"""The review API of video sequences: the same decisions and refusals as the dashboard, for every role."""

from __future__ import annotations

import pytest
from django.urls import reverse

from faces.models import Decision, MatchSuggestion
from review.models import QueueKind, SequenceSplit
from review.services import claim_hold
from tests import factories
from tests.conftest import client_for
from tests.videos import sequences as make
from videos.models import FaceSequence

ROLES = ["anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin", "disabled"]
ALLOWED = {"volunteer", "coordinator", "other_coordinator", "admin"}
EXPECTED_REFUSAL = {"anonymous": 401, "member": 403, "disabled": 401}


@pytest.fixture
def seq(users, allowed_department):
    return make.sequence(allowed_department, ("obama_1.jpg", "obama_2.jpg", "biden_1.jpg"), times=(1.0, 2.0, 5.0))


def identify(user, sequence: FaceSequence, **body):
    url = reverse("api_sequence_identify", args=[sequence.pk])
    return client_for(user).post(url, body, content_type="application/json")


def split(user, sequence: FaceSequence, **body):
    url = reverse("api_sequence_split", args=[sequence.pk])
    return client_for(user).post(url, body, content_type="application/json")


@pytest.mark.parametrize("role", ROLES)
def test_only_reviewers_identify_or_split_through_the_api(users, seq, officer, role):
    answers = [
        identify(users[role], seq, officer=officer.pk),
        split(users[role], make.sequence(seq.video.department, ("biden_2.jpg", "obama_1.jpg")), split=[1]),
    ]
    if role in ALLOWED:
        assert answers[0].status_code == 200
    else:
        assert [a.status_code for a in answers] == [EXPECTED_REFUSAL[role]] * 2
        assert not Decision.objects.exists()
        assert not SequenceSplit.objects.exists()


def test_identifying_through_the_api_decides_every_still(users, seq, officer):
    response = identify(users["volunteer"], seq, officer=officer.pk, use_for_recognition=False)
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["officer"]) == ("identified", officer.pk)
    assert [s["officer"] for s in body["stills"]] == [officer.pk] * 3
    assert Decision.objects.filter(kind=Decision.Kind.IDENTIFY).count() == 3


def test_confirming_a_suggestion_through_the_api(users, seq, officer):
    suggestion = factories.suggestion(make.still_faces(seq)[1], officer)
    assert identify(users["volunteer"], seq, suggestion=suggestion.pk).status_code == 200
    assert MatchSuggestion.objects.get(pk=suggestion.pk).status == MatchSuggestion.Status.CONFIRMED
    assert Decision.objects.filter(kind=Decision.Kind.CONFIRM).count() == 1


def test_not_an_officer_through_the_api(users, seq):
    assert identify(users["volunteer"], seq, civilian=True).json()["status"] == "civilian"
    assert Decision.objects.filter(kind=Decision.Kind.CIVILIAN).count() == 3


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, 400),
        ({"civilian": True, "officer": "OFFICER"}, 400),
        ({"officer": 10**12}, 400),
        ({"officer": "abc"}, 400),
        ({"officer": -1}, 400),
        ({"suggestion": 10**12}, 409),
        ({"officer": "OFFICER", "stills": [10**12]}, 409),
        ({"officer": "STRANGER"}, 400),
    ],
)
def test_bad_or_hostile_identifications_are_refused(users, seq, officer, other_department, body, expected):
    stranger = factories.officer(other_department)
    names = {"OFFICER": officer.pk, "STRANGER": stranger.pk}
    body = {k: names.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    assert identify(users["volunteer"], seq, **body).status_code == expected
    assert not Decision.objects.exists()


def test_a_decided_sequence_is_refused_with_409(users, seq, officer):
    assert identify(users["volunteer"], seq, officer=officer.pk).status_code == 200
    response = identify(users["coordinator"], seq, civilian=True)
    assert response.status_code == 409 and response.json()["code"] == "already_decided"


def test_a_sequence_held_by_another_volunteer_is_refused(users, seq, officer, allowed_department):
    claim_hold(user=users["coordinator"], kind=QueueKind.SEQUENCE, item_id=seq.pk, department_id=allowed_department.pk)
    assert identify(users["volunteer"], seq, officer=officer.pk).status_code == 409
    assert not Decision.objects.exists()


def test_splitting_through_the_api_creates_and_records_the_new_sequence(users, seq):
    last = seq.stills.get(time=5.0)
    response = split(users["volunteer"], seq, split=[last.pk], stills=list(seq.stills.values_list("pk", flat=True)))
    assert response.status_code == 201
    body = response.json()
    assert (body["split_from"], [s["id"] for s in body["stills"]]) == (seq.pk, [last.pk])
    assert SequenceSplit.objects.get().actor == users["volunteer"]


@pytest.mark.parametrize("ids", [[], ["abc"], [10**12], "ALL"])
def test_bad_splits_are_refused_and_nothing_moves(users, seq, ids):
    if ids == "ALL":
        ids = list(seq.stills.values_list("pk", flat=True))
    assert split(users["volunteer"], seq, split=ids).status_code == 400
    assert FaceSequence.objects.count() == 1 and seq.stills.count() == 3


def test_a_missing_sequence_is_not_found(users):
    assert identify(users["volunteer"], FaceSequence(pk=10**12), civilian=True).status_code == 404
