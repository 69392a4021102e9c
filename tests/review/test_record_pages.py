"""The officer-record pages of the review area: incidents, links, an officer's record, salaries, the history.

Every page is for the department's coordinators and administrators; every write goes through
departments.services (which checks the editor again and writes a RecordChange).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from departments.models import Assignment, Incident, Link, Officer, RecordChange, Salary
from departments.services import SYSTEM, assignment_start
from tests import factories
from tests.conftest import client_for

ROLES = ["anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin", "disabled"]
# Expected outcome per role, in ROLES order. "login": 302 to the login page; "next": the write is done, 302 onward.
PAGE = ["login", 403, 403, 200, 403, 200, "login"]
WRITE = ["login", 403, 403, "next", 403, "next", "login"]

INCIDENT = {"date": "2024-02-03", "location": "Elm St", "report_number": "RD-1", "description": "Stop", "officers": ""}
LINK = {"title": "Local paper", "url": "https://news.example.org/a", "kind": "news"}


@pytest.fixture
def record(users, allowed_department, officer):
    incident = factories.incident(allowed_department, officers=[officer])
    return {
        "department": allowed_department,
        "officer": officer,
        "incident": incident,
        "link": factories.link(incident=incident),
    }


def _request(view: str, client: Client, r: dict):
    d, o, i = r["department"], r["officer"], r["incident"]
    requests = {
        "incident_list": lambda: client.get(reverse("review_record_incidents", args=[d.slug])),
        "incident_new_page": lambda: client.get(reverse("review_record_incident_new", args=[d.slug])),
        "incident_new": lambda: client.post(reverse("review_record_incident_new", args=[d.slug]), INCIDENT),
        "incident_page": lambda: client.get(reverse("review_record_incident", args=[i.pk])),
        "incident_edit": lambda: client.post(reverse("review_record_incident", args=[i.pk]), INCIDENT),
        "incident_link": lambda: client.post(reverse("review_record_incident_link", args=[i.pk]), LINK),
        "link_remove": lambda: client.post(reverse("review_record_link_remove", args=[r["link"].pk])),
        "officer_page": lambda: client.get(reverse("review_record_officer", args=[o.pk])),
        "officer_edit": lambda: client.post(
            reverse("review_record_officer", args=[o.pk]), {"first_name": "Jo", "last_name": "Avery"}
        ),
        "assignment": lambda: client.post(
            reverse("review_record_assignment", args=[o.pk]),
            {"badge_number": "2002", "rank": "Sergeant", "unit": "Traffic", "start_date": "2024-01-01"},
        ),
        "officer_link": lambda: client.post(reverse("review_record_officer_link", args=[o.pk]), LINK),
        "salary": lambda: client.post(reverse("review_record_salary", args=[o.pk]), {"year": "2023", "salary": "1"}),
        "record_changes": lambda: client.get(reverse("review_record_changes", args=[d.slug])),
    }
    return requests[view]()


GETS = ["incident_list", "incident_new_page", "incident_page", "officer_page", "record_changes"]
POSTS = [
    "incident_new",
    "incident_edit",
    "incident_link",
    "link_remove",
    "officer_edit",
    "assignment",
    "officer_link",
    "salary",
]
CASES = [(view, role, PAGE[n]) for view in GETS for n, role in enumerate(ROLES)] + [
    (view, role, WRITE[n]) for view in POSTS for n, role in enumerate(ROLES)
]


@pytest.mark.parametrize(("view", "role", "expected"), CASES, ids=[f"{v}-{r}" for v, r, _ in CASES])
def test_each_role_gets_what_the_table_says(users, record, view, role, expected):
    response = _request(view, client_for(users[role]), record)
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif expected == "next":
        assert response.status_code == 302, response.content[:1000]
        assert response["Location"].startswith("/review/")
    else:
        assert response.status_code == expected, response.content[:500]
    changes = RecordChange.objects.all()
    if expected == "next":
        assert changes.count() == 1 and changes.get().actor == users[role]
    else:
        assert not changes.exists()


def test_pages_of_another_departments_records_are_refused_to_its_coordinator_only(users, other_department):
    officer = factories.officer(other_department)
    assert client_for(users["coordinator"]).get(reverse("review_record_officer", args=[officer.pk])).status_code == 403
    assert (
        client_for(users["other_coordinator"]).get(reverse("review_record_officer", args=[officer.pk])).status_code
        == 200
    )


# --- What the pages do ----------------------------------------------------------------------------
def test_a_coordinator_creates_an_incident_with_officers_chosen_by_badge(users, allowed_department):
    a = factories.officer(allowed_department, badge_number="1001")
    b = factories.officer(allowed_department, badge_number="1002")
    client = client_for(users["coordinator"])
    response = client.post(
        reverse("review_record_incident_new", args=[allowed_department.slug]), {**INCIDENT, "officers": " #1002,1001 ,"}
    )
    incident = Incident.objects.get()
    assert response["Location"] == reverse("review_record_incident", args=[incident.pk])
    assert set(incident.officers.all()) == {a, b}
    assert (incident.location, incident.date, incident.created_by) == (
        "Elm St",
        datetime.date(2024, 2, 3),
        users["coordinator"],
    )
    change = RecordChange.objects.get(what="incident.create")
    assert change.after["officers"] == sorted([a.pk, b.pk])


def test_editing_an_incident_shows_its_officers_badges_and_changes_them(users, record):
    other = factories.officer(record["department"], badge_number="3003")
    client = client_for(users["coordinator"])
    url = reverse("review_record_incident", args=[record["incident"].pk])
    assert 'value="1001"' in client.get(url).content.decode()
    client.post(url, {**INCIDENT, "officers": "3003"})
    assert list(record["incident"].officers.all()) == [other]
    assert RecordChange.objects.get(what="incident.update").before["officers"] == [record["officer"].pk]


def test_an_officer_of_another_department_cannot_be_put_in_an_incident(users, record, other_department):
    stranger = factories.officer(other_department, badge_number="9999")
    client = client_for(users["coordinator"])
    typed = {**INCIDENT, "location": "Typed location", "officers": f"1001, {stranger.badge_number}"}
    response = client.post(reverse("review_record_incident_new", args=[record["department"].slug]), typed)
    assert response.status_code == 400
    page = response.content.decode()
    assert "has badge 9999" in page and 'value="Typed location"' in page and "1001, 9999" in page
    assert Incident.objects.count() == 1 and not RecordChange.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD4=",
        "ftp://e.org/x",
        "vbscript:x",
    ],
)
def test_only_http_and_https_links_are_accepted(users, record, url):
    client = client_for(users["coordinator"])
    for target in (
        reverse("review_record_incident_link", args=[record["incident"].pk]),
        reverse("review_record_officer_link", args=[record["officer"].pk]),
    ):
        response = client.post(target, {**LINK, "title": "Typed title", "url": url})
        assert response.status_code == 400
        page = response.content.decode()
        assert 'value="Typed title"' in page and "Only http and https addresses are allowed" in page
    assert Link.objects.count() == 1 and not RecordChange.objects.exists()


def test_a_ten_megabyte_description_is_refused_with_nothing_written(users, record):
    client = client_for(users["coordinator"])
    response = client.post(
        reverse("review_record_incident_new", args=[record["department"].slug]),
        {**INCIDENT, "description": "x" * 10_000_000},
    )
    assert response.status_code in (400, 413)
    assert Incident.objects.count() == 1 and not RecordChange.objects.exists()


@pytest.mark.parametrize("field", ["location", "report_number", "description"])
def test_nul_bytes_and_control_characters_are_refused(users, record, field):
    client = client_for(users["coordinator"])
    for bad in ("Elm\x00St", "Elm\x1b[31mSt"):
        response = client.post(
            reverse("review_record_incident", args=[record["incident"].pk]), {**INCIDENT, field: bad}
        )
        assert response.status_code == 400
    assert not RecordChange.objects.exists()


def test_a_separation_before_the_employment_is_shown_on_the_form_with_what_was_typed(users, officer):
    client = client_for(users["coordinator"])
    typed = {
        "first_name": "Typed",
        "last_name": "Avery",
        "employment_date": "2020-05-01",
        "separation_date": "2019-01-01",
    }
    response = client.post(reverse("review_record_officer", args=[officer.pk]), typed)
    assert response.status_code == 400
    page = response.content.decode()
    assert "separation date is before the employment date" in page
    assert 'value="Typed"' in page and 'value="2019-01-01"' in page
    officer.refresh_from_db()
    assert officer.first_name == "Jordan" and not RecordChange.objects.exists()


def test_an_assignment_starting_before_the_current_one_is_refused_on_its_form(users, officer):
    assignment_start(officer, badge_number="1001", rank="Officer", start_date=datetime.date(2020, 1, 1), actor=SYSTEM)
    client = client_for(users["coordinator"])
    typed = {"badge_number": "5005", "rank": "Typed rank", "unit": "", "start_date": "2019-06-01"}
    response = client.post(reverse("review_record_assignment", args=[officer.pk]), typed)
    assert response.status_code == 400
    page = response.content.decode()
    assert "cannot start before that" in page and 'value="Typed rank"' in page
    assert Officer.objects.get(pk=officer.pk).badge_number == "1001"


def test_a_new_assignment_closes_the_current_one_and_changes_the_officers_rank(users, officer):
    assignment_start(officer, badge_number="1001", rank="Officer", start_date=datetime.date(2020, 1, 1), actor=SYSTEM)
    client = client_for(users["coordinator"])
    response = client.post(
        reverse("review_record_assignment", args=[officer.pk]),
        {"badge_number": "1001", "rank": "Sergeant", "unit": "Traffic", "start_date": "2024-03-01"},
    )
    assert response.status_code == 302 and response["Location"].endswith("#assignments")
    officer.refresh_from_db()
    assert (officer.rank, officer.unit) == ("Sergeant", "Traffic")
    assert Assignment.objects.filter(officer=officer).count() == 2
    assert RecordChange.objects.get(actor=users["coordinator"]).what == "assignment.start"


def test_the_officer_form_saves_names_roster_fields_and_notes(users, officer):
    data = {
        "first_name": "Jordan",
        "middle_name": "Lee",
        "last_name": "Avery",
        "employee_id": "E-7",
        "employment_date": "2010-01-04",
        "gender": "Female",
        "birth_year": "1980",
        "public_notes": "Notes <b>here</b>",
    }
    client_for(users["admin"]).post(reverse("review_record_officer", args=[officer.pk]), data)
    officer.refresh_from_db()
    assert (officer.middle_name, officer.employee_id, officer.birth_year) == ("Lee", "E-7", 1980)
    assert officer.employment_date == datetime.date(2010, 1, 4)
    assert RecordChange.objects.get(what="officer.update").actor == users["admin"]


def test_a_duplicate_employee_id_is_shown_on_the_form(users, officer):
    factories.officer(officer.department, employee_id="E-1")
    response = client_for(users["coordinator"]).post(
        reverse("review_record_officer", args=[officer.pk]), {"first_name": "J", "last_name": "A", "employee_id": "E-1"}
    )
    assert response.status_code == 400 and "already used" in response.content.decode()


def test_salaries_are_added_then_corrected(users, officer):
    client = client_for(users["coordinator"])
    url = reverse("review_record_salary", args=[officer.pk])
    client.post(url, {"year": "2023", "salary": "85000", "overtime_pay": "1200.50"})
    client.post(url, {"year": "2023", "salary": "86000"})
    row = Salary.objects.get(officer=officer)
    assert (row.salary, row.overtime_pay) == (Decimal("86000.00"), None)
    assert RecordChange.objects.filter(what="salary.set").count() == 2
    page = client.get(reverse("review_record_officer", args=[officer.pk]), {"year": "2023"}).content.decode()
    assert 'value="86000.00"' in page
    refused = client.post(url, {"year": "2023", "salary": "-5"})
    assert refused.status_code == 400


def test_a_link_is_removed_and_the_removal_recorded(users, record):
    client = client_for(users["coordinator"])
    response = client.post(reverse("review_record_link_remove", args=[record["link"].pk]))
    assert response["Location"] == reverse("review_record_incident", args=[record["incident"].pk])
    assert not Link.objects.exists()
    assert RecordChange.objects.get().what == "link.remove"


def test_the_forms_require_the_csrf_token(users, record):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["coordinator"])
    for view in POSTS:
        assert _request(view, client, record).status_code == 403, view
    assert not RecordChange.objects.exists()
    assert Incident.objects.count() == 1 and Link.objects.count() == 1


def test_get_only_and_post_only_pages_refuse_other_methods(users, record):
    client = client_for(users["coordinator"])
    assert client.post(reverse("review_record_incidents", args=[record["department"].slug])).status_code == 405
    assert client.get(reverse("review_record_link_remove", args=[record["link"].pk])).status_code == 405


# --- The history ----------------------------------------------------------------------------------
def test_the_history_lists_who_changed_what_before_and_after_paginated(users, record):
    client = client_for(users["coordinator"])
    for n in range(55):
        client.post(
            reverse("review_record_incident", args=[record["incident"].pk]), {**INCIDENT, "location": f"Place {n}"}
        )
    url = reverse("review_record_changes", args=[record["department"].slug])
    first = client.get(url).content.decode()
    assert "55 changes" in first and "Place 53" in first and "Place 54" in first and "coordinator" in first
    assert "Page 1 of 2" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert "Place 0" in second
    only = client.get(url, {"what": "salary.set"}).content.decode()
    assert "55 changes" in only  # an unknown kind is ignored, not an error


def test_the_history_shows_no_other_departments_changes(users, record, other_department):
    stranger = factories.officer(other_department)
    client_for(users["other_coordinator"]).post(
        reverse("review_record_salary", args=[stranger.pk]), {"year": "2020", "salary": "1"}
    )
    page = client_for(users["coordinator"]).get(reverse("review_record_changes", args=[record["department"].slug]))
    assert "0 changes" in page.content.decode()


# --- The links to these pages on the public pages ------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_the_officer_page_offers_edit_record_only_to_its_editors(users, officer, role):
    page = client_for(users[role]).get(reverse("officer_detail", args=[officer.pk])).content.decode()
    assert ('id="edit-record"' in page) == (role in ("coordinator", "admin"))


def test_an_address_typed_without_a_scheme_becomes_https(users, record):
    client = client_for(users["coordinator"])
    client.post(
        reverse("review_record_officer_link", args=[record["officer"].pk]), {**LINK, "url": "news.example.org/b"}
    )
    assert Link.objects.get(officer=record["officer"]).url == "https://news.example.org/b"


def test_an_incident_started_from_an_officers_record_has_that_officer_typed_in(users, officer):
    page = client_for(users["coordinator"]).get(
        reverse("review_record_incident_new", args=[officer.department.slug]), {"officers": "1001"}
    )
    assert 'value="1001"' in page.content.decode()


# --- Stale tabs, hostile years, removed subjects, other departments --------------------------------
def _shown_record(client: Client, officer: Officer) -> dict[str, str]:
    """What the officer form posts back as the page showed it (values and their hidden "initial-" copies)."""
    import html
    import re

    page = client.get(reverse("review_record_officer", args=[officer.pk])).content.decode()
    form = page.split('id="officer-form"', 1)[1].split("</form>", 1)[0]
    data: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
        if name:
            data[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for name, value in re.findall(r'<textarea[^>]*name="([^"]*)"[^>]*>\n?([^<]*)</textarea>', form):
        data[name] = html.unescape(value)
    data.pop("csrfmiddlewaretoken", None)
    return data


def test_a_stale_tab_saves_only_what_it_changed_and_keeps_another_tabs_edit(users, officer):
    first, second = client_for(users["coordinator"]), client_for(users["admin"])
    tab_one, tab_two = _shown_record(first, officer), _shown_record(second, officer)
    assert tab_one["initial-first_name"] == officer.first_name
    url = reverse("review_record_officer", args=[officer.pk])
    assert first.post(url, {**tab_one, "first_name": "Jo"}).status_code == 302
    assert second.post(url, {**tab_two, "race": "White"}).status_code == 302
    officer.refresh_from_db()
    assert (officer.first_name, officer.race) == ("Jo", "White")
    assert RecordChange.objects.filter(what="officer.update").latest("pk").after == {"race": "White"}


def test_posting_the_page_unchanged_saves_nothing(users, officer):
    client = client_for(users["coordinator"])
    response = client.post(reverse("review_record_officer", args=[officer.pk]), _shown_record(client, officer))
    assert response.status_code == 302 and not RecordChange.objects.exists()


@pytest.mark.parametrize("year", ["²", "¹⁹⁸⁰", "１９８０", "९"])
def test_a_salary_year_in_other_digits_in_the_address_is_ignored(users, officer, year):
    response = client_for(users["coordinator"]).get(reverse("review_record_officer", args=[officer.pk]), {"year": year})
    assert response.status_code == 200


def test_the_history_links_only_records_that_still_exist(users, record):
    client = client_for(users["coordinator"])
    gone = factories.officer(record["department"])
    client.post(reverse("review_record_officer", args=[gone.pk]), {"first_name": "Gone", "last_name": "Soon"})
    client.post(
        reverse("review_record_officer", args=[record["officer"].pk]), {"first_name": "Still", "last_name": "Here"}
    )
    gone_pk = gone.pk
    gone.delete()
    page = client.get(reverse("review_record_changes", args=[record["department"].slug])).content.decode()
    assert reverse("review_record_officer", args=[record["officer"].pk]) in page
    assert reverse("review_record_officer", args=[gone_pk]) not in page and f"#{gone_pk}" in page


def test_another_departments_coordinator_cannot_remove_an_officers_link(users, officer):
    link = factories.link(officer=officer)
    response = client_for(users["other_coordinator"]).post(reverse("review_record_link_remove", args=[link.pk]))
    assert response.status_code == 403
    assert Link.objects.filter(pk=link.pk).exists() and not RecordChange.objects.exists()
    removed = client_for(users["coordinator"]).post(reverse("review_record_link_remove", args=[link.pk]))
    assert removed["Location"] == reverse("review_record_officer", args=[officer.pk])
    assert not Link.objects.exists()
