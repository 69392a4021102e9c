"""Inline officer search within the department, and "new officer" for coordinators."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from departments.models import Officer
from departments.services import officer_create
from faces.models import Decision, Face
from review.models import Claim
from review.selectors import officer_search
from tests.conftest import client_for


@pytest.fixture
def roster(allowed_department, other_department, officer):
    make = Officer.objects.create
    return {
        "avery": officer,  # Jordan Avery, badge 1001
        "avila": make(department=allowed_department, first_name="Maria", last_name="Avila", badge_number="2450"),
        "chen": make(department=allowed_department, first_name="Wei", last_name="Chen", badge_number="318"),
        "elsewhere": make(department=other_department, first_name="Jordan", last_name="Avery", badge_number="1001"),
    }


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [
        ("Avery", "avery"),
        ("jordan avery", "avery"),
        ("1001", "avery"),
        ("2450", "avila"),
        ("chen", "chen"),
        ("Avry", "avery"),
        ("Wei Chenn", "chen"),
        ("  CHEN  ", "chen"),
    ],
)
def test_search_finds_officers_by_name_badge_or_a_near_miss(roster, allowed_department, query, expected_first):
    results = officer_search(allowed_department, query)
    assert results and results[0] == roster[expected_first]
    assert roster["elsewhere"] not in results


def test_search_stays_inside_the_department(roster, allowed_department, other_department):
    assert officer_search(other_department, "Avery") == [roster["elsewhere"]]
    assert officer_search(allowed_department, "") == []
    assert officer_search(allowed_department, "zzzzqqq") == []


def test_the_identify_page_shows_search_results_and_identifies_from_them(users, scene, roster):
    client = client_for(users["volunteer"])
    page = client.get(reverse("review_identify", args=[scene["face"].pk]), {"q": "avila"}).content.decode()
    assert "Maria Avila" in page and "This is them" in page
    client.post(
        reverse("review_identify", args=[scene["face"].pk]), {"action": "identify", "officer": roster["avila"].pk}
    )
    assert Face.objects.get(pk=scene["face"].pk).officer == roster["avila"]


def test_a_coordinator_adds_a_new_officer_and_identifies_the_face(users, scene):
    response = client_for(users["coordinator"]).post(
        reverse("review_new_officer", args=[scene["face"].pk]),
        {
            "first_name": "Sam",
            "last_name": "Reyes",
            "badge_number": "2002",
            "rank": "Sergeant",
            "use_for_recognition": "on",
        },
    )
    assert response.status_code == 302
    officer = Officer.objects.get(badge_number="2002")
    assert (officer.full_name, officer.rank, officer.department) == (
        "Sam Reyes",
        "Sergeant",
        scene["face"].image.department,
    )
    face = Face.objects.get(pk=scene["face"].pk)
    assert face.officer == officer and face.use_for_recognition
    assert Decision.objects.filter(kind=Decision.Kind.IDENTIFY, face=face, actor=users["coordinator"]).exists()


def test_a_duplicate_badge_is_refused_and_nothing_is_half_saved(users, scene, officer):
    before = Officer.objects.count()
    response = client_for(users["coordinator"]).post(
        reverse("review_new_officer", args=[scene["face"].pk]),
        {"first_name": "Other", "last_name": "Person", "badge_number": officer.badge_number},
    )
    assert response.status_code == 400
    assert "already used" in response.content.decode()
    assert Officer.objects.count() == before
    assert Face.objects.get(pk=scene["face"].pk).officer_id is None


def test_volunteers_see_no_new_officer_form(users, scene):
    page = client_for(users["volunteer"]).get(reverse("review_identify", args=[scene["face"].pk])).content.decode()
    assert "New officer in" not in page
    Claim.objects.all().delete()  # the volunteer lets go of the face
    page = client_for(users["coordinator"]).get(reverse("review_identify", args=[scene["face"].pk])).content.decode()
    assert "New officer in" in page


def test_officer_create_validates_like_a_form(allowed_department):
    with pytest.raises(ValidationError) as error:
        officer_create(department=allowed_department, first_name="", last_name="", badge_number="1", actor=None)
    assert "last_name" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        officer_create(department=allowed_department, first_name="A", last_name="B", badge_number="", actor=None)
    assert "badge_number" in error.value.message_dict
    with pytest.raises(ValidationError):
        officer_create(department=allowed_department, first_name="A", last_name="B" * 101, badge_number="1", actor=None)
    created = officer_create(
        department=allowed_department, first_name=" A ", last_name="B", badge_number=" 7 ", actor=None
    )
    assert (created.first_name, created.badge_number) == ("A", "7")
    with pytest.raises(ValidationError, match="already used"):
        officer_create(department=allowed_department, first_name="C", last_name="D", badge_number="7", actor=None)
