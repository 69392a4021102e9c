"""The photo page, its live status JSON, the public rendition and the volunteers' original."""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image as PILImage

from departments.models import Officer
from faces.models import Face, Image, MatchSuggestion
from faces.services import image_create
from faces.services.recognition import department_set_recognition
from tests import factories
from tests.conftest import client_for, photo

ROLES = ["anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin", "disabled"]


# --- Helpers shared by the photo-page tests (real photos, real pipeline, eager) ------------
def processed_image(department, name: str, *, uploader=None) -> Image:
    return factories.image(department, name, uploader=uploader, processed=True)


def gallery_officer(department, name: str = "obama_1.jpg", *, badge: str = "44", last: str = "Example") -> Officer:
    """An officer whose confirmed face (from `name`) is in the gallery of `department`."""
    return factories.gallery_officer(
        department, name, first_name="Barack", last_name=last, badge_number=badge, rank="Sergeant"
    )


def status_json(client, image: Image) -> dict:
    response = client.get(reverse("image_status", args=[image.pk]))
    assert response.status_code == 200
    return response.json()


# --- URLs and access ----------------------------------------------------------------------
def test_the_url_names_match_the_interface():
    assert reverse("image_detail", args=[7]) == "/images/7/"
    assert reverse("image_status", args=[7]) == "/images/7/status.json"
    assert reverse("image_public", args=[7]) == "/images/7/public.jpg"
    assert reverse("image_original", args=[7]) == "/images/7/original"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["image_detail", "image_status", "image_public"])
def test_the_public_photo_urls_are_open_to_everyone(users, allowed_department, role, name):
    image = processed_image(allowed_department, "biden_lfw_1.jpg")
    assert client_for(users[role]).get(reverse(name, args=[image.pk])).status_code == 200


@pytest.mark.parametrize("name", ["image_detail", "image_status", "image_public", "image_original"])
def test_a_missing_photo_is_a_404(users, name):
    assert client_for(users["admin"]).get(reverse(name, args=[999999])).status_code == 404


@pytest.mark.parametrize(
    "role, expected",
    [
        ("anonymous", 302),
        ("member", 403),
        ("volunteer", 200),
        ("coordinator", 200),
        ("other_coordinator", 200),
        ("admin", 200),
        ("disabled", 302),
    ],
)
def test_only_volunteers_see_the_original(users, allowed_department, role, expected):
    image = processed_image(allowed_department, "biden_lfw_1.jpg")
    response = client_for(users[role]).get(reverse("image_original", args=[image.pk]))
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith("/accounts/login/")
    if expected == 200:
        assert response.content == image.file.open("rb").read()
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", ["image_status", "image_detail", "image_public"])
def test_the_photo_urls_refuse_posts(allowed_department, name):
    image = processed_image(allowed_department, "biden_lfw_1.jpg")
    assert client_for(None).post(reverse(name, args=[image.pk])).status_code == 405


# --- What the page and status.json say -----------------------------------------------------
def test_status_json_reports_the_detected_boxes(allowed_department):
    image = processed_image(allowed_department, "group_obama_biden.jpg")
    data = status_json(client_for(None), image)
    assert data["status"] == "done" and data["status_label"] == "Done" and data["error"] == ""
    assert len(data["faces"]) == 2
    for face in data["faces"]:
        assert face["w"] > 40 and face["h"] > 40 and face["source"] == "detector"
        assert face["editable"] is False
    assert data["public_url"].startswith(f"/images/{image.pk}/public.jpg?v=")


def test_a_failed_photo_shows_the_reason(allowed_department):
    image = processed_image(allowed_department, "biden_lfw_1.jpg")
    Image.objects.filter(pk=image.pk).update(status=Image.Status.FAILED, error="The stored photo could not be decoded.")
    data = status_json(client_for(None), image)
    assert data["status"] == "failed" and data["error"] == "The stored photo could not be decoded."
    assert "The stored photo could not be decoded." in client_for(None).get(f"/images/{image.pk}/").content.decode()


def test_a_queued_photo_is_pending(allowed_department):
    result = image_create(upload=ContentFile(photo("biden_lfw_1.jpg")), department=allowed_department)
    data = status_json(client_for(None), result.image)
    assert data["status"] == "queued" and data["pending"] is True


def test_where_recognition_is_allowed_each_face_shows_worded_suggestions_to_volunteers(allowed_department, users):
    # Who may see suggestions at all: tests/faces/test_suggestion_visibility.py.
    volunteer = client_for(users["volunteer"])
    officer = gallery_officer(allowed_department)
    image = processed_image(allowed_department, "obama_2.jpg")
    [face] = status_json(volunteer, image)["faces"]
    [suggestion] = face["suggestions"]
    assert suggestion["officer"]["id"] == officer.pk
    assert suggestion["officer"]["badge"] == "44"
    assert suggestion["officer"]["department"] == allowed_department.name
    assert suggestion["officer"]["photo_url"].endswith("/crop.jpg")
    assert suggestion["wording"] == "Possible match — for volunteers to confirm"
    assert suggestion["confidence"] in {"strong resemblance", "likely resemblance", "possible resemblance"}
    html = volunteer.get(f"/images/{image.pk}/").content.decode()
    assert "Possible match — for volunteers to confirm" in html
    assert "Barack Example" in html
    assert "identified" not in html.lower()


def test_where_recognition_is_not_allowed_no_suggestion_is_ever_shown(allowed_department, disallowed_department, users):
    volunteer = client_for(users["volunteer"])
    officer = gallery_officer(allowed_department)
    image = processed_image(disallowed_department, "obama_2.jpg")
    face = image.faces.get()
    assert face.embedding is None
    # Even a suggestion row that should never exist (a bug elsewhere) stays hidden.
    MatchSuggestion.objects.create(face=face, officer=officer, distance=0.3, rank=1)
    data = status_json(volunteer, image)
    assert data["recognition"]["allowed"] is False
    assert data["recognition"]["text"].startswith("No facial recognition is used for this jurisdiction.")
    assert data["faces"][0]["suggestions"] == []
    html = volunteer.get(f"/images/{image.pk}/").content.decode()
    assert "Possible match" not in html and "Barack" not in html
    assert "No facial recognition is used for this jurisdiction." in html


def test_the_state_rule_is_named_on_an_illinois_photo(illinois_department):
    image = processed_image(illinois_department, "biden_lfw_1.jpg")
    text = status_json(client_for(None), image)["recognition"]["text"]
    assert text.startswith("No facial recognition is used for this jurisdiction. State law (IL): Illinois")


def test_a_suggestion_naming_an_officer_of_a_disallowed_department_is_never_shown(
    allowed_department, disallowed_department, users
):
    volunteer = client_for(users["volunteer"])
    image = processed_image(allowed_department, "obama_2.jpg")
    outsider = Officer.objects.create(
        department=disallowed_department, first_name="Hidden", last_name="Person", badge_number="9"
    )
    MatchSuggestion.objects.create(face=image.faces.get(), officer=outsider, distance=0.2, rank=1)
    data = status_json(volunteer, image)
    assert all(f["suggestions"] == [] for f in data["faces"])
    assert "Hidden" not in volunteer.get(f"/images/{image.pk}/").content.decode()


def test_suggestions_disappear_when_recognition_is_turned_off(allowed_department, users):
    gallery_officer(allowed_department)
    volunteer = client_for(users["volunteer"])
    image = processed_image(allowed_department, "obama_2.jpg")
    assert status_json(volunteer, image)["faces"][0]["suggestions"]
    department_set_recognition(allowed_department, allowed=False, actor=users["admin"], reason="court order")
    data = status_json(volunteer, image)
    assert data["recognition"]["allowed"] is False
    assert data["faces"][0]["suggestions"] == []


def test_a_confirmed_officer_face_is_shown_with_its_crop(allowed_department):
    officer = gallery_officer(allowed_department)
    image = Image.objects.get(faces__officer=officer)
    [face] = status_json(client_for(None), image)["faces"]
    assert face["officer"]["name"] == "Barack Example"
    assert face["crop_url"] == f"/faces/{image.faces.get().pk}/crop.jpg"
    assert face["state"] == "Confirmed by a volunteer."


def test_the_page_passes_its_data_with_json_script_and_no_inline_script(allowed_department):
    image = processed_image(allowed_department, "biden_lfw_1.jpg")
    html = client_for(None).get(f"/images/{image.pk}/").content.decode()
    assert '<script id="photo-data" type="application/json">' in html
    assert html.count("<script") == 3  # the data block and two files under static/js/
    assert 'src="/static/js/box-editor.js"' in html and 'src="/static/js/photo-page.js"' in html
    assert " style=" not in html


# --- The public rendition's response -----------------------------------------------------
def test_the_public_rendition_is_an_exif_free_jpeg_with_nosniff(allowed_department):
    image = processed_image(allowed_department, "obama_2.jpg")
    response = client_for(None).get(reverse("image_public", args=[image.pk]))
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    with PILImage.open(io.BytesIO(response.content)) as im:
        assert im.format == "JPEG" and im.size == (image.width, image.height)
        assert not im.getexif() and "exif" not in im.info and "icc_profile" not in im.info


def test_the_public_rendition_revalidates_with_an_etag(allowed_department):
    image = processed_image(allowed_department, "biden_lfw_1.jpg")
    client = client_for(None)
    first = client.get(reverse("image_public", args=[image.pk]))
    again = client.get(reverse("image_public", args=[image.pk]), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    Face.objects.filter(image=image).update(is_civilian=True, officer=None)
    face = image.faces.get()
    face.officer = Officer.objects.create(
        department=allowed_department, first_name="A", last_name="B", badge_number="1"
    )
    face.is_civilian = False
    face.save()
    changed = client.get(reverse("image_public", args=[image.pk]), HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
