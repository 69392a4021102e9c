"""A coordinator imports a roster in a real browser, then a changed one, and reads the history."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from departments.models import Officer, RosterUpload
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# OpenOversight's download headers (mixed case, spaces), one column the roster does not know.
HEADER = [
    "Unique Identifier",
    "Last Name",
    "First Name",
    "Middle Initial",
    "Suffix",
    "Gender",
    "Race",
    "Birth Year",
    "Employment Date",
    "Badge Number",
    "Job Title",
    "Unit",
    "Most Recent Salary",
]


def officer(uid, last, first, badge, title, unit, *, middle="", suffix="", gender="", race="", born="", hired=""):
    return (uid, last, first, middle, suffix, gender, race, born, hired, badge, title, unit)


AWKWARD = [
    officer("E-1001", "Avery", "Jordan", "1001", "Officer", "Patrol Division", middle="K", gender="Male", born="1978"),
    officer("E-1002", "O'Brien", "Siobhán", "1002", "Sergeant", "Traffic", race="White", hired="7/1/2015"),
    officer("E-1003", "García-López", "María José", "1003", "Detective", "Homicide, Robbery & Burglary"),
    officer("E-1004", "Nguyen", "Thanh", "1004", "Officer", "Patrol Division", suffix="Jr.", hired="2019-03-04"),
]


def roster(rows: list[tuple[str, ...]]) -> bytes:
    """A CSV as a spreadsheet saves it: BOM, CRLF, quoted commas, a salary column we ignore."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([*row, "91000.00"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def generated_rows() -> list[tuple[str, ...]]:
    extra = [
        officer(f"E-{2000 + n}", f"Lastname{n}", f"First{n}", f"{2000 + n}", "Officer", "Patrol Division")
        for n in range(1, 21)
    ]
    return [*AWKWARD, *extra]


def upload(page, path: Path, effective: str) -> None:
    page.get_by_label("Roster file (CSV, UTF-8)").set_input_files(str(path))
    page.get_by_label("Assignment changes take effect on").fill(effective)
    page.get_by_role("button", name="Preview the changes").click()


def test_a_coordinator_imports_a_roster_then_a_change_and_sees_the_assignment_history(
    live_server, page, screenshot, login, allowed_department, tmp_path
):
    coordinator = factories.user("coordinator", role="coordinator", department=allowed_department)
    login(coordinator)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # From the dashboard to the department's roster page.
    page.goto(f"{live_server.url}/review/")
    page.get_by_role("link", name=f"Import roster of {allowed_department.name}").click()
    expect(page.get_by_role("heading", name=f"Import the roster of {allowed_department.name}")).to_be_visible()

    first = tmp_path / "springfield roster 2024.csv"
    first.write_bytes(roster(generated_rows()))
    upload(page, first, "2024-01-01")
    expect(page.get_by_role("heading", name=f"Preview: roster of {allowed_department.name}")).to_be_visible()
    expect(page.locator('[data-count="created"]')).to_have_text("24")
    expect(page.locator("#roster-unknown-columns")).to_contain_text("Most Recent Salary")
    expect(page.locator("#roster-created")).to_contain_text("Homicide, Robbery & Burglary")
    expect(page.locator("#roster-created")).to_contain_text("Siobhán")
    assert not Officer.objects.exists()  # a preview writes nothing
    screenshot("roster-preview-1280", 1280)
    screenshot("roster-preview-375", 375)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Apply this roster").click()
    expect(page.get_by_role("heading", name=f"Roster imported: {allowed_department.name}")).to_be_visible()
    expect(page.get_by_role("link", name=f"Open {allowed_department.name}")).to_be_visible()
    assert Officer.objects.filter(department=allowed_department).count() == 24

    # A year later: a promotion and a transfer.
    rows = generated_rows()
    rows[0] = (*rows[0][:10], "Sergeant", rows[0][11])
    rows[1] = (*rows[1][:11], "Internal Affairs")
    second = tmp_path / "springfield roster 2025.csv"
    second.write_bytes(roster(rows))
    page.get_by_role("link", name="Import another roster").click()
    upload(page, second, "2025-03-01")
    expect(page.locator('[data-count="updated"]')).to_have_text("2")
    expect(page.locator('[data-count="assignments"]')).to_have_text("2")
    changed = page.locator("#roster-updated")
    expect(changed).to_contain_text("Internal Affairs")
    expect(changed.locator("td.roster-before", has_text="Officer")).to_have_count(1)
    expect(changed.locator("td.roster-after", has_text="Sergeant")).to_have_count(1)
    screenshot("roster-change-preview-375", 375)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("button", name="Apply this roster").click()
    expect(page.get_by_role("heading", name=f"Roster imported: {allowed_department.name}")).to_be_visible()
    screenshot("roster-result-1280", 1280)
    screenshot("roster-result-375", 375)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert RosterUpload.objects.filter(applied_at__isnull=False).count() == 2

    # The officer page tells the story of the promotion.
    avery = Officer.objects.get(employee_id="E-1001")
    page.goto(f"{live_server.url}/officers/{avery.pk}/")
    expect(page.get_by_role("heading", name="Assignment history")).to_be_visible()
    rows_shown = page.locator("#assignments tbody tr")
    expect(rows_shown).to_have_count(2)
    expect(rows_shown.first).to_contain_text("Sergeant")
    expect(rows_shown.nth(1)).to_contain_text("Officer")
    screenshot("roster-officer-history-375", 375)
    assert dialogs == []
