"""The transparency pages and API count what really happened, month by month, and name nobody.

The `activity` fixture drives the real services (uploads through the worker's pipeline on
real photos, identifications, confirmations, an undo, problem reports, a flag change and a
gate audit); every number on the page, in the JSON and in the CSV is then checked.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accountability.api_transparency import CSV_COLUMNS
from accountability.models import ProblemReport
from accountability.selectors_transparency import MEASURES, MONTHS, month_starts, transparency_report
from accountability.services import report_close, report_create
from departments.models import JurisdictionRule
from faces.models import Decision, Face, Image, MatchSuggestion
from faces.services.gate_audit import gate_audit_run
from faces.services.recognition import department_set_recognition
from faces.services.review import face_identify, suggestion_confirm, suggestion_reject
from faces.services.takedown import CARRIED_MEASURES, image_takedown, image_takedown_by_site
from review.services.undo import decision_undo
from tests import factories
from tests.conftest import client_for

ZERO = {m.key: 0 for m in MEASURES}
SECRET_WORDS = ("reviewer_quinn", "uploader_zed", "chief_morgan", "fixer_lee", "@example.", "Alice Civilian", ".jpg")


@pytest.fixture
def people(db, allowed_department):
    return {
        "volunteer": factories.user("reviewer_quinn", role="volunteer"),
        "uploader": factories.user("uploader_zed"),
        "coordinator": factories.user("fixer_lee", role="coordinator", department=allowed_department),
        "admin": factories.user("chief_morgan", role="administrator"),
    }


@pytest.fixture
def activity(people, allowed_department, illinois_department, other_department, officer):
    """What a month of the site looks like, through the services that do it for real."""
    obama = factories.gallery_officer(allowed_department, "obama_1.jpg", last_name="Gallery", badge_number="2001")
    biden = factories.gallery_officer(allowed_department, "biden_1.jpg", last_name="Second", badge_number="2002")
    up = people["uploader"]
    probe_yes = factories.image(allowed_department, "obama_2.jpg", uploader=up, processed=True).faces.get()
    probe_no = factories.image(allowed_department, "biden_2.jpg", uploader=up, processed=True).faces.get()
    suggestion_confirm(probe_yes.suggestions.get(officer=obama), actor=people["volunteer"])
    suggestion_reject(probe_no.suggestions.get(officer=biden), actor=people["volunteer"])
    # An identification made by hand, then undone by the department's coordinator.
    mistaken = factories.image(allowed_department, "kit_harington_1.jpg", uploader=up, processed=True).faces.get()
    face_identify(mistaken, officer=officer, actor=people["volunteer"])
    decision_undo(Decision.objects.filter(face=mistaken).latest("pk"), actor=people["coordinator"])
    # Illinois: the state rule keeps the face from any comparison (a refusal by the gate).
    refused = factories.image(illinois_department, "rose_leslie_1.jpg", uploader=up, processed=True).faces.get()
    assert refused.embedding is None
    # Two reports about the probe: one still open, one dismissed.
    report_create(kind="not_this_officer", face=probe_yes, message="Alice Civilian", contact_email="a@example.net")
    dismissed = report_create(kind="other", image=probe_no.image, contact_email="b@example.net")
    report_close(dismissed, status=ProblemReport.Status.DISMISSED, resolution="Checked", actor=people["coordinator"])
    department_set_recognition(other_department, allowed=False, actor=people["admin"], reason="Council vote 5-2")
    gate_audit_run()


def expected(**counts: int) -> dict[str, int]:
    return {**ZERO, **counts}


SPRINGFIELD = expected(
    photos_processed=5,
    faces_processed=5,
    searches_run=5,
    suggestions_confirmed=1,
    suggestions_rejected=1,
    identifications_undone=1,
    reports_received=2,
    reports_dismissed=1,
)
CHICAGO = expected(photos_processed=1, faces_processed=1, searches_refused=1)
SITE = {key: SPRINGFIELD[key] + CHICAGO[key] for key in ZERO}


def this_month() -> str:
    return timezone.now().strftime("%Y-%m")


def _page_months(html: str) -> dict[str, dict[str, int]]:
    rows = re.findall(r'<tr data-month="(\d{4}-\d{2})">(.*?)</tr>', html, re.S)
    return {
        month: dict(zip(ZERO, map(int, re.findall(r"<td>(\d+)</td>", cells)), strict=True)) for month, cells in rows
    }


@pytest.mark.parametrize(
    ("which", "counts"), [("site", SITE), ("springfield", SPRINGFIELD), ("chicago", CHICAGO)], ids=str
)
def test_the_page_shows_every_count_of_the_activity_in_this_month_and_zero_in_the_others(
    client, activity, which, counts
):
    url = reverse("transparency") if which == "site" else reverse("department_transparency", args=[which])
    html = client.get(url).content.decode()
    months = _page_months(html)
    assert len(months) == MONTHS
    assert months.pop(this_month()) == counts
    assert all(row == ZERO for row in months.values())
    for key, value in counts.items():
        assert f'<dd id="total-{key}">{value}</dd>' in html
    tfoot = re.search(r"<tfoot>(.*?)</tfoot>", html, re.S)
    assert tfoot and [int(n) for n in re.findall(r"<td>(\d+)</td>", tfoot.group(1))] == list(counts.values())


def test_the_page_shows_the_measured_precision_of_suggestions(client, activity):
    html = client.get(reverse("department_transparency", args=["springfield"])).content.decode()
    assert "Measured precision of suggestions: <strong>50.0%</strong>" in html
    html = client.get(reverse("department_transparency", args=["chicago"])).content.decode()
    assert "no measured precision" in html


def test_the_json_carries_the_same_counts_the_status_the_changes_and_the_rules(client, activity, people):
    body = client.get(reverse("transparency_api")).json()
    months = {row["month"][:7]: {k: v for k, v in row.items() if k != "month"} for row in body["months"]}
    assert len(months) == MONTHS and months.pop(this_month()) == SITE
    assert all(row == ZERO for row in months.values())
    assert body["totals"] == SITE
    assert body["precision"] == 0.5
    assert body["department"] is None
    # springfield on; chicago (state rule), salem (just turned off) off.
    assert (body["recognition_on"], body["departments_on"], body["departments_total"]) == (True, 1, 3)
    [change] = body["changes"]
    assert change["department"] == "Salem Police Department" and change["turned_on"] is False
    assert change["reason"] == "Council vote 5-2" and change["role"] == "Administrator"
    illinois = next(rule for rule in body["rules"] if rule["state"] == "IL")
    assert illinois["recognition_forbidden"] is True
    assert illinois["legal_text"] == JurisdictionRule.objects.get(state="IL").legal_reason
    assert body["gate_audit"]["violations"] == 0 and body["gate_audit"]["fixed"] == 0


def test_a_departments_json_is_that_departments_alone(client, activity, illinois_department):
    body = client.get(reverse("department_transparency_api", args=[illinois_department.pk])).json()
    assert body["department"] == {"id": illinois_department.pk, "name": "Chicago Police Department",
                                  "slug": "chicago", "state": "IL"}  # fmt: skip
    assert body["totals"] == CHICAGO and body["precision"] is None
    assert (body["recognition_on"], body["departments_on"], body["departments_total"]) == (False, 0, 1)
    assert body["changes"] == [] and [rule["state"] for rule in body["rules"]] == ["IL"]


@pytest.mark.parametrize("suffix", ["?format=csv", ""])
def test_the_csv_has_one_row_per_month_with_the_same_counts(client, activity, allowed_department, suffix):
    url = reverse("department_transparency_api", args=[allowed_department.pk]) + suffix
    response = client.get(url, HTTP_ACCEPT="text/csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == CSV_COLUMNS and len(rows) == MONTHS + 1
    by_month = {row[0][:7]: dict(zip(CSV_COLUMNS[1:], map(int, row[1:]), strict=True)) for row in rows[1:]}
    assert by_month.pop(this_month()) == SPRINGFIELD
    assert all(row == ZERO for row in by_month.values())
    assert [row[0][:7] for row in rows[1:]] == [m.strftime("%Y-%m") for m in month_starts(timezone.now())]


def test_no_name_address_file_name_or_message_appears_anywhere(client, activity, allowed_department):
    urls = [
        reverse("transparency"),
        reverse("department_transparency", args=["springfield"]),
        reverse("transparency_api"),
        reverse("transparency_api") + "?format=csv",
        reverse("department_transparency_api", args=[allowed_department.pk]),
    ]
    for url in urls:
        text = client.get(url).content.decode()
        for word in SECRET_WORDS:
            assert word not in text, (url, word)


def test_the_chart_is_valid_svg_with_a_title_a_description_and_a_line_per_series(client, activity):
    html = client.get(reverse("transparency")).content.decode()
    svg = ET.fromstring(re.search(r"<svg class=\"chart\".*?</svg>", html, re.S).group(0))
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert "Activity by month" in svg.find("s:title", ns).text
    assert "every number" in svg.find("s:desc", ns).text
    lines = svg.findall("s:polyline", ns)
    assert len(lines) == 7 and all(len(line.get("points").split()) == MONTHS for line in lines)
    assert svg.get("viewBox") and svg.get("width") == "100%"
    assert "<script" not in html.split('<main id="main">')[1]


ROLES = ["anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin", "disabled"]


@pytest.mark.parametrize("role", ROLES)
def test_everyone_may_read_every_transparency_page_and_endpoint(users, allowed_department, role):
    client = client_for(users[role])
    for url in [
        reverse("transparency"),
        reverse("department_transparency", args=[allowed_department.slug]),
        reverse("transparency_api"),
        reverse("department_transparency_api", args=[allowed_department.pk]),
        reverse("department_transparency_api", args=[allowed_department.pk]) + "?format=csv",
    ]:
        assert client.get(url).status_code == 200, url


def test_an_unknown_department_is_not_found_in_every_format(client, db):
    assert client.get(reverse("department_transparency", args=["nowhere"])).status_code == 404
    assert client.get(reverse("department_transparency_api", args=[999999])).status_code == 404
    assert client.get(reverse("department_transparency_api", args=[999999]) + "?format=csv").status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_the_pages_and_endpoints_only_read(client, allowed_department, method):
    for url in [reverse("transparency"), reverse("transparency_api")]:
        assert getattr(client, method)(url).status_code == 405


def test_the_api_answers_are_cacheable_for_a_minute(client, db):
    response = client.get(reverse("transparency_api"))
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]


def test_the_report_takes_a_handful_of_queries_whatever_the_activity(activity, allowed_department,
                                                                      django_assert_max_num_queries):  # fmt: skip
    with django_assert_max_num_queries(16):
        transparency_report()
    with django_assert_max_num_queries(16):
        transparency_report(allowed_department)


def test_months_without_activity_are_listed_and_counted_in_utc(db):
    # 23:30 UTC on 31 January is already February east of Greenwich: the months stay UTC's.
    starts = month_starts(datetime.datetime(2026, 1, 31, 23, 30, tzinfo=datetime.UTC))
    assert len(starts) == MONTHS and starts[-1].isoformat() == "2026-01-01" and starts[0].isoformat() == "2024-02-01"
    report = transparency_report()
    assert [row.counts for row in report.months] == [ZERO] * MONTHS and report.precision is None


def test_taking_photos_down_leaves_a_past_months_counts_as_they_were(
    activity, people, allowed_department, django_capture_on_commit_callbacks
):
    # The confirmed probe and the photo whose identification was undone, processed and decided last month.
    confirmed = Image.objects.get(faces__suggestions__status=MatchSuggestion.Status.CONFIRMED)
    undone = Image.objects.get(faces__decisions__undone_at__isnull=False)
    last_month = month_starts(timezone.now())[-2]
    moment = datetime.datetime(last_month.year, last_month.month, 15, 12, tzinfo=datetime.UTC)
    photos = [confirmed.pk, undone.pk]
    Image.objects.filter(pk__in=photos).update(processed_at=moment)
    Face.objects.filter(image__in=photos).update(processed_at=moment)
    MatchSuggestion.objects.filter(face__image__in=photos, decided_at__isnull=False).update(decided_at=moment)
    Decision.objects.filter(face__image__in=photos, undone_at__isnull=False).update(undone_at=moment)
    before = {scope: transparency_report(scope).months for scope in (None, allowed_department)}
    assert before[allowed_department][-2].counts["photos_processed"] == 2

    with django_capture_on_commit_callbacks(execute=True):
        for image in (confirmed, undone):
            image_takedown(image, actor=people["admin"], reason="Asked by the person in it")

    for scope, months in before.items():
        after = transparency_report(scope).months
        assert after[-2] == months[-2]  # photos and faces processed, confirmed, undone: all still there
        assert after[-1].counts == {**months[-1].counts, "photos_taken_down": 2}


def test_every_count_a_takedown_keeps_is_a_measure_of_the_report():
    assert set(CARRIED_MEASURES) <= {m.key for m in MEASURES}


def test_a_flood_of_page_requests_runs_the_reports_queries_once_a_minute(
    client, activity, allowed_department, django_assert_max_num_queries
):
    site, springfield = reverse("transparency"), reverse("department_transparency", args=["springfield"])
    first = {url: client.get(url).content.decode() for url in (site, springfield)}
    report_create(kind="other", image=Image.objects.filter(department=allowed_department).first())
    with django_assert_max_num_queries(1):  # the department, by its slug
        again = {url: client.get(url).content.decode() for url in (site, springfield)}
    assert {url: _page_months(html) for url, html in again.items()} == {
        url: _page_months(html) for url, html in first.items()
    }
    cache.clear()  # a minute later
    fresh = _page_months(client.get(springfield).content.decode())
    assert fresh[this_month()]["reports_received"] == SPRINGFIELD["reports_received"] + 1


def test_a_department_page_says_the_gate_audit_is_site_wide(client, allowed_department):
    gate_audit_run()
    audit = re.compile(r'<p id="gate-audit">(.*?)</p>', re.S)
    department = audit.search(client.get(reverse("department_transparency", args=["springfield"])).content.decode())
    site = audit.search(client.get(reverse("transparency")).content.decode())
    assert department and "site-wide" in department.group(1)
    assert site and "site-wide" not in site.group(1)


def test_a_processed_video_counts_once_and_its_frames_not_as_photos(allowed_department, officer):
    from tests.videos import sequences as make

    video = make.video(allowed_department, processed_at=timezone.now())
    make.sequence(of_video=video)  # two best frames, each kept as a photo with one face
    stills = Image.objects.filter(faces__video_still__sequence__video=video)
    stills.update(processed_at=timezone.now())
    Face.objects.filter(image__in=stills).update(processed_at=timezone.now())
    factories.image(department=allowed_department, status=Image.Status.DONE, processed_at=timezone.now())

    totals = transparency_report(allowed_department).totals
    assert (totals["videos_processed"], totals["photos_processed"], totals["faces_processed"]) == (1, 1, 2)

    image_takedown_by_site(stills.first(), reason="A frame of the video shows a bystander.")
    totals = transparency_report(allowed_department).totals
    assert (totals["photos_processed"], totals["photos_taken_down"]) == (1, 0)  # a frame, not a photo


def test_a_video_taken_down_counts_once_as_a_video_taken_down_and_stays_in_its_month(
    allowed_department, people, django_capture_on_commit_callbacks
):
    from tests.videos import sequences as make
    from videos.services.takedown import video_takedown

    last_month = month_starts(timezone.now())[-2]
    moment = datetime.datetime(last_month.year, last_month.month, 15, 12, tzinfo=datetime.UTC)
    video = make.video(allowed_department, processed_at=moment)
    make.sequence(of_video=video)
    stills = Image.objects.filter(faces__video_still__sequence__video=video)
    stills.update(processed_at=moment)
    Face.objects.filter(image__in=stills).update(processed_at=moment)
    before = transparency_report(allowed_department).months
    assert (before[-2].counts["videos_processed"], before[-2].counts["faces_processed"]) == (1, 2)

    with django_capture_on_commit_callbacks(execute=True):
        video_takedown(video, actor=people["admin"], reason="The person filmed asked")

    after = transparency_report(allowed_department).months
    assert after[-2] == before[-2]  # the video and its faces processed last month: still counted
    assert after[-1].counts == {**before[-1].counts, "videos_taken_down": 1}  # not two photos taken down
