"""Officer profiles and "find an officer"."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from departments.models import Department, Officer
from faces.models import Face
from faces.services.review import face_identify, face_identity_restore
from tests import factories
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


# --- The officer record on the profile -----------------------------------------------------------
def officer_page(officer, user=None) -> str:
    response = client_for(user).get(reverse("officer_detail", args=[officer.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_profile_shows_the_assignment_history_current_first(allowed_department):
    officer = factories.officer_with_history(allowed_department, badge_number="B1")
    html = officer_page(officer)
    assert "Assignment history" in html
    current, earlier = html.index("#B1S"), html.index("#B1</td>")
    assert current < earlier
    assert "Traffic Unit" in html and "Patrol Division" in html
    assert "15 Jun 2021" in html and "1 Mar 2015" in html and "<strong>current</strong>" in html


def test_the_profile_shows_employment_dates_and_the_roster_stated_fields_labelled_as_such(officer):
    Officer.objects.filter(pk=officer.pk).update(
        employment_date=datetime.date(2009, 4, 1), gender="Male", race="Asian", birth_year=1975, middle_name="Lee"
    )
    html = officer_page(officer)
    assert "Employed since" in html and "1 Apr 2009" in html
    assert "As published on the department's roster" in html
    assert "Asian" in html and "1975" in html and "Jordan Lee Avery" in html


def test_an_officer_with_no_roster_demographics_has_no_such_section(officer):
    assert "roster-stated" not in officer_page(officer)


def test_the_profile_shows_salaries_incidents_and_links(officer):
    factories.salary(officer, year=2022, salary="91234.50", overtime_pay=Decimal("1200"))
    incident = factories.incident(officer.department, officers=[officer], description="Traffic stop on Elm")
    factories.link(incident=incident, title="Bodycam footage", url="https://video.example.org/1", kind="video")
    factories.link(officer=officer, title="Court filing", url="http://court.example.org/c/2", kind="court_record")
    html = officer_page(officer)
    assert "$91,234.50" in html and "$1,200.00" in html
    assert "Traffic stop on Elm" in html and incident.report_number in html
    assert '<a href="https://video.example.org/1" rel="nofollow noopener noreferrer"' in html
    assert 'target="_blank">Bodycam footage</a>' in html
    assert "Court record" in html and 'href="http://court.example.org/c/2"' in html


def test_the_profile_escapes_hostile_titles_and_descriptions(officer):
    incident = factories.incident(
        officer.department, officers=[officer], description="<img src=x onerror=alert(1)>", location="<b>x</b>"
    )
    factories.link(incident=incident, title="<script>alert('incident')</script>")
    factories.link(officer=officer, title='"><script>alert(1)</script>')
    html = officer_page(officer)
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>x</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_profile_and_the_photo_page_show_how_to_file_a_complaint(officer):
    Department.objects.filter(pk=officer.department_id).update(
        complaint_url="https://springfield.example.org/complaints",
        complaint_instructions="Call 555-0100 or <b>file</b> online.",
    )
    html = officer_page(officer)
    assert "File a complaint" in html
    assert 'href="https://springfield.example.org/complaints" rel="nofollow noopener"' in html
    assert "Call 555-0100 or &lt;b&gt;file&lt;/b&gt; online." in html
    image = processed_image(officer.department, "obama_2.jpg")
    photo = client_for(None).get(reverse("image_detail", args=[image.pk])).content.decode()
    assert 'href="https://springfield.example.org/complaints"' in photo


def test_a_department_without_a_complaint_path_shows_no_box(officer):
    assert "File a complaint" not in officer_page(officer)


@pytest.mark.parametrize(
    "role,sees",
    [("anonymous", False), ("volunteer", False), ("coordinator", True), ("other_coordinator", False), ("admin", True)],
)
def test_only_staff_editors_of_the_department_see_the_admin_edit_link(users, officer, role, sees):
    user = users[role]
    if user is not None:
        # The link opens the Django admin: give everyone staff access, so only the role decides.
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    html = officer_page(officer, user)
    assert (f'href="/admin/departments/officer/{officer.pk}/change/"' in html) is sees


def test_an_editor_without_admin_access_gets_no_link_to_the_admin(users, officer):
    html = officer_page(officer, users["coordinator"])
    assert "/admin/departments/officer/" not in html


def test_the_api_officer_detail_carries_the_public_record_and_nothing_private(allowed_department, users):
    officer = factories.officer_with_history(allowed_department, badge_number="B7", employee_id="E-7", race="Black")
    incident = factories.incident(allowed_department, officers=[officer])
    factories.link(incident=incident, title="Video", added_by=users["coordinator"])
    factories.link(officer=officer, title="News", added_by=users["coordinator"])
    factories.salary(officer, year=2023, salary="80000.00")
    data = client_for(None).get(f"/api/v1/officers/{officer.pk}/").json()
    assert data["badge_number"] == "B7S" and data["race"] == "Black" and data["employee_id"] == "E-7"
    assert data["current_assignment"] == {
        "badge_number": "B7S",
        "rank": "Sergeant",
        "unit": "Traffic Unit",
        "start_date": "2021-06-15",
        "end_date": None,
    }
    assert [a["badge_number"] for a in data["assignments"]] == ["B7S", "B7"]
    assert data["incidents"][0]["report_number"] == incident.report_number
    assert data["incidents"][0]["links"][0]["title"] == "Video"
    assert [link["title"] for link in data["links"]] == ["News"]
    assert data["salaries"] == [{"year": 2023, "is_fiscal_year": False, "salary": "80000.00", "overtime_pay": None}]
    assert "added_by" not in str(data) and "coordinator" not in str(data)
