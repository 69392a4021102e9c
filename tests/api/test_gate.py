"""The recognition gate, through the API (docs/architecture.md, rules 1-3).

- POST faces/{id}/embedding/ stores nothing for a department without recognition (403);
- gallery/ never lists a face of a department without recognition, even asked by id;
- suggestions are shown only where recognition is allowed now, and never name an officer
  of a department without it;
- no response but the administrators' gallery ever carries a vector.
"""

from __future__ import annotations

import pytest

from departments.models import Department, Officer
from faces.models import Face, MatchSuggestion, RecognitionEvent
from faces.services import recognition
from tests import factories
from tests.api.conftest import API, VECTOR, error_body_ok


def _gallery_face(department, name: str, badge: str, vector=VECTOR) -> Face:
    officer = factories.officer(department, first_name="G", last_name=name, badge_number=badge)
    return factories.face(
        factories.image(department, name), officer=officer, use_for_recognition=True, embedding=vector
    )


@pytest.fixture
def two_galleries(allowed_department, disallowed_department):
    """One gallery face in an allowed department, one (left over) in a disallowed one."""
    allowed = _gallery_face(allowed_department, "obama_1.jpg", "1")
    # As if stored before a bug or a raw SQL edit: the API must still never serve it.
    forbidden = _gallery_face(disallowed_department, "biden_1.jpg", "2")
    return allowed, forbidden


@pytest.mark.parametrize("department_fixture", ["disallowed_department", "illinois_department"])
def test_it_refuses_to_store_a_vector_for_a_disallowed_department(request, clients, department_fixture):
    department = request.getfixturevalue(department_fixture)
    face = factories.face(factories.image(department, "obama_1.jpg"))
    response = clients["admin"].post(f"{API}faces/{face.pk}/embedding/", {"embedding": VECTOR}, format="json")
    assert response.status_code == 403 and error_body_ok(response)
    assert "not allowed" in response.json()["detail"]
    face.refresh_from_db()
    assert face.embedding is None
    assert Face.objects.filter(embedding__isnull=False).count() == 0
    assert not MatchSuggestion.objects.exists()


def test_it_refuses_once_the_flag_is_turned_off(clients, face, allowed_department, users):
    recognition.department_set_recognition(allowed_department, allowed=False, actor=users["admin"], reason="Vote")
    response = clients["admin"].post(f"{API}faces/{face.pk}/embedding/", {"embedding": VECTOR}, format="json")
    assert response.status_code == 403
    face.refresh_from_db()
    assert face.embedding is None


def test_a_vector_for_an_allowed_department_is_stored_and_searched(clients, allowed_department, two_galleries):
    allowed, _ = two_galleries
    face = factories.face(factories.image(allowed_department, "obama_2.jpg"))
    response = clients["admin"].post(f"{API}faces/{face.pk}/embedding/", {"embedding": VECTOR}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["embedded"] is True and "embedding" not in body
    assert [s["officer"]["id"] for s in body["suggestions"]] == [allowed.officer_id]
    assert body["suggestions"][0]["confidence"] == "strong resemblance"
    face.refresh_from_db()
    assert face.embedding is not None
    assert RecognitionEvent.objects.filter(face=face, outcome=RecognitionEvent.Outcome.SEARCHED).exists()


@pytest.mark.parametrize(
    "embedding",
    [
        VECTOR[:127],
        VECTOR + [0.0],
        [],
        "abc",
        None,
        ["x"] * 128,
        [1e6] * 128,
        ["NaN"] * 128,
        ["Infinity"] * 128,
    ],
)
def test_it_refuses_a_malformed_vector(clients, face, embedding):
    response = clients["admin"].post(f"{API}faces/{face.pk}/embedding/", {"embedding": embedding}, format="json")
    assert response.status_code == 400 and "embedding" in response.json()["errors"]
    face.refresh_from_db()
    assert face.embedding is None


def test_a_bare_nan_in_json_is_refused(clients, face):
    body = '{"embedding": [NaN' + ", 0.0" * 127 + "]}"
    response = clients["admin"].post(f"{API}faces/{face.pk}/embedding/", data=body, content_type="application/json")
    assert response.status_code == 400
    face.refresh_from_db()
    assert face.embedding is None


def test_the_gallery_lists_only_allowed_departments(clients, two_galleries):
    allowed, forbidden = two_galleries
    body = clients["admin"].get(f"{API}gallery/").json()
    assert [row["face"] for row in body["results"]] == [allowed.pk]
    row = body["results"][0]
    assert row["officer"] == allowed.officer_id and len(row["embedding"]) == 128


def test_the_gallery_lists_nothing_for_a_disallowed_department_asked_by_id(
    clients, two_galleries, disallowed_department
):
    body = clients["admin"].get(f"{API}gallery/?department={disallowed_department.pk}").json()
    assert body["results"] == [] and body["count"] == 0


def test_the_gallery_drops_a_department_when_its_state_forbids_recognition(clients, two_galleries, allowed_department):
    from departments.models import JurisdictionRule

    JurisdictionRule.objects.create(state=allowed_department.state, legal_reason="New state law")
    assert clients["admin"].get(f"{API}gallery/").json()["results"] == []


def test_the_gallery_skips_faces_not_meant_for_recognition(clients, allowed_department):
    face = _gallery_face(allowed_department, "obama_1.jpg", "1")
    Face.objects.filter(pk=face.pk).update(use_for_recognition=False)
    assert clients["admin"].get(f"{API}gallery/").json()["results"] == []


def test_the_gallery_is_empty_right_after_recognition_is_turned_off_through_the_api(
    clients, two_galleries, allowed_department
):
    clients["admin"].post(
        f"{API}departments/{allowed_department.pk}/recognition/",
        {"allowed": False, "reason": "Court order"},
        format="json",
    )
    assert clients["admin"].get(f"{API}gallery/").json()["results"] == []


def test_suggestions_are_hidden_where_recognition_is_not_allowed_now(clients, face, suggestion, allowed_department):
    assert len(clients["volunteer"].get(f"{API}images/{face.image_id}/").json()["faces"][0]["suggestions"]) == 1
    # Flip the flag behind the policy's back: the API must read the state *now*.
    Department.objects.filter(pk=allowed_department.pk).update(facial_recognition_allowed=False)
    body = clients["admin"].get(f"{API}images/{face.image_id}/").json()
    assert body["faces"][0]["suggestions"] == []


def test_a_suggestion_naming_an_officer_of_a_disallowed_department_is_never_shown(clients, face, disallowed_department):
    stranger = Officer.objects.create(department=disallowed_department, first_name="X", last_name="Y", badge_number="9")
    MatchSuggestion.objects.create(face=face, officer=stranger, distance=0.2, rank=1)
    body = clients["volunteer"].get(f"{API}images/{face.image_id}/").json()
    assert body["faces"][0]["suggestions"] == []


def test_settled_suggestions_are_not_listed(clients, face, suggestion):
    MatchSuggestion.objects.filter(pk=suggestion.pk).update(status=MatchSuggestion.Status.REJECTED)
    assert clients["volunteer"].get(f"{API}images/{face.image_id}/").json()["faces"][0]["suggestions"] == []


def test_no_endpoint_but_the_gallery_serves_a_vector(clients, face, officer, suggestion):
    Face.objects.filter(pk=face.pk).update(embedding=[0.123456] * 128, officer=officer, use_for_recognition=True)
    for path in [f"images/{face.image_id}/", f"officers/{officer.pk}/", "officers/", "departments/"]:
        text = clients["admin"].get(API + path).content.decode()
        assert "0.123456" not in text and '"embedding"' not in text, path
