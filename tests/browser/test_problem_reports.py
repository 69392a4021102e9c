"""Problem reports in Debian's Chromium: the public reports from the photo page and follows the
private link; a coordinator resolves reports through each outcome in the review queue."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accountability.models import ProblemReport
from accountability.services import report_create
from faces.models import Face, Image, Takedown
from faces.services.review import face_identify
from tests.review.conftest import stored_image

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fits_a_phone(page) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} scrolls sideways on a phone ({width} px)"
    page.set_viewport_size({"width": 1280, "height": 900})


def _resolve(page, live_server, report: ProblemReport, outcome: str, reason: str) -> None:
    page.goto(f"{live_server.url}/review/departments/{report.department.slug}/reports/")
    page.get_by_role("link", name=re.compile(rf"^Report {report.pk}:")).click()
    page.wait_for_url(re.compile(rf"/review/reports/{report.pk}/$"))
    _fits_a_phone(page)
    page.get_by_label(outcome).check()
    if reason:
        page.get_by_label(re.compile("^Reason")).fill(reason)
    page.get_by_role("button", name="Resolve the report").click()
    page.wait_for_url(re.compile(r"/reports/$"))
    expect(page.locator(".messages")).to_contain_text(f"Report {report.pk} resolved.")


def test_the_public_reports_a_face_and_a_coordinator_resolves_reports_through_each_outcome(
    live_server, page, login, users, allowed_department, officer
):
    photo = stored_image(allowed_department, "obama_1.jpg", boxes=((10, 10, 60, 60), (100, 10, 60, 60)))
    identified, bystander = photo.faces.order_by("pk")
    face_identify(identified, officer=officer, actor=users["volunteer"])
    second = stored_image(allowed_department, "obama_2.jpg")
    to_take_down = stored_image(allowed_department, "biden_1.jpg")

    # An anonymous visitor reports the second face from the photo page.
    page.goto(f"{live_server.url}/images/{photo.pk}/")
    page.get_by_role("link", name="Report a problem with face 2").click()
    page.wait_for_url(re.compile(rf"/report/\?face={bystander.pk}$"))
    expect(page.locator("#report-subject")).to_have_text(f"Face 2 in photo {photo.pk}")
    _fits_a_phone(page)
    page.get_by_label("This person is not a police officer").check()
    page.get_by_label("Tell us more (optional)").fill("A passer-by, not police.")
    page.get_by_label("Your e-mail address (optional)").fill("passerby@example.org")
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_url(re.compile(r"/reports/[A-Za-z0-9_-]{40,}/$"))
    private_link = page.get_by_label("Your private link").input_value()
    assert private_link == page.url
    expect(page.locator("#report-status")).to_have_text("Open")
    _fits_a_phone(page)
    mine = ProblemReport.objects.get()
    assert (mine.face_id, mine.kind, mine.contact_email) == (bystander.pk, "not_an_officer", "passerby@example.org")

    # Three more reports, one per remaining outcome.
    wrong_officer = report_create(kind="not_this_officer", face=identified, officer=officer)
    dismiss = report_create(kind="other", image=second, message="Looks fine to me?")
    take_down = report_create(kind="shows_me", image=to_take_down, contact_email="subject@example.org")

    login(users["coordinator"])
    page.goto(f"{live_server.url}/review/")
    page.get_by_role("link", name=re.compile(r"^Reports \(4 open\)")).click()
    page.wait_for_url(re.compile(rf"/review/departments/{allowed_department.slug}/reports/$"))
    _fits_a_phone(page)

    # Dismissing needs a reason: refused without one, then done.
    page.get_by_role("link", name=re.compile(rf"^Report {dismiss.pk}:")).click()
    page.get_by_label("Dismissed").check()
    page.get_by_role("button", name="Resolve the report").click()
    expect(page.get_by_text("Say why the report is dismissed")).to_be_visible()
    _resolve(page, live_server, dismiss, "Dismissed", "Nothing wrong with this photo.")

    _resolve(page, live_server, wrong_officer, "Identification undone", "")
    assert Face.objects.get(pk=identified.pk).officer_id is None

    _resolve(page, live_server, mine, "Marked as not an officer", "Thank you, blurred now.")
    assert Face.objects.get(pk=bystander.pk).is_civilian

    _resolve(page, live_server, take_down, "Taken down", "The person asked; no officer in it.")
    assert not Image.objects.filter(pk=to_take_down.pk).exists()
    assert Takedown.objects.filter(reason="The person asked; no officer in it.").exists()
    expect(page.locator("#open-reports")).to_contain_text("No open reports.")

    # Each reporter with an address got one e-mail; the addresses are gone from the rows.
    recipients = sorted(m.to[0] for m in mail.outbox if "report" in m.subject.lower())
    assert recipients == ["passerby@example.org", "subject@example.org"]
    assert not ProblemReport.objects.exclude(contact_email="").exists()

    # The reporter follows the private link (signed out) and sees the outcome.
    page.context.clear_cookies()
    page.goto(private_link)
    expect(page.locator("#report-status")).to_have_text("Marked as not an officer")
    expect(page.locator("#report-resolution")).to_have_text("Thank you, blurred now.")
    _fits_a_phone(page)
    # And the face is blurred on the photo page: no longer listed as an officer, no report of it lost.
    page.goto(f"{live_server.url}/images/{photo.pk}/")
    expect(page.locator(".officer-line")).to_have_count(0)
