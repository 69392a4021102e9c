"""Hostile input to every review form: clear refusals, never a 500, nothing half-saved."""

from __future__ import annotations

import pytest
from django.urls import reverse

from departments.models import Department, Officer, RecognitionChange
from faces.models import Decision, Face, Image
from tests.conftest import client_for

GARBAGE = [
    "",
    " ",
    "maybe",
    "-1",
    "0",
    "1e309",
    "NaN",
    "9" * 40,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "\x00",
    "é" * 5000,
    "[]",
    "{}",
]


def _unchanged(scene):
    image = Image.objects.get(pk=scene["to_sort"].pk)
    face = Face.objects.get(pk=scene["face"].pk)
    return image.contains_officers is None and face.officer_id is None and not face.is_civilian


@pytest.mark.parametrize("value", GARBAGE)
def test_sort_refuses_anything_but_yes_no_skip(users, scene, value):
    decisions = Decision.objects.count()
    response = client_for(users["volunteer"]).post(
        reverse("review_sort", args=[scene["to_sort"].pk]), {"answer": value}
    )
    assert response.status_code == 400
    assert _unchanged(scene) and Decision.objects.count() == decisions


@pytest.mark.parametrize("field", ["action", "suggestion", "officer"])
@pytest.mark.parametrize("value", GARBAGE)
def test_face_decisions_refuse_garbage(users, scene, field, value):
    data = {"action": "identify", "officer": str(scene["officer"].pk), field: value}
    response = client_for(users["volunteer"]).post(reverse("review_identify", args=[scene["face"].pk]), data)
    assert response.status_code in (302, 400)
    if field != "suggestion":
        assert response.status_code == 400
        assert _unchanged(scene)


def test_a_suggestion_id_of_another_face_is_refused(users, scene, officer):
    from faces.models import MatchSuggestion

    other = MatchSuggestion.objects.create(face=scene["gallery_face"], officer=officer, distance=0.2, rank=1)
    client_for(users["volunteer"]).post(
        reverse("review_identify", args=[scene["face"].pk]), {"action": "confirm", "suggestion": other.pk}
    )
    assert _unchanged(scene)


@pytest.mark.parametrize("value", GARBAGE)
def test_search_tolerates_anything(users, scene, value):
    response = client_for(users["volunteer"]).get(reverse("review_identify", args=[scene["face"].pk]), {"q": value})
    # A NUL byte is refused before any view runs (oversight.middleware_nul).
    assert response.status_code in ((400,) if "\x00" in value else (200, 302))


@pytest.mark.parametrize("field", ["first_name", "last_name", "badge_number", "rank", "unit"])
@pytest.mark.parametrize("value", ["x" * 1000, "\x00bad", "\x1b[31m"])
def test_new_officer_refuses_oversized_or_control_characters(users, scene, field, value):
    data = {"first_name": "A", "last_name": "B", "badge_number": "55", field: value}
    before = Officer.objects.count()
    response = client_for(users["coordinator"]).post(reverse("review_new_officer", args=[scene["face"].pk]), data)
    assert response.status_code == 400
    assert Officer.objects.count() == before and _unchanged(scene)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"action": "feature"},
        {"action": "explode", "face": "1"},
        {"action": "use", "face": "abc"},
        {"action": "use", "face": "-5"},
        {"action": "use", "face": "9" * 40},
        {"action": "feature", "face": "999999"},
    ],
)
def test_gallery_refuses_garbage(users, scene, data):
    response = client_for(users["volunteer"]).post(reverse("review_gallery", args=[scene["officer"].pk]), data)
    assert response.status_code == 400
    assert not Decision.objects.filter(kind=Decision.Kind.CURATE).exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"allowed": "maybe", "reason": "x"},
        {"allowed": "false"},
        {"allowed": "false", "reason": "\t\n "},
        {"allowed": "false", "reason": "r" * 5000, "confirm": "on"},
        {"allowed": ["true", "false"], "reason": "x"},
    ],
)
def test_the_switch_refuses_garbage(users, allowed_department, data):
    response = client_for(users["admin"]).post(
        reverse("review_jurisdiction_switch", args=[allowed_department.slug]), data
    )
    assert response.status_code in (200, 400)
    assert Department.objects.get(pk=allowed_department.pk).facial_recognition_allowed
    assert not RecognitionChange.objects.exists()


def test_paths_with_huge_ids_are_404_not_500(users):
    client = client_for(users["admin"])
    assert client.get("/review/faces/" + "9" * 40 + "/").status_code == 404
    assert client.get("/review/sort/99999999999999999999/").status_code == 404
