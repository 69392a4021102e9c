"""The officer record: employee IDs, assignment history, incidents, links, salaries and their audit."""

from __future__ import annotations

import datetime
import importlib
import io
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from departments import services
from departments.models import Assignment, Department, Incident, Link, Officer, RecordChange, Salary
from departments.services import SYSTEM, RecordInvalid
from oversight.exceptions import Conflict, DomainError, NotPermitted
from tests import factories
from tests.admin_forms import admin_form_data, post_admin_change
from tests.conftest import client_for

D = datetime.date
HOSTILE_URLS = [
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example.org/x",
    "ftp://example.org/file",
    " javascript:alert(1)",
]


def refused_by_database(update) -> bool:
    try:
        with transaction.atomic():
            update()
    except IntegrityError:
        return True
    return False


# --- Constraints ---------------------------------------------------------------------------
def test_it_refuses_a_duplicate_employee_id_in_one_department(allowed_department):
    factories.officer(allowed_department, employee_id="E-100")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.officer(allowed_department, employee_id="E-100")


def test_an_employee_id_may_repeat_across_departments_and_may_be_empty_for_many(allowed_department, other_department):
    factories.officer(allowed_department, employee_id="E-100")
    factories.officer(other_department, employee_id="E-100")
    factories.officer(allowed_department)
    factories.officer(allowed_department)
    assert Officer.objects.filter(employee_id="").count() == 2


def test_it_refuses_a_second_open_assignment(officer):
    factories.assignment(officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.assignment(officer, badge_number="2")
    factories.assignment(officer, start_date=D(2010, 1, 1), end_date=D(2012, 1, 1))  # closed ones are fine


def test_it_refuses_an_assignment_that_ends_before_it_starts(officer):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.assignment(officer, start_date=D(2020, 1, 2), end_date=D(2020, 1, 1))


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_a_link_refuses_anything_but_a_web_address_at_clean(officer, url):
    link = Link(officer=officer, url=url, title="x", kind=Link.Kind.NEWS)
    with pytest.raises(ValidationError) as caught:
        link.full_clean()
    assert "url" in caught.value.message_dict


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "JAVASCRIPT:alert(1)", "//x.org"])
def test_the_database_refuses_a_link_or_complaint_url_that_is_not_http(officer, url):
    link = factories.link(officer=officer)
    assert refused_by_database(lambda: Link.objects.filter(pk=link.pk).update(url=url))
    department_id = officer.department_id
    assert refused_by_database(lambda: Department.objects.filter(pk=department_id).update(complaint_url=url))
    assert not refused_by_database(lambda: Department.objects.filter(pk=department_id).update(complaint_url=""))


def test_a_link_belongs_to_exactly_one_officer_or_incident(officer):
    incident = factories.incident(officer.department)
    assert refused_by_database(lambda: Link.objects.create(url="https://a.example.org", title="t"))
    assert refused_by_database(
        lambda: Link.objects.create(officer=officer, incident=incident, url="https://a.example.org", title="t")
    )
    with pytest.raises(ValidationError):
        Link(officer=officer, incident=incident, url="https://a.example.org", title="t").full_clean()


def test_an_officer_has_one_salary_per_year_and_kind_of_year(officer):
    factories.salary(officer, year=2022)
    factories.salary(officer, year=2022, is_fiscal_year=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.salary(officer, year=2022)


# --- The data migration ---------------------------------------------------------------------
def test_the_migration_turns_each_officers_badge_rank_and_unit_into_an_open_first_assignment(allowed_department):
    migration = importlib.import_module("departments.migrations.0005_first_assignments")
    plain = factories.officer(allowed_department, badge_number="77", rank="Sergeant", unit="Patrol")
    with_history = factories.officer(allowed_department)
    kept = factories.assignment(with_history, start_date=D(2020, 1, 1))

    migration.create_first_assignments(django_apps, None)
    migration.create_first_assignments(django_apps, None)  # a rerun adds nothing

    made = Assignment.objects.get(officer=plain)
    assert (made.badge_number, made.rank, made.unit, made.start_date, made.end_date) == (
        "77",
        "Sergeant",
        "Patrol",
        None,
        None,
    )
    assert list(with_history.assignments.all()) == [kept]


# --- assignment_start -------------------------------------------------------------------------
def test_assignment_start_closes_the_current_one_opens_the_new_one_and_updates_the_officer(officer):
    first = services.assignment_start(
        officer, badge_number="1001", rank="Officer", unit="Patrol", start_date=D(2015, 1, 1), actor=SYSTEM
    )
    second = services.assignment_start(
        officer, badge_number="2002", rank="Sergeant", unit="Traffic", start_date=D(2020, 6, 1), actor=SYSTEM
    )
    first.refresh_from_db()
    officer.refresh_from_db()
    assert first.end_date == D(2020, 6, 1)
    assert second.end_date is None
    assert (officer.badge_number, officer.rank, officer.unit) == ("2002", "Sergeant", "Traffic")
    assert list(officer.assignments.all()) == [second, first]  # current first


def test_assignment_start_with_the_same_badge_rank_and_unit_changes_nothing(officer):
    first = services.assignment_start(
        officer, badge_number="1001", rank="Officer", unit="Patrol", start_date=D(2015, 1, 1), actor=SYSTEM
    )
    again = services.assignment_start(
        officer, badge_number=" 1001 ", rank="Officer", unit="Patrol", start_date=D(2024, 1, 1), actor=SYSTEM
    )
    assert again == first and officer.assignments.count() == 1
    assert RecordChange.objects.filter(what="assignment.start").count() == 1


def test_assignment_start_refuses_to_start_before_the_current_one(officer):
    services.assignment_start(officer, badge_number="1", rank="", unit="", start_date=D(2020, 1, 1), actor=SYSTEM)
    with pytest.raises(Conflict):
        services.assignment_start(officer, badge_number="2", rank="", unit="", start_date=D(2019, 1, 1), actor=SYSTEM)
    assert officer.assignments.filter(end_date__isnull=True).get().badge_number == "1"


def test_assignment_start_refuses_a_badge_another_officer_of_the_department_holds(officer):
    factories.officer(officer.department, badge_number="555")
    with pytest.raises(Conflict):
        services.assignment_start(officer, badge_number="555", start_date=D(2020, 1, 1), actor=SYSTEM)
    assert not officer.assignments.exists()


def test_officer_create_gives_the_new_officer_a_current_assignment(allowed_department):
    made = services.officer_create(
        department=allowed_department, first_name="A", last_name="B", badge_number="9", rank="Officer"
    )
    current = made.assignments.get()
    assert (current.badge_number, current.rank, current.end_date) == ("9", "Officer", None)


# --- The other services -----------------------------------------------------------------------
def test_officer_update_changes_the_record_and_audits_it(officer, users):
    services.officer_update(
        officer,
        actor=users["coordinator"],
        employee_id="E-7",
        middle_name="Q",
        gender="Female",
        race="Hispanic",
        birth_year=1980,
        employment_date=D(2005, 9, 1),
    )
    officer.refresh_from_db()
    assert (officer.employee_id, officer.gender, officer.birth_year) == ("E-7", "Female", 1980)
    change = RecordChange.objects.get(what="officer.update")
    assert change.actor == users["coordinator"] and change.department == officer.department
    assert change.before["employee_id"] == "" and change.after["employee_id"] == "E-7"
    assert change.after["employment_date"] == "2005-09-01"


def test_officer_update_refuses_a_duplicate_employee_id_and_the_current_assignment_fields(officer):
    factories.officer(officer.department, employee_id="E-1")
    with pytest.raises(Conflict):
        services.officer_update(officer, actor=SYSTEM, employee_id="E-1")
    with pytest.raises(RecordInvalid):
        services.officer_update(officer, actor=SYSTEM, badge_number="1")
    with pytest.raises(RecordInvalid):
        services.officer_update(officer, actor=SYSTEM, employment_date=D(2020, 1, 1), separation_date=D(2019, 1, 1))


def test_incidents_take_only_officers_of_their_department(officer, other_department):
    stranger = factories.officer(other_department)
    with pytest.raises(RecordInvalid):
        services.incident_create(officer.department, actor=SYSTEM, officers=[officer, stranger])
    incident = services.incident_create(
        officer.department, actor=SYSTEM, date=D(2023, 1, 1), location=" Main St ", officers=[officer]
    )
    assert incident.location == "Main St" and list(incident.officers.all()) == [officer]
    services.incident_update(incident, actor=SYSTEM, description="Stop and search", officers=[])
    incident.refresh_from_db()
    assert incident.description == "Stop and search" and not incident.officers.exists()
    assert list(RecordChange.objects.values_list("what", flat=True)) == ["incident.update", "incident.create"]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_link_add_refuses_anything_but_a_web_address(officer, url):
    with pytest.raises(RecordInvalid):
        services.link_add(actor=SYSTEM, officer=officer, url=url, title="x")
    assert not Link.objects.exists()


def test_link_add_accepts_an_upper_case_scheme_and_link_remove_audits(officer):
    link = services.link_add(actor=SYSTEM, officer=officer, url="HTTPS://News.example.org/a", title="T")
    assert link.url == "https://News.example.org/a"
    services.link_remove(link, actor=SYSTEM)
    assert not Link.objects.exists()
    removed = RecordChange.objects.get(what="link.remove")
    assert removed.object_id == link.pk and removed.before["title"] == "T" and removed.after is None


def test_salary_set_records_and_corrects_a_year(officer):
    services.salary_set(officer, actor=SYSTEM, year=2022, salary="90000", overtime_pay="1500.50")
    services.salary_set(officer, actor=SYSTEM, year=2022, salary="91000")
    row = Salary.objects.get(officer=officer)
    assert (row.salary, row.overtime_pay) == (Decimal("91000.00"), None)
    with pytest.raises(RecordInvalid):
        services.salary_set(officer, actor=SYSTEM, year=2023, salary="-1")
    assert RecordChange.objects.filter(what="salary.set").count() == 2


def test_the_services_refusals_are_domain_errors():
    assert issubclass(RecordInvalid, DomainError) and RecordInvalid("x").status == 400


# --- Who may edit ------------------------------------------------------------------------------
def _edits(officer: Officer) -> dict:
    department = officer.department
    incident = factories.incident(department, officers=[officer])
    link = factories.link(officer=officer)
    return {
        "officer_update": lambda actor: services.officer_update(officer, actor=actor, race="White"),
        "assignment_start": lambda actor: services.assignment_start(
            officer, badge_number="X1", start_date=D(2024, 1, 1), actor=actor
        ),
        "incident_create": lambda actor: services.incident_create(department, actor=actor, location="Here"),
        "incident_update": lambda actor: services.incident_update(incident, actor=actor, location="There"),
        "link_add": lambda actor: services.link_add(actor=actor, incident=incident, url="https://e.org", title="t"),
        "link_remove": lambda actor: services.link_remove(link, actor=actor),
        "salary_set": lambda actor: services.salary_set(officer, actor=actor, year=2020, salary=1),
    }


EDITORS = {"coordinator", "admin"}


SERVICES = [
    "officer_update",
    "assignment_start",
    "incident_create",
    "incident_update",
    "link_add",
    "link_remove",
    "salary_set",
]


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("role", ["anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin"])
def test_only_the_departments_coordinators_and_administrators_edit_its_records(users, officer, service, role):
    edit = _edits(officer)[service]
    if role in EDITORS:
        edit(users[role])
        assert RecordChange.objects.filter(actor=users[role]).count() == 1
    else:
        with pytest.raises(NotPermitted):
            edit(users[role])
        assert not RecordChange.objects.exists()
    assert Incident.objects.count() == (2 if service == "incident_create" and role in EDITORS else 1)


# --- The admin -------------------------------------------------------------------------------
def test_the_admin_pages_of_the_officer_record_open(admin_user, officer):
    incident = factories.incident(officer.department, officers=[officer])
    link = factories.link(officer=officer)
    salary = factories.salary(officer)
    client = client_for(admin_user)
    for url in [
        reverse("admin:departments_officer_change", args=[officer.pk]),
        reverse("admin:departments_incident_change", args=[incident.pk]),
        reverse("admin:departments_incident_add"),
        reverse("admin:departments_link_change", args=[link.pk]),
        reverse("admin:departments_salary_change", args=[salary.pk]),
        reverse("admin:departments_recordchange_changelist"),
    ]:
        assert client.get(url).status_code == 200, url


def test_editing_the_current_assignment_in_the_admin_updates_the_officers_badge(admin_user, officer):
    factories.assignment(officer, rank="Officer", unit="Patrol")
    url = reverse("admin:departments_officer_change", args=[officer.pk])
    changes = {"assignments-0-badge_number": "4242", "assignments-0-rank": "Sergeant"}
    post_admin_change(client_for(admin_user), url, **changes)
    officer.refresh_from_db()
    assert (officer.badge_number, officer.rank) == ("4242", "Sergeant")


def test_the_admin_refuses_a_second_current_assignment_as_a_form_error(admin_user, officer):
    factories.assignment(officer, rank="Officer", unit="Patrol")
    client = client_for(admin_user)
    url = reverse("admin:departments_officer_change", args=[officer.pk])
    data = admin_form_data(client, url)
    data.update({"assignments-TOTAL_FORMS": str(int(data["assignments-TOTAL_FORMS"]) + 1)})
    new = int(data["assignments-TOTAL_FORMS"]) - 1
    data.update({f"assignments-{new}-badge_number": "777", f"assignments-{new}-rank": "Sergeant", "_save": "Save"})
    response = client.post(url, data)
    assert response.status_code == 200
    assert "at most one current assignment" in response.content.decode()
    assert officer.assignments.filter(end_date__isnull=True).count() == 1


def test_the_admin_refuses_a_javascript_link(admin_user, officer):
    client = client_for(admin_user)
    url = reverse("admin:departments_officer_change", args=[officer.pk])
    data = admin_form_data(client, url)
    data.update({"links-TOTAL_FORMS": "1", "links-0-title": "x", "links-0-url": "javascript:alert(1)"})
    data.update({"links-0-kind": "news", "_save": "Save"})
    response = client.post(url, data)
    assert response.status_code == 200 and not Link.objects.exists()


# --- The demo data ------------------------------------------------------------------------------
def test_seed_demo_gives_officers_a_history_an_incident_and_a_complaint_path_once(db):
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    springfield = Department.objects.get(slug="springfield-pd")
    assert springfield.complaint_url.startswith("https://") and "example.org" in springfield.complaint_url
    riley = Officer.objects.get(department=springfield, badge_number="1003")
    assert [a.badge_number for a in riley.assignments.all()] == ["1003", "0655", "0655"]
    assert (riley.rank, riley.unit) == ("Lieutenant", "Detective Bureau")
    incident = Incident.objects.get(department=springfield)
    assert incident.officers.count() == 2 and incident.links.count() == 1
    assert all(o.assignments.filter(end_date__isnull=True).count() == 1 for o in Officer.objects.all())
    assert Link.objects.count() == 2
