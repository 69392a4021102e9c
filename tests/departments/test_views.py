"""A department's public roster: access, what it says about recognition, filters, pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from departments.models import Department, Officer
from tests.conftest import client_for
from tests.faces.test_views_images import gallery_officer

ROLES = ["anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin", "disabled"]


def test_the_url_name_matches_the_interface():
    assert reverse("department_detail", args=["springfield"]) == "/departments/springfield/"


@pytest.mark.parametrize("role", ROLES)
def test_everyone_may_see_a_roster(users, allowed_department, role):
    assert client_for(users[role]).get(f"/departments/{allowed_department.slug}/").status_code == 200


def test_a_missing_department_is_a_404(db):
    assert client_for(None).get("/departments/nowhere/").status_code == 404


@pytest.mark.parametrize(
    "fixture, expected",
    [
        ("allowed_department", "Faces will be compared with the officer gallery of departments that allow it."),
        ("disallowed_department", "No facial recognition is used for this jurisdiction."),
        ("illinois_department", "No facial recognition is used for this jurisdiction. State law (IL): Illinois"),
    ],
)
def test_the_roster_says_whether_recognition_is_used(request, fixture, expected):
    department = request.getfixturevalue(fixture)
    html = client_for(None).get(f"/departments/{department.slug}/").content.decode()
    assert expected in html
    assert f"/submit/?department={department.slug}" in html


def test_the_roster_filters_by_name_badge_rank_unit_and_photo(allowed_department):
    make = Officer.objects.create
    make(
        department=allowed_department,
        first_name="Jordan",
        last_name="Avery",
        badge_number="1001",
        rank="Sergeant",
        unit="Traffic Division",
    )
    make(department=allowed_department, first_name="Sam", last_name="Ortiz", badge_number="2002", rank="Officer")
    gallery_officer(allowed_department)
    client = client_for(None)
    url = f"/departments/{allowed_department.slug}/"

    def names(params):
        html = client.get(url, params).content.decode()
        return {n for n in ("Jordan Avery", "Sam Ortiz", "Barack Example") if n in html}

    assert names({}) == {"Jordan Avery", "Sam Ortiz", "Barack Example"}
    assert names({"name": "avery"}) == {"Jordan Avery"}
    assert names({"badge": "2002"}) == {"Sam Ortiz"}
    assert names({"rank": "Sergeant"}) == {"Jordan Avery", "Barack Example"}
    assert names({"unit": "traffic"}) == {"Jordan Avery"}
    assert names({"has_photo": "on"}) == {"Barack Example"}
    html = client.get(url).content.decode()
    assert '<option value="Sergeant">Sergeant</option>' in html  # rank choices come from the roster
    assert "/crop.jpg" in html  # the featured face


def test_the_roster_shows_only_its_own_officers(allowed_department, other_department):
    Officer.objects.create(department=other_department, first_name="Other", last_name="Person", badge_number="1")
    assert "Other Person" not in client_for(None).get(f"/departments/{allowed_department.slug}/").content.decode()


def test_the_roster_is_paginated(allowed_department):
    Officer.objects.bulk_create(
        Officer(department=allowed_department, first_name="Officer", last_name=f"N{i:03d}", badge_number=str(i))
        for i in range(30)
    )
    client = client_for(None)
    first = client.get(f"/departments/{allowed_department.slug}/").content.decode()
    assert "Page 1 of 2" in first and "Officer N000" in first and "Officer N029" not in first
    second = client.get(f"/departments/{allowed_department.slug}/", {"page": 2}).content.decode()
    assert "Officer N029" in second and "Officer N000" not in second


@pytest.mark.parametrize(
    "params", [{"page": "zzz"}, {"page": "0"}, {"name": "x" * 3000}, {"rank": "\x00"}, {"has_photo": "<b>"}]
)
def test_hostile_filters_never_break_the_roster(allowed_department, params):
    response = client_for(None).get(f"/departments/{allowed_department.slug}/", params)
    # A NUL byte is refused before any view runs (oversight.middleware_nul).
    assert response.status_code == (400 if any("\x00" in value for value in params.values()) else 200)


def test_the_home_page_lists_departments(allowed_department):
    html = client_for(None).get("/").content.decode()
    assert allowed_department.name in html and 'href="/submit/"' in html and 'href="/officers/"' in html
    assert Department.objects.count() == 1
