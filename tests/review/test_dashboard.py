"""Dashboard queues and progress, the leaderboard, and the private photo views."""

from __future__ import annotations

import pytest
from django.urls import reverse

from faces.services.review import face_identify, image_sort
from tests.conftest import client_for
from tests.review.conftest import stored_image


def test_the_dashboard_counts_each_departments_queues(users, allowed_department, other_department):
    stored_image(allowed_department)
    stored_image(allowed_department)
    stored_image(other_department, boxes=[(10, 10, 60, 60), (100, 10, 60, 60)], contains_officers=True)
    stored_image(other_department, contains_officers=False)  # sorted as officer-free: its face needs nobody
    page = client_for(users["volunteer"]).get(reverse("review_dashboard")).content.decode()
    assert "Sort 2" in page and "Identify 2" in page
    assert reverse("review_sort_next", args=[allowed_department.slug]) in page
    assert reverse("review_identify_next", args=[other_department.slug]) in page
    assert "Nothing to sort" in page


def test_the_dashboard_shows_the_volunteers_own_progress(users, allowed_department):
    for _ in range(3):
        image_sort(stored_image(allowed_department), contains_officers=True, actor=users["volunteer"])
    face = stored_image(allowed_department, contains_officers=True).faces.get()
    face_identify(face, officer=None, civilian=True, actor=users["volunteer"])
    image_sort(stored_image(allowed_department), contains_officers=True, actor=users["admin"])
    page = client_for(users["volunteer"]).get(reverse("review_dashboard")).content.decode()
    assert "<strong>3</strong> photos sorted today (3 in all)" in page
    assert "<strong>1</strong> faces identified today (1 in all)" in page


def test_the_leaderboard_counts_decisions_not_uploads(users, allowed_department):
    for _ in range(2):
        stored_image(allowed_department, uploaded_by=users["coordinator"])  # uploads count for nothing
    for _ in range(2):
        image_sort(stored_image(allowed_department), contains_officers=True, actor=users["volunteer"])
    image_sort(stored_image(allowed_department), contains_officers=False, actor=users["admin"])
    page = client_for(users["volunteer"]).get(reverse("review_leaderboard")).content.decode()
    assert "volunteer — 2 photos" in page and "administrator — 1 photo" in page
    assert "coordinator" not in page.split("Top sorters")[1]


def test_the_photo_and_face_crop_are_served_privately_to_reviewers(users, scene):
    client = client_for(users["volunteer"])
    photo = client.get(reverse("review_image_photo", args=[scene["to_sort"].pk]))
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert "private" in photo["Cache-Control"]
    assert b"".join(photo.streaming_content)[:2] == b"\xff\xd8"
    crop = client.get(reverse("review_face_crop", args=[scene["face"].pk]))
    assert crop.status_code == 200 and crop.content[:2] == b"\xff\xd8" and "private" in crop["Cache-Control"]


def test_the_sort_page_shows_boxes_and_hints_as_hints(users, allowed_department):
    image = stored_image(
        allowed_department,
        boxes=[(10, 10, 60, 60), (100, 20, 50, 50)],
        labels={"people_count": 3, "face_count": 2, "likely_officers": None},
    )
    page = client_for(users["volunteer"]).get(reverse("review_sort", args=[image.pk])).content.decode()
    assert '<rect x="100" y="20" width="50" height="50"' in page
    assert "3 standing people detected" in page and "Only hints" in page
    assert 'data-key="y"' in page and 'data-key="n"' in page and 'data-key="s"' in page


def test_the_sort_page_works_before_the_labels_arrive_and_says_they_are_coming(users, allowed_department):
    image = stored_image(allowed_department, boxes=[(10, 10, 60, 60)])
    assert image.labels == {}
    page = client_for(users["volunteer"]).get(reverse("review_sort", args=[image.pk])).content.decode()
    assert "1 face box found" in page and "has not finished with this photo yet" in page
    assert "standing" not in page and 'data-key="y"' in page


def test_review_pages_carry_no_inline_script_or_style(users, scene):
    client = client_for(users["admin"])
    for url in (
        reverse("review_dashboard"),
        reverse("review_sort", args=[scene["to_sort"].pk]),
        reverse("review_identify", args=[scene["face"].pk]),
        reverse("review_jurisdictions"),
        reverse("review_gallery", args=[scene["officer"].pk]),
        reverse("review_decisions"),
        reverse("review_leaderboard"),
    ):
        page = client.get(url).content.decode()
        assert "style=" not in page and "<script>" not in page and "onclick" not in page, url


def test_the_records_links_show_only_for_the_departments_the_person_edits(users, allowed_department, other_department):
    page = client_for(users["coordinator"]).get(reverse("review_dashboard")).content.decode()
    assert reverse("review_record_incidents", args=[allowed_department.slug]) in page
    assert reverse("review_record_incidents", args=[other_department.slug]) not in page
    admin_page = client_for(users["admin"]).get(reverse("review_dashboard")).content.decode()
    assert reverse("review_record_incidents", args=[other_department.slug]) in admin_page


@pytest.mark.parametrize(("role", "columns"), [("volunteer", 5), ("coordinator", 6)])
def test_the_no_departments_row_spans_every_column(users, monkeypatch, role, columns):
    from departments.models import Department
    from review import selectors

    monkeypatch.setattr(selectors, "department_queues", Department.objects.none)
    page = client_for(users[role]).get(reverse("review_dashboard")).content.decode()
    head = page.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert head.count("<th") == columns
    assert f'<td colspan="{columns}">No departments yet.</td>' in page
