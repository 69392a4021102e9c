"""The officer page with a full record, in a real browser at desktop and phone widths."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from departments.models import Department, Officer
from tests import factories
from tests.faces.test_views_images import gallery_officer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def officer_with_a_record(department: Department) -> Officer:
    officer = gallery_officer(department, badge="1001", last="Avery")
    factories.assignment(
        officer,
        badge_number="0871",
        rank="Officer",
        unit="Patrol Division",
        start_date=datetime.date(2012, 7, 9),
        end_date=datetime.date(2019, 3, 1),
    )
    factories.assignment(
        officer,
        badge_number="1001",
        rank="Sergeant",
        unit="Community Safety and Neighbourhood Engagement Division",
        start_date=datetime.date(2019, 3, 1),
    )
    Officer.objects.filter(pk=officer.pk).update(
        employment_date=datetime.date(2012, 7, 9), gender="Male", race="Black", birth_year=1978, employee_id="E-40917"
    )
    Department.objects.filter(pk=department.pk).update(
        complaint_url="https://springfield.example.org/police/complaints",
        complaint_instructions="Complaints go to the Office of Police Accountability, online or at 555-0100.",
    )
    incident = factories.incident(
        department,
        officers=[officer],
        location="Elm Street and 5th Avenue",
        description="Traffic stop that led to a use-of-force complaint.",
    )
    factories.link(
        incident=incident,
        title="Local paper: questions after a very long Elm Street stop headline",
        url="https://news.example.org/2023/04/elm-street-stop-with-a-very-long-address-that-wraps",
    )
    factories.link(officer=officer, title="<script>alert('x')</script> Civil case 2021-CV-0193", kind="court_record")
    factories.salary(officer, year=2023, salary="92450.00", overtime_pay=Decimal("14210.75"))
    factories.salary(officer, year=2022, salary="89100.00", is_fiscal_year=True)
    return officer


def test_the_officer_page_shows_the_whole_record_on_desktop_and_phone(
    live_server, page, screenshot, allowed_department
):
    officer = officer_with_a_record(allowed_department)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{live_server.url}/officers/{officer.pk}/")
    expect(page.get_by_role("heading", name="Assignment history")).to_be_visible()
    rows = page.locator("#assignments tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("current")
    expect(page.get_by_role("link", name="File a complaint with Springfield Police Department")).to_be_visible()
    expect(page.get_by_text("As published on the department's roster")).to_be_visible()
    expect(page.locator("#links")).to_contain_text("<script>alert('x')</script> Civil case")
    screenshot("officer-record-1280", 1280)
    screenshot("officer-record-375", 375)
    # Nothing wider than the phone's screen: tables scroll inside themselves.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert dialogs == []
