"""The officer page puts the officer's public photos on a timeline by the date they were taken."""

from __future__ import annotations

import datetime
import re

from django.urls import reverse

from faces.selectors_timeline import officer_photo_timeline
from faces.services.review import face_identify
from tests import factories
from tests.conftest import client_for
from tests.review.conftest import stored_image


def _photo_of(officer, name: str, taken_at: datetime.datetime | None, *, civilian: bool = False):
    image = stored_image(officer.department, name, contains_officers=True, taken_at=taken_at)
    face_identify(image.faces.get(), officer=None if civilian else officer, civilian=civilian, actor=None)
    return image


def at(year: int, month: int, day: int = 15) -> datetime.datetime:
    return datetime.datetime(year, month, day, 12, tzinfo=datetime.UTC)


def test_photos_are_grouped_by_month_taken_newest_first_and_undated_ones_come_last(officer):
    undated = _photo_of(officer, "obama_1.jpg", None)
    old = _photo_of(officer, "obama_2.jpg", at(2019, 3))
    new_a = _photo_of(officer, "biden_1.jpg", at(2024, 7, 2))
    new_b = _photo_of(officer, "biden_2.jpg", at(2024, 7, 28))
    groups = officer_photo_timeline(officer)
    assert [g.month for g in groups] == [datetime.date(2024, 7, 1), datetime.date(2019, 3, 1), None]
    assert [[i.pk for i in g.images] for g in groups] == [[new_b.pk, new_a.pk], [old.pk], [undated.pk]]


def test_the_page_shows_the_timeline_in_order_with_a_date_unknown_group_at_the_end(officer):
    _photo_of(officer, "obama_1.jpg", None)
    _photo_of(officer, "obama_2.jpg", at(2019, 3))
    _photo_of(officer, "biden_1.jpg", at(2024, 7))
    html = client_for(None).get(reverse("officer_detail", args=[officer.pk])).content.decode()
    timeline = html.split('id="photo-timeline"')[1]
    headings = re.findall(r"<h3>(?:<time[^>]*>)?([^<(]+?)(?:</time>)? <small>\((\d+)\)</small></h3>", timeline)
    assert headings == [("July 2024", "1"), ("March 2019", "1"), ("Date unknown", "1")]
    assert '<time datetime="2024-07">' in timeline


def test_a_photo_where_the_face_is_a_civilian_or_another_officer_is_not_on_the_timeline(officer, allowed_department):
    _photo_of(officer, "obama_1.jpg", at(2020, 1), civilian=True)
    colleague = factories.officer(allowed_department, badge_number="7777")
    _photo_of(colleague, "biden_1.jpg", at(2020, 2))
    assert officer_photo_timeline(officer) == []
    html = client_for(None).get(reverse("officer_detail", args=[officer.pk])).content.decode()
    assert "None yet." in html.split('id="photo-timeline"')[1]


def test_the_assignments_and_incidents_stay_on_the_page_beside_the_timeline(officer, allowed_department):
    factories.assignment(officer, unit="Harbor", start_date=datetime.date(2018, 1, 1))
    factories.incident(allowed_department, officers=[officer], date=datetime.date(2021, 5, 4), location="Elm St")
    _photo_of(officer, "obama_1.jpg", at(2021, 5))
    html = client_for(None).get(reverse("officer_detail", args=[officer.pk])).content.decode()
    assert 'id="assignments"' in html and 'id="incidents"' in html and "Elm St" in html and "Harbor" in html
    assert 'id="photo-timeline"' in html
