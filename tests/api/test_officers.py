"""Officers through the API: search, profiles with face crops, creation by the right people."""

from __future__ import annotations

import pytest

from departments.models import Officer
from tests import factories
from tests.api.conftest import API, error_body_ok, token_client


@pytest.fixture
def roster(allowed_department, other_department, officer):
    Officer.objects.create(department=allowed_department, first_name="Maria", last_name="Lopez", badge_number="2040")
    Officer.objects.create(department=other_department, first_name="Jordan", last_name="Smith", badge_number="77")
    return officer


@pytest.mark.parametrize(
    "query, expected",
    [
        ("q=avery", ["Jordan Avery"]),
        ("q=JORDAN", ["Jordan Avery", "Jordan Smith"]),
        ("q=jordan+avery", ["Jordan Avery"]),
        ("q=2040", ["Maria Lopez"]),
        ("q=204", ["Maria Lopez"]),
        ("q=nobody", []),
        ("q=", ["Jordan Avery", "Maria Lopez", "Jordan Smith"]),
    ],
)
def test_it_searches_by_name_or_badge(clients, roster, query, expected):
    body = clients["anonymous"].get(f"{API}officers/?{query}").json()
    assert sorted(row["name"] for row in body["results"]) == sorted(expected)


def test_it_filters_by_department(clients, roster, other_department):
    body = clients["anonymous"].get(f"{API}officers/?department={other_department.pk}&q=jordan").json()
    assert [row["name"] for row in body["results"]] == ["Jordan Smith"]


@pytest.mark.parametrize("query", ["department=abc", "department=999999", "q=" + "x" * 201, "q=%00"])
def test_bad_filters_are_400s_not_500s(clients, roster, query):
    response = clients["anonymous"].get(f"{API}officers/?{query}")
    assert response.status_code == 400 and error_body_ok(response)


def test_a_profile_lists_the_faces_identified_as_the_officer(clients, officer, image):
    face = factories.face(image, officer=officer)
    factories.face(image, x=200)  # someone else
    body = clients["anonymous"].get(f"{API}officers/{officer.pk}/").json()
    assert body["name"] == "Jordan Avery" and body["badge_number"] == "1001"
    assert body["faces"] == [
        {
            "id": face.pk,
            "image": image.pk,
            "box": {"x": 10, "y": 10, "w": 60, "h": 60},
            "url": f"/faces/{face.pk}/crop.jpg",
            "image_url": f"/images/{image.pk}/public.jpg",
        }
    ]
    assert "embedding" not in str(body)


def test_a_coordinator_adds_an_officer_to_their_department(users, allowed_department):
    response = token_client(users["coordinator"]).post(
        f"{API}officers/",
        {
            "department": allowed_department.pk,
            "first_name": " Casey ",
            "last_name": "Reed",
            "badge_number": "5",
            "rank": "Sergeant",
            "unit": "Traffic",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    officer = Officer.objects.get(pk=response.json()["id"])
    assert (officer.first_name, officer.rank, officer.unit) == ("Casey", "Sergeant", "Traffic")


def test_a_coordinator_cannot_add_an_officer_elsewhere(users, other_department):
    response = token_client(users["coordinator"]).post(
        f"{API}officers/",
        {"department": other_department.pk, "first_name": "A", "last_name": "B", "badge_number": "5"},
        format="json",
    )
    assert response.status_code == 403 and error_body_ok(response)
    assert not Officer.objects.filter(department=other_department).exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"first_name": "A", "last_name": "B", "badge_number": "1001"}, "badge_number"),  # duplicate badge
        ({"first_name": "A", "last_name": "B", "badge_number": ""}, "badge_number"),
        ({"first_name": "A", "last_name": "B"}, "badge_number"),
        ({"first_name": "", "last_name": "", "badge_number": "9"}, "last_name"),
        ({"first_name": "A" * 101, "last_name": "B", "badge_number": "9"}, "first_name"),
        ({"first_name": "A\x00", "last_name": "B", "badge_number": "9"}, "first_name"),
    ],
)
def test_it_refuses_a_bad_officer_with_a_field_error(clients, officer, allowed_department, body, field):
    before = Officer.objects.count()
    response = clients["admin"].post(f"{API}officers/", {"department": allowed_department.pk, **body}, format="json")
    assert response.status_code == 400 and error_body_ok(response)
    assert field in response.json()["errors"], response.json()
    assert Officer.objects.count() == before


def test_it_refuses_an_unknown_department(clients, db, users):
    response = clients["admin"].post(
        f"{API}officers/", {"department": 999999, "last_name": "B", "badge_number": "9"}, format="json"
    )
    assert response.status_code == 400 and "department" in response.json()["errors"]
