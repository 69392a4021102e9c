"""Find an officer: every roster filter, on the search page, the department page and the API, agree."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from departments.models import Department, Officer
from faces.models import Image
from tests import factories
from tests.conftest import client_for

THIS_YEAR = timezone.localdate().year


@pytest.fixture
def roster(allowed_department: Department, other_department: Department) -> dict[str, Officer]:
    ann = factories.officer(
        allowed_department,
        first_name="Ann",
        middle_name="Marie",
        last_name="Smith",
        badge_number="1234",
        rank="Sergeant",
        unit="Patrol North",
        gender="Female",
        race="White",
        birth_year=1980,
        employment_date=datetime.date(2005, 6, 1),
    )
    bob = factories.officer(
        allowed_department,
        first_name="Bob",
        middle_name="Lee",
        last_name="Jones",
        suffix="Jr",
        badge_number="5123",
        rank="Officer",
        unit="Detectives",
        gender="Male",
        race="Black",
        birth_year=1995,
        employment_date=datetime.date(2018, 1, 15),
    )
    cara = factories.officer(
        other_department,
        first_name="Cara",
        last_name="Diaz",
        badge_number="777",
        rank="Officer",
        unit="Patrol South",
        gender="Female",
        race="Hispanic",
    )
    # A confirmed (identified, not civilian) face: Bob "has photos".
    factories.face(factories.image(allowed_department, status=Image.Status.DONE), officer=bob)
    # A civilian face tagged on Ann never counts as her photo.
    factories.face(factories.image(allowed_department, status=Image.Status.DONE), officer=None, is_civilian=True)
    return {"ann": ann, "bob": bob, "cara": cara}


# (filters, expected officers). "department" is the allowed department (slug on the page, id in the API).
CASES = [
    ({"name": "ann"}, {"ann"}),
    ({"name": "MARIE"}, {"ann"}),  # middle name, any case
    ({"name": "lee jones"}, {"bob"}),
    ({"name": "zzz"}, set()),
    ({"badge": "23"}, {"ann", "bob"}),  # contains
    ({"badge": "777"}, {"cara"}),
    ({"rank": "officer"}, {"bob", "cara"}),
    ({"unit": "patrol"}, {"ann", "cara"}),
    ({"gender": "Female"}, {"ann", "cara"}),
    ({"gender": "female"}, set()),  # exact, as published
    ({"race": "Hispanic"}, {"cara"}),
    ({"min_age": THIS_YEAR - 1990}, {"ann"}),
    ({"max_age": THIS_YEAR - 1990}, {"bob"}),
    ({"min_age": 0}, {"ann", "bob"}),  # no stated birth year, no age
    ({"min_age": THIS_YEAR - 1995, "max_age": THIS_YEAR - 1995}, {"bob"}),
    ({"employed_from": "2010-01-01"}, {"bob"}),
    ({"employed_to": "2010-01-01"}, {"ann"}),
    ({"employed_from": "2005-06-01", "employed_to": "2018-01-15"}, {"ann", "bob"}),
    ({"has_photo": "on"}, {"bob"}),
    ({"department": True}, {"ann", "bob"}),
    ({"department": True, "rank": "Officer"}, {"bob"}),
    ({"gender": "Female", "unit": "north"}, {"ann"}),
]


def _names(officers) -> set[str]:
    return {o.first_name.lower() for o in officers}


def _page_params(filters: dict, department: Department) -> dict:
    return {k: (department.slug if k == "department" else v) for k, v in filters.items()}


def _api_params(filters: dict, department: Department) -> dict:
    values = {"on": "true"}
    return {k: (department.pk if k == "department" else values.get(v, v)) for k, v in filters.items()}


@pytest.mark.parametrize(("filters", "expected"), CASES)
def test_the_search_page_finds_exactly_the_matching_officers(roster, allowed_department, filters, expected):
    response = client_for(None).get(reverse("officer_search"), _page_params(filters, allowed_department))
    assert response.status_code == 200
    assert not response.context["form"].errors
    assert _names(response.context["page"]) == expected


@pytest.mark.parametrize(("filters", "expected"), CASES)
def test_the_api_finds_the_same_officers(roster, allowed_department, filters, expected):
    response = client_for(None).get("/api/v1/officers/", _api_params(filters, allowed_department))
    assert response.status_code == 200, response.content
    body = response.json()
    results = body["results"] if isinstance(body, dict) else body
    assert {r["first_name"].lower() for r in results} == expected


@pytest.mark.parametrize(("filters", "expected"), [c for c in CASES if "department" not in c[0]])
def test_the_department_page_applies_the_same_filters_within_the_department(
    roster, allowed_department, filters, expected
):
    response = client_for(None).get(reverse("department_detail", args=[allowed_department.slug]), filters)
    assert response.status_code == 200
    assert _names(response.context["page"]) == expected - {"cara"}


def test_the_choices_are_the_values_published_on_the_roster(roster, allowed_department):
    html = client_for(None).get(reverse("officer_search")).content.decode()
    for value in ("Female", "Male", "White", "Black", "Hispanic"):
        assert f'<option value="{value}"' in html
    # Across all departments the unit is free text; within one, the department's current units.
    assert '<input type="text" name="unit"' in html
    html = client_for(None).get(reverse("department_detail", args=[allowed_department.slug])).content.decode()
    assert '<option value="Patrol North"' in html and '<option value="Detectives"' in html
    assert "Patrol South" not in html and "Hispanic" not in html


def test_the_search_keeps_paginating(allowed_department):
    for n in range(30):
        factories.officer(allowed_department, last_name=f"Pager{n:02}", gender="Female")
    client = client_for(None)
    first = client.get(reverse("officer_search"), {"gender": "Female"})
    second = client.get(reverse("officer_search"), {"gender": "Female", "page": 2})
    assert first.context["page"].paginator.count == 30
    assert len(first.context["page"]) == 24 and len(second.context["page"]) == 6


HOSTILE = [
    {"min_age": "-5"},
    {"max_age": "abc"},
    {"min_age": "60", "max_age": "30"},
    {"min_age": "99999999999999999999"},
    {"employed_from": "not-a-date"},
    {"employed_from": "2020-01-01", "employed_to": "2010-01-01"},
    {"name": "x" * 5000},
    {"badge": "9" * 500},
    {"gender": "g" * 500},
    {"department": "no-such-department"},
]


@pytest.mark.parametrize("params", HOSTILE)
def test_the_pages_answer_a_bad_filter_with_an_error_not_a_crash(roster, allowed_department, params):
    client = client_for(None)
    search = client.get(reverse("officer_search"), params)
    assert search.status_code == 200 and search.context["form"].errors
    assert "Please check the filters" in search.content.decode()
    roster_page = client.get(reverse("department_detail", args=[allowed_department.slug]), params)
    assert roster_page.status_code == 200


@pytest.mark.parametrize("params", [p for p in HOSTILE if "department" not in p])
def test_the_api_answers_a_bad_filter_with_a_400(roster, params):
    response = client_for(None).get("/api/v1/officers/", params)
    assert response.status_code == 400, response.content
    assert set(response.json()) & {"min_age", "max_age", "employed_from", "employed_to", "name", "badge", "gender"} or (
        "errors" in response.json() or "detail" in response.json()
    )
