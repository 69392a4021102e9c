"""A coordinator edits the officer record in a real browser; the public sees the result."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from departments.services import SYSTEM, assignment_start
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_records_an_incident_and_a_promotion_and_the_public_page_shows_them(
    live_server, page, screenshot, login, users, allowed_department
):
    avery = factories.officer(allowed_department, first_name="Jordan", last_name="Avery", badge_number="1001")
    okafor = factories.officer(allowed_department, first_name="Sam", last_name="Okafor", badge_number="1002")
    assignment_start(
        avery, badge_number="1001", rank="Officer", unit="Patrol", start_date=datetime.date(2015, 3, 1), actor=SYSTEM
    )
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    login(users["coordinator"])

    # From the department's public page to its incidents, then a new incident with two officers.
    page.goto(f"{live_server.url}/departments/{allowed_department.slug}/")
    page.get_by_role("link", name="Edit incidents").click()
    page.get_by_role("link", name="Add an incident").first.click()
    page.get_by_label("Date").fill("2024-04-12")
    page.get_by_label("Location").fill("Elm Street and 5th Avenue")
    page.get_by_label("Report or case number").fill("RD-2024-0412")
    page.get_by_label("Description").fill("Traffic stop that led to a use-of-force complaint.")
    page.get_by_label("Officers involved").fill("1001, 1002")
    page.get_by_role("button", name="Add the incident").click()
    page.wait_for_url(re.compile(r"/review/incidents/\d+/$"))
    expect(page.locator("#officers")).to_contain_text("Avery")
    expect(page.locator("#officers")).to_contain_text("Okafor")

    # A news link on the incident; a javascript: address would be refused on the form.
    page.get_by_label("Title").fill("<b>Local paper</b>: questions after the Elm Street stop")
    page.get_by_label("Address (http or https)").fill("javascript:alert(1)")
    page.get_by_role("button", name="Add the link").click()
    expect(page.get_by_text("Only http and https addresses are allowed")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("<b>Local paper</b>: questions after the Elm Street stop")
    page.get_by_label("Address (http or https)").fill("https://news.example.org/2024/04/elm-street-stop")
    page.get_by_role("button", name="Add the link").click()
    expect(page.locator("#links")).to_contain_text("<b>Local paper</b>: questions after the Elm Street stop")
    screenshot("record-incident-1280", 1280)
    screenshot("record-incident-375", 375)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 900})

    # Avery's promotion, from the public officer page's "Edit record" link.
    page.goto(f"{live_server.url}/officers/{avery.pk}/")
    page.get_by_role("link", name="Edit record").click()
    page.wait_for_url(re.compile(rf"/review/officers/{avery.pk}/record/$"))
    form = page.locator("#assignment-form")
    form.get_by_label("Rank").fill("Sergeant")
    form.get_by_label("Unit").fill("Traffic Unit")
    form.get_by_label("Starts on").fill("2024-06-01")
    form.get_by_role("button", name="Start the assignment").click()
    expect(page.locator("#assignments tbody tr")).to_have_count(2)
    expect(page.locator("#assignments tbody tr").first).to_contain_text("Sergeant")
    screenshot("record-officer-1280", 1280)
    screenshot("record-officer-375", 375)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 900})

    # The public sees all of it (the session dropped: an anonymous visitor).
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/officers/{avery.pk}/")
    expect(page.locator("#incidents")).to_contain_text("Elm Street and 5th Avenue")
    link = page.locator("#incidents a[href^='https://news.example.org']")
    expect(link).to_have_text("<b>Local paper</b>: questions after the Elm Street stop")
    assert set((link.get_attribute("rel") or "").split()) >= {"noopener", "noreferrer", "nofollow"}
    rows = page.locator("#assignments tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Sergeant")
    expect(rows.first).to_contain_text("current")
    expect(rows.nth(1)).to_contain_text("Patrol")
    expect(page.locator("#edit-record")).to_have_count(0)
    screenshot("record-public-officer-1280", 1280)
    screenshot("record-public-officer-375", 375)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("link", name=re.compile("Elm Street and 5th Avenue")).click()
    page.wait_for_url(re.compile(r"/incidents/\d+/$"))
    expect(page.locator("#officers")).to_contain_text("Okafor")
    screenshot("record-public-incident-375", 375)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert okafor.incidents.count() == 1
    assert dialogs == []


@pytest.mark.parametrize("path", ["/review/", "/review/departments/{slug}/incidents/"])
def test_the_record_tables_scroll_inside_themselves_on_a_phone(
    live_server, page, login, users, allowed_department, path
):
    # Their visually-hidden link labels (position: absolute) used to widen the page to ~500 px.
    avery = factories.officer(allowed_department, last_name="Avery")
    factories.incident(allowed_department, officers=[avery], location="Elm Street and 5th Avenue")
    login(users["admin"])
    page.set_viewport_size({"width": 375, "height": 900})
    page.goto(live_server.url + path.format(slug=allowed_department.slug))
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
