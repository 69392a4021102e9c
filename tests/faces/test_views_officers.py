"""Officer profiles and "find an officer"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from departments.models import Officer
from faces.models import Face
from faces.services.review import face_identify, face_identity_restore
from tests.conftest import client_for
from tests.faces.test_views_images import gallery_officer, processed_image

ROLES = ["anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin", "disabled"]


def test_the_url_names_match_the_interface():
    assert reverse("officer_detail", args=[5]) == "/officers/5/"
    assert reverse("officer_search") == "/officers/"


@pytest.mark.parametrize("role", ROLES)
def test_everyone_may_see_an_officer_profile_and_search(users, officer, role):
    client = client_for(users[role])
    assert client.get(reverse("officer_detail", args=[officer.pk])).status_code == 200
    assert client.get(reverse("officer_search")).status_code == 200


def test_a_missing_officer_is_a_404(db):
    assert client_for(None).get("/officers/999999/").status_code == 404


def test_the_profile_shows_the_photos_and_crops_where_the_officer_appears(allowed_department):
    officer = gallery_officer(allowed_department)
    face = Face.objects.get(officer=officer)
    html = client_for(None).get(reverse("officer_detail", args=[officer.pk])).content.decode()
    assert "Barack Example" in html and "#44" in html and "Sergeant" in html
    assert f'src="/faces/{face.pk}/crop.jpg"' in html
    assert f'src="/images/{face.image_id}/public.jpg"' in html
    assert f"/images/{face.image_id}/original" not in html


def test_a_civilian_face_never_appears_on_a_profile(allowed_department, users):
    image = processed_image(allowed_department, "group_obama_biden.jpg")
    first, second = image.faces.order_by("x")
    officer = Officer.objects.create(department=allowed_department, first_name="Pat", last_name="Doe", badge_number="7")
    face_identify(first, officer=officer, actor=users["volunteer"])
    # Corrected later (an undo puts the identity back, then a new decision): a civilian after all.
    face_identity_restore(first, officer=None, civilian=True, actor=users["admin"], use_for_recognition=False)
    html = client_for(None).get(reverse("officer_detail", args=[officer.pk])).content.decode()
    assert f"/faces/{first.pk}/crop.jpg" not in html and "No confirmed photos of this officer yet." in html


def test_search_finds_officers_across_departments(allowed_department, other_department):
    Officer.objects.create(
        department=allowed_department,
        first_name="Jordan",
        last_name="Avery",
        badge_number="1001",
        rank="Sergeant",
        unit="Traffic",
    )
    Officer.objects.create(department=other_department, first_name="Jordan", last_name="Blake", badge_number="77")
    Officer.objects.create(department=other_department, first_name="Casey", last_name="Lee", badge_number="1001")
    client = client_for(None)
    html = client.get("/officers/", {"name": "jordan"}).content.decode()
    assert "Jordan Avery" in html and "Jordan Blake" in html and "Casey Lee" not in html
    assert "Springfield Police Department" in html and "Salem Police Department" in html
    html = client.get("/officers/", {"badge": "1001"}).content.decode()
    assert "Jordan Avery" in html and "Casey Lee" in html and "Jordan Blake" not in html
    html = client.get("/officers/", {"badge": "1001", "department": "salem"}).content.decode()
    assert "Casey Lee" in html and "Jordan Avery" not in html
    html = client.get("/officers/", {"rank": "sergeant", "unit": "traf"}).content.decode()
    assert "Jordan Avery" in html and "Casey Lee" not in html


def test_search_can_keep_only_officers_with_a_photo(allowed_department):
    gallery_officer(allowed_department)
    Officer.objects.create(department=allowed_department, first_name="Barack", last_name="Nophoto", badge_number="2")
    html = client_for(None).get("/officers/", {"name": "barack", "has_photo": "on"}).content.decode()
    assert "Barack Example" in html and "Barack Nophoto" not in html


def test_an_empty_search_shows_only_the_form(officer):
    html = client_for(None).get("/officers/").content.decode()
    assert "Find an officer" in html and "Jordan Avery" not in html


@pytest.mark.parametrize(
    "params",
    [
        {"name": "x" * 5000},
        {"department": "no-such-dept"},
        {"page": "abc"},
        {"page": "-1"},
        {"page": "99999"},
        {"name": "'; DROP TABLE departments_officer; --"},
        {"badge": "\x00"},
        {"has_photo": "maybe"},
    ],
)
def test_hostile_search_input_never_breaks_the_page(officer, params):
    response = client_for(None).get("/officers/", params)
    # A NUL byte is refused before any view runs (oversight.middleware_nul).
    assert response.status_code == (400 if any("\x00" in value for value in params.values()) else 200)
    assert Officer.objects.filter(pk=officer.pk).exists()
