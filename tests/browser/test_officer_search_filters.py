"""Find an officer in a browser: the filters at desktop and phone widths, with screenshots."""

from __future__ import annotations

import datetime

import pytest

from departments.models import Department
from tests import factories
from tests.browser.test_public_site import console_errors, no_horizontal_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _roster(department: Department) -> None:
    for n, (gender, race, year) in enumerate([("Female", "White", 1980), ("Male", "Black", 1995)] * 3):
        factories.officer(
            department,
            first_name=f"Pat{n}",
            last_name="Example",
            badge_number=f"10{n}",
            rank="Sergeant" if n % 2 else "Officer",
            unit="Patrol North" if n % 2 else "Detectives",
            gender=gender,
            race=race,
            birth_year=year,
            employment_date=datetime.date(2005 + n, 1, 1),
        )


def test_the_search_filters_fit_desktop_and_phone(page, live_server, screenshot, allowed_department):
    _roster(allowed_department)
    errors = console_errors(page)
    page.goto(
        f"{live_server.url}/officers/?department={allowed_department.slug}&gender=Female&min_age=20&max_age=70"
        "&employed_from=2000-01-01"
    )
    assert "Results (3)" in page.inner_text("body")
    assert page.locator("#id_unit").evaluate("e => e.tagName") == "SELECT"  # a department is chosen
    for width in (1280, 375):
        screenshot(f"officer-search-filters-{width}", width)
        assert no_horizontal_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.fill("#id_min_age", "70")
    page.fill("#id_max_age", "20")
    page.click("form.filters button[type=submit]")
    assert "The upper age must not be below the lower one." in page.inner_text("form.filters")
    screenshot("officer-search-filters-error-375", 375)
    assert no_horizontal_scroll(page)
    assert not errors, errors
