"""The box editor's endpoints: draw, move, delete boxes; officers' face crops."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from PIL import Image as PILImage

from faces.models import Face, MatchSuggestion
from faces.services.review import face_identify
from tests.conftest import client_for, make_user
from tests.faces.test_views_images import gallery_officer, processed_image, status_json

JSON = {"HTTP_ACCEPT": "application/json"}
OBAMA_BOX = {"x": 150, "y": 280, "w": 330, "h": 330}  # around the face in obama_2.jpg (626×1200)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def draw(client, image, box=None, **extra):
    return client.post(reverse("face_create", args=[image.pk]), OBAMA_BOX if box is None else box, **JSON, **extra)


def test_the_url_names_match_the_interface():
    assert reverse("face_create", args=[3]) == "/images/3/faces/"
    assert reverse("face_delete", args=[3]) == "/faces/3/delete/"
    assert reverse("face_crop", args=[3]) == "/faces/3/crop.jpg"


def test_an_anonymous_person_draws_a_box_and_owns_it_through_the_session(
    allowed_department, django_capture_on_commit_callbacks
):
    image = processed_image(allowed_department, "obama_2.jpg")
    drawer = client_for(None)
    with django_capture_on_commit_callbacks(execute=True):
        response = draw(drawer, image)
    assert response.status_code == 201
    face = Face.objects.get(pk=response.json()["face_id"])
    assert face.source == Face.Source.USER and face.created_by is None
    assert (face.x, face.y, face.w, face.h) == (150, 280, 330, 330)
    mine = {f["id"]: f["editable"] for f in status_json(drawer, image)["faces"]}
    theirs = {f["id"]: f["editable"] for f in status_json(client_for(None), image)["faces"]}
    assert mine[face.pk] is True and theirs[face.pk] is False


def test_a_drawn_box_gets_suggestions_where_recognition_is_allowed(
    allowed_department, django_capture_on_commit_callbacks, users
):
    officer = gallery_officer(allowed_department)
    image = processed_image(allowed_department, "obama_2.jpg")
    client = client_for(None)
    with django_capture_on_commit_callbacks(execute=True):
        face_id = draw(client, image).json()["face_id"]
    # Drawing a box on someone else's photo is no way to see suggestions (test_suggestion_visibility.py).
    face = next(f for f in status_json(client, image)["faces"] if f["id"] == face_id)
    assert face["suggestions"] == []
    face = next(f for f in status_json(client_for(users["volunteer"]), image)["faces"] if f["id"] == face_id)
    assert [s["officer"]["id"] for s in face["suggestions"]] == [officer.pk]
    assert face["suggestions"][0]["wording"] == "Possible match — for volunteers to confirm"


def test_a_drawn_box_in_a_disallowed_department_computes_nothing(
    allowed_department, disallowed_department, django_capture_on_commit_callbacks
):
    gallery_officer(allowed_department)
    image = processed_image(disallowed_department, "obama_2.jpg")
    client = client_for(None)
    with django_capture_on_commit_callbacks(execute=True):
        face_id = draw(client, image).json()["face_id"]
    face = Face.objects.get(pk=face_id)
    assert face.embedding is None and not MatchSuggestion.objects.filter(face=face).exists()
    item = next(f for f in status_json(client, image)["faces"] if f["id"] == face_id)
    assert item["suggestions"] == []
    assert item["state"] == "No facial recognition is used for this jurisdiction."


@pytest.mark.parametrize(
    "box",
    [
        {},
        {"x": "a", "y": 1, "w": 20, "h": 20},
        {"x": "nan", "y": 0, "w": 20, "h": 20},
        {"x": "inf", "y": 0, "w": 20, "h": 20},
        {"x": -5, "y": 0, "w": 20, "h": 20},
        {"x": 0, "y": 0, "w": 0, "h": 20},
        {"x": 0, "y": 0, "w": 4, "h": 4},
        {"x": 600, "y": 0, "w": 100, "h": 100},
        {"x": 0, "y": 0, "w": 10**12, "h": 20},
        {"x": "1e400", "y": 0, "w": 20, "h": 20},
        {"x": "<script>", "y": 0, "w": 20, "h": 20},
    ],
)
def test_a_hostile_box_is_refused_clearly_and_nothing_is_saved(allowed_department, box):
    image = processed_image(allowed_department, "obama_2.jpg")
    before = Face.objects.count()
    response = draw(client_for(None), image, box)
    assert response.status_code == 400
    assert response.json()["error"]
    assert Face.objects.count() == before


def test_a_box_on_a_missing_photo_is_a_404(db):
    assert client_for(None).post("/images/999999/faces/", OBAMA_BOX).status_code == 404


def test_drawing_needs_a_post(allowed_department):
    image = processed_image(allowed_department, "biden_lfw_1.jpg")
    assert client_for(None).get(reverse("face_create", args=[image.pk])).status_code == 405


def test_the_form_path_without_javascript_redirects_back_with_a_message(allowed_department):
    image = processed_image(allowed_department, "obama_2.jpg")
    response = client_for(None).post(reverse("face_create", args=[image.pk]), {"x": "bad"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/images/{image.pk}/"
    assert "The box is not valid" in response.content.decode()


def test_drawing_boxes_is_rate_limited_by_the_recognition_throttle(allowed_department, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    image = processed_image(allowed_department, "obama_2.jpg")
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "recognition": "2/hour"}
    )
    client = client_for(None)
    assert [draw(client, image).status_code for _ in range(2)] == [201, 201]
    refused = draw(client, image)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Face.objects.filter(source=Face.Source.USER).count() == 2


def test_the_owner_moves_their_box_and_it_is_processed_again(allowed_department, django_capture_on_commit_callbacks):
    gallery_officer(allowed_department)
    image = processed_image(allowed_department, "obama_2.jpg")
    client = client_for(None)
    with django_capture_on_commit_callbacks(execute=True):
        face_id = draw(client, image, {"x": 0, "y": 0, "w": 100, "h": 100}).json()["face_id"]
    assert not MatchSuggestion.objects.filter(face_id=face_id).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("face_update", args=[face_id]), OBAMA_BOX, **JSON)
    assert response.status_code == 200
    face = Face.objects.get(pk=face_id)
    assert (face.x, face.y, face.w, face.h) == (150, 280, 330, 330)
    assert face.embedding is not None and MatchSuggestion.objects.filter(face=face).exists()


def test_nobody_else_may_move_a_box(allowed_department, users):
    image = processed_image(allowed_department, "obama_2.jpg")
    face_id = draw(client_for(None), image).json()["face_id"]
    for role in ("anonymous", "member", "disabled"):
        response = client_for(users[role]).post(reverse("face_update", args=[face_id]), {**OBAMA_BOX, "x": 10}, **JSON)
        assert response.status_code == 403
    assert Face.objects.get(pk=face_id).x == 150


@pytest.mark.parametrize(
    "role, expected",
    [
        ("anonymous", 403),
        ("member", 403),
        ("volunteer", 200),
        ("coordinator", 200),
        ("other_coordinator", 200),
        ("admin", 200),
        ("disabled", 403),
    ],
)
def test_who_may_delete_a_box_drawn_by_someone_else(allowed_department, users, role, expected):
    image = processed_image(allowed_department, "obama_2.jpg")
    face_id = draw(client_for(None), image).json()["face_id"]
    response = client_for(users[role]).post(reverse("face_delete", args=[face_id]), **JSON)
    assert response.status_code == expected
    assert Face.objects.filter(pk=face_id).exists() is (expected != 200)


def test_the_drawer_deletes_their_own_box_by_session_or_account(allowed_department):
    image = processed_image(allowed_department, "obama_2.jpg")
    anonymous = client_for(None)
    face_id = draw(anonymous, image).json()["face_id"]
    assert anonymous.post(reverse("face_delete", args=[face_id]), **JSON).status_code == 200
    member = make_user("drawer")
    logged_in = client_for(member)
    face_id = draw(logged_in, image).json()["face_id"]
    assert Face.objects.get(pk=face_id).created_by == member
    assert client_for(member).post(reverse("face_delete", args=[face_id]), **JSON).status_code == 200
    assert not Face.objects.filter(source=Face.Source.USER).exists()


def test_detected_boxes_and_confirmed_boxes_cannot_be_deleted_by_the_public(allowed_department, users):
    image = processed_image(allowed_department, "obama_2.jpg")
    detected = image.faces.get()
    assert client_for(users["volunteer"]).post(reverse("face_delete", args=[detected.pk])).status_code == 403
    client = client_for(None)
    face_id = draw(client, image).json()["face_id"]
    face_identify(Face.objects.get(pk=face_id), officer=None, civilian=True, actor=users["volunteer"])
    assert client.post(reverse("face_delete", args=[face_id]), **JSON).status_code == 403
    assert client.post(reverse("face_delete", args=[999999]), **JSON).status_code == 404
    assert client.get(reverse("face_delete", args=[face_id])).status_code == 405


# --- Face crops ----------------------------------------------------------------------------
def test_a_confirmed_officer_face_has_a_public_crop(allowed_department):
    officer = gallery_officer(allowed_department)
    face = Face.objects.get(officer=officer)
    response = client_for(None).get(reverse("face_crop", args=[face.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff"
    with PILImage.open(io.BytesIO(response.content)) as im:
        assert max(im.size) <= 320 and not im.getexif()


def test_no_crop_is_ever_served_for_an_unconfirmed_or_civilian_face(allowed_department, users):
    image = processed_image(allowed_department, "group_obama_biden.jpg")
    first, second = image.faces.all()
    face_identify(second, officer=None, civilian=True, actor=users["volunteer"])
    for face in (first, second):
        assert client_for(users["admin"]).get(reverse("face_crop", args=[face.pk])).status_code == 404
    assert client_for(None).get(reverse("face_crop", args=[999999])).status_code == 404
