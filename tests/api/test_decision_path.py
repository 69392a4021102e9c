"""One decision path: the API and the review dashboard refuse the same decisions the same way.

Both call faces.services.review, so for identify, confirm, reject and sort each refusal
(a decision already taken, a suggestion the gate hides) has the same status, code and
message through `/api/v1/…` as through the dashboard's forms (asked for JSON here, so
the two answers can be compared field by field). Changing a decision is an undo by a
coordinator or an administrator, then a new decision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from departments.models import Department
from faces.models import Decision, Face, Image, MatchSuggestion
from faces.services.review import FACE_DECIDED, IMAGE_SORTED, SUGGESTION_HIDDEN, face_identify, image_sort
from review import services as review_services
from tests import factories
from tests.api.conftest import API, token_client
from tests.conftest import client_for

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def scene(users, allowed_department, officer) -> SimpleNamespace:
    """A photo with one face and a pending suggestion; the first volunteer decides, the second is refused."""
    image = factories.image(allowed_department, "obama_1.jpg")
    face = factories.face(image, x=150, y=60, w=120, h=120)
    return SimpleNamespace(
        image=image,
        face=face,
        officer=officer,
        suggestion=factories.suggestion(face, officer),
        first=users["volunteer"],
        second=users["coordinator"],
    )


@contextmanager
def behind_the_gates_back() -> Iterator[None]:
    """Write rows with the database's gate triggers off, as a restore or an old bug could.

    The triggers would withdraw the suggestion at once; with them off the suggestion stays
    pending, so what refuses the decision below is the service's own check.
    """
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        pytest.skip("the test database user may not switch triggers off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")


# --- The two paths, one request each per decision -------------------------------------


def api_decide(action: str, s: SimpleNamespace):
    client = token_client(s.second)
    if action == "identify":
        body = {"officer": s.officer.pk, "civilian": False}
        return client.post(f"{API}faces/{s.face.pk}/identify/", body, format="json")
    if action in ("confirm", "reject"):
        return client.post(f"{API}suggestions/{s.suggestion.pk}/{action}/", {}, format="json")
    return client.post(f"{API}images/{s.image.pk}/sort/", {"contains_officers": True}, format="json")


def dashboard_decide(action: str, s: SimpleNamespace):
    client = client_for(s.second)
    if action == "sort":
        return client.post(reverse("review_sort", args=[s.image.pk]), {"answer": "yes"}, **JSON)
    data = {"action": action, "use_for_recognition": "on"}
    data.update({"officer": s.officer.pk} if action == "identify" else {"suggestion": s.suggestion.pk})
    return client.post(reverse("review_identify", args=[s.face.pk]), data, **JSON)


def refusal(response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["code"], body.get("detail") or body.get("error")


def assert_same_refusal(action: str, s: SimpleNamespace) -> tuple[int, str, str]:
    through_api = refusal(api_decide(action, s))
    through_dashboard = refusal(dashboard_decide(action, s))
    assert through_api == through_dashboard
    return through_api


# --- Already decided ----------------------------------------------------------------------


def decide_civilian(s: SimpleNamespace) -> None:
    face_identify(s.face, officer=None, civilian=True, actor=s.first)


def decide_sorted(s: SimpleNamespace) -> None:
    image_sort(s.image, contains_officers=False, actor=s.first)


@pytest.mark.parametrize(
    "action, decide_first, message",
    [
        ("identify", decide_civilian, FACE_DECIDED),
        ("confirm", decide_civilian, FACE_DECIDED),
        ("reject", decide_civilian, FACE_DECIDED),
        ("sort", decide_sorted, IMAGE_SORTED),
    ],
)
def test_a_decision_already_taken_is_refused_alike_through_the_api_and_the_dashboard(
    scene, action: str, decide_first: Callable, message: str
):
    decide_first(scene)
    assert assert_same_refusal(action, scene) == (409, "already_decided", message)
    assert Decision.objects.exclude(actor=scene.first).count() == 0
    face = Face.objects.get(pk=scene.face.pk)
    assert face.officer_id is None
    assert Image.objects.get(pk=scene.image.pk).contains_officers in (None, False)


# --- Suggestions the gate hides ----------------------------------------------------------


def flag_turned_off_by_a_bulk_update(s: SimpleNamespace) -> None:
    # The old bug's way around the purge (the database's triggers may withdraw it now).
    Department.objects.filter(pk=s.image.department_id).update(facial_recognition_allowed=False)


def flag_off_and_suggestion_still_pending(s: SimpleNamespace) -> None:
    with behind_the_gates_back():
        Department.objects.filter(pk=s.image.department_id).update(facial_recognition_allowed=False)
    assert MatchSuggestion.objects.get(pk=s.suggestion.pk).status == MatchSuggestion.Status.PENDING


def officer_of_a_department_without_recognition(s: SimpleNamespace) -> None:
    elsewhere = factories.officer(factories.disallowed_department())
    with behind_the_gates_back():
        MatchSuggestion.objects.filter(pk=s.suggestion.pk).update(officer=elsewhere)
    assert MatchSuggestion.objects.get(pk=s.suggestion.pk).status == MatchSuggestion.Status.PENDING


def photo_of_an_illinois_department(s: SimpleNamespace) -> None:
    illinois = factories.illinois_department()
    with behind_the_gates_back():
        Image.objects.filter(pk=s.image.pk).update(department=illinois)
    assert MatchSuggestion.objects.get(pk=s.suggestion.pk).status == MatchSuggestion.Status.PENDING


@pytest.mark.parametrize("action", ["confirm", "reject"])
@pytest.mark.parametrize(
    "hide, message",
    [
        (flag_turned_off_by_a_bulk_update, None),  # withdrawn by the database, or hidden: refused either way
        (flag_off_and_suggestion_still_pending, SUGGESTION_HIDDEN),
        (officer_of_a_department_without_recognition, SUGGESTION_HIDDEN),
        (photo_of_an_illinois_department, SUGGESTION_HIDDEN),
    ],
)
def test_a_suggestion_the_dashboard_hides_cannot_be_decided_through_the_api(scene, action, hide, message):
    hide(scene)
    status, code, detail = assert_same_refusal(action, scene)
    assert (status, code) == (409, "suggestion_unavailable")
    if message is not None:
        assert detail == message
    suggestion = MatchSuggestion.objects.get(pk=scene.suggestion.pk)
    assert suggestion.status not in (MatchSuggestion.Status.CONFIRMED, MatchSuggestion.Status.REJECTED)
    assert Face.objects.get(pk=scene.face.pk).officer_id is None
    assert not Decision.objects.exists()


# --- What the public sees, and how a decision is changed ----------------------------------


def test_a_civilian_face_stays_blurred_after_another_volunteer_tries_to_identify_it(scene, users):
    decide_civilian(scene)
    crop = reverse("face_crop", args=[scene.face.pk])
    assert client_for(None).get(crop).status_code == 404
    response = api_decide("identify", scene)
    assert response.status_code == 409 and "already identified" in response.json()["detail"]
    assert client_for(None).get(crop).status_code == 404
    face = Face.objects.get(pk=scene.face.pk)
    assert face.is_civilian and face.officer_id is None and not face.use_for_recognition


@dataclass(frozen=True)
class Change:
    action: str
    decide_first: Callable
    expected_status: int = 200


@pytest.mark.parametrize(
    "change", [Change("identify", decide_civilian), Change("sort", decide_sorted)], ids=["identify", "sort"]
)
def test_a_decision_is_changed_by_an_undo_then_a_new_decision(scene, users, change):
    change.decide_first(scene)
    assert api_decide(change.action, scene).status_code == 409
    first = Decision.objects.get(actor=scene.first)
    review_services.decision_undo(first, actor=users["coordinator"])
    assert api_decide(change.action, scene).status_code == change.expected_status
    kinds = list(Decision.objects.order_by("pk").values_list("kind", flat=True))
    new_kind = Decision.Kind.IDENTIFY if change.action == "identify" else Decision.Kind.SORT
    assert kinds == [first.kind, Decision.Kind.UNDO, new_kind]
