"""Who sees unconfirmed suggestions: the uploader (account or browser session) and volunteers.

Everyone else — the public, other sessions, other members, accounts awaiting approval — sees
only identifications a volunteer confirmed, on the photo page, in status.json and in the API.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import Profile, Role
from departments.models import Officer
from faces.models import Face, Image, MatchSuggestion
from faces.selectors import (
    HIDDEN_SUGGESTIONS_STATE,
    SUGGESTION_WORDING,
    visible_suggestions,
    visible_suggestions_by_face,
)
from tests import factories
from tests.api.test_decision_path import behind_the_gates_back
from tests.conftest import client_for, photo

pytestmark = pytest.mark.django_db
PENDING_NAME = "Pendleton"
CONFIRMED_NAME = "Confirmado"


def _upload(client: Client, department, name: str, *, api: bool = False) -> Image:
    """Upload through the site's own form (or the API), as a browser would."""
    if api:
        response = client.post(
            "/api/v1/images/", {"file": SimpleUploadedFile(name, photo(name)), "department": department.pk}
        )
        assert response.status_code == 201, response.content
    else:
        response = client.post(
            "/submit/", {"department": department.pk, "photos": [SimpleUploadedFile(name, photo(name))]}
        )
        assert response.status_code == 200, response.content
    return Image.objects.get(original_filename=name)


def _with_suggestion_and_confirmed_face(image: Image, department) -> Image:
    """One face with a pending suggestion, one face a volunteer confirmed, as after review."""
    Image.objects.filter(pk=image.pk).update(status=Image.Status.DONE, processed_at=timezone.now())
    suggested, _ = Officer.objects.get_or_create(
        department=department, badge_number="7", defaults={"first_name": "Pat", "last_name": PENDING_NAME}
    )
    confirmed, _ = Officer.objects.get_or_create(
        department=department, badge_number="8", defaults={"first_name": "Cy", "last_name": CONFIRMED_NAME}
    )
    now = timezone.now()
    face = factories.face(image, x=5, y=5, w=40, h=40, processed_at=now)
    MatchSuggestion.objects.create(face=face, officer=suggested, distance=0.41, rank=1)
    factories.face(image, x=60, y=5, w=40, h=40, officer=confirmed, identified_at=now, processed_at=now)
    return Image.objects.get(pk=image.pk)


def _reviewed_upload(client: Client, department, name: str = "obama_1.jpg", *, api: bool = False) -> Image:
    return _with_suggestion_and_confirmed_face(_upload(client, department, name, api=api), department)


@pytest.fixture
def world(users, allowed_department):
    """Photo A uploaded anonymously by one browser, photo B by a signed-in member; the viewers."""
    anonymous_uploader = Client()
    other_session = Client()
    unapproved = factories.user("unapproved")
    Profile.objects.create(user=unapproved, role=Role.VOLUNTEER, approved=False)
    signed_in_uploader = factories.user("uploader", role=Role.MEMBER)
    a = _reviewed_upload(anonymous_uploader, allowed_department, "obama_1.jpg")
    b = _reviewed_upload(client_for(signed_in_uploader), allowed_department, "biden_1.jpg")
    _upload(other_session, allowed_department, "obama_2.jpg")  # it has an uploader token of its own
    viewers = {
        "anonymous stranger": Client(),
        "anonymous uploader, same session": anonymous_uploader,
        "anonymous, other session": other_session,
        "signed-in uploader": client_for(signed_in_uploader),
        "other member": client_for(users["member"]),
        "unapproved account": client_for(unapproved),
        "volunteer": client_for(users["volunteer"]),
        "coordinator": client_for(users["coordinator"]),
        "admin": client_for(users["admin"]),
        "disabled volunteer": client_for(users["disabled"]),
    }
    return {"a": a, "b": b, "viewers": viewers}


# viewer -> (sees photo A's pending suggestion, sees photo B's)
VISIBILITY = {
    "anonymous stranger": (False, False),
    "anonymous uploader, same session": (True, False),
    "anonymous, other session": (False, False),
    "signed-in uploader": (False, True),
    "other member": (False, False),
    "unapproved account": (False, False),
    "volunteer": (True, True),
    "coordinator": (True, True),
    "admin": (True, True),
    "disabled volunteer": (False, False),
}


def _page(client: Client, image: Image) -> str:
    response = client.get(f"/images/{image.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _status(client: Client, image: Image) -> tuple[str, dict]:
    response = client.get(f"/images/{image.pk}/status.json")
    assert response.status_code == 200
    return response.content.decode(), response.json()


def _api(client: Client, image: Image) -> tuple[str, dict]:
    response = client.get(f"/api/v1/images/{image.pk}/")
    assert response.status_code == 200
    return response.content.decode(), response.json()


def _photos(world, viewer: str):
    """(client, photo, whether this viewer may see its pending suggestion) for photos A and B."""
    client = world["viewers"][viewer]
    pairs = zip((world["a"], world["b"]), VISIBILITY[viewer], strict=True)
    return [(client, image, expected) for image, expected in pairs]


@pytest.mark.parametrize("viewer", list(VISIBILITY))
def test_the_photo_page_names_a_suggested_officer_only_to_the_uploader_and_volunteers(world, viewer):
    for client, image, expected in _photos(world, viewer):
        html = _page(client, image)
        assert (PENDING_NAME in html) is expected
        assert CONFIRMED_NAME in html  # confirmed identifications are public
        if not expected:
            assert SUGGESTION_WORDING not in html and HIDDEN_SUGGESTIONS_STATE in html


@pytest.mark.parametrize("viewer", list(VISIBILITY))
def test_status_json_names_a_suggested_officer_only_to_the_uploader_and_volunteers(world, viewer):
    for client, image, expected in _photos(world, viewer):
        body, data = _status(client, image)
        assert (PENDING_NAME in body) is expected
        suggested, confirmed = data["faces"]
        assert bool(suggested["suggestions"]) is expected
        assert confirmed["officer"]["name"].endswith(CONFIRMED_NAME)
        assert data["suggestions_shown"] is expected
        if not expected:
            # The same words with or without a match: not even its existence is public.
            assert suggested["state"] == HIDDEN_SUGGESTIONS_STATE


@pytest.mark.parametrize("viewer", list(VISIBILITY))
def test_the_api_image_detail_lists_suggestions_only_to_the_uploader_and_volunteers(world, viewer):
    for client, image, expected in _photos(world, viewer):
        body, data = _api(client, image)
        assert (PENDING_NAME in body) is expected
        by_box = {face["box"]["x"]: face for face in data["faces"]}
        assert bool(by_box[5]["suggestions"]) is expected
        assert by_box[60]["officer"]["name"].endswith(CONFIRMED_NAME)


@pytest.mark.parametrize("viewer", [v for v, (sees_a, _) in VISIBILITY.items() if not sees_a])
@pytest.mark.parametrize("action", ["confirm", "reject"])
def test_the_suggestion_endpoints_tell_nobody_else_whom_a_suggestion_names(world, viewer, action):
    suggestion = MatchSuggestion.objects.get(face__image=world["a"])
    response = world["viewers"][viewer].post(f"/api/v1/suggestions/{suggestion.pk}/{action}/")
    assert response.status_code in (401, 403)
    assert PENDING_NAME not in response.content.decode()
    assert MatchSuggestion.objects.get(pk=suggestion.pk).status == MatchSuggestion.Status.PENDING


def test_a_box_drawn_through_the_api_shows_suggestions_only_to_those_who_may_see_them(world):
    from faces.api.selectors import face_for_api

    face = Face.objects.get(image=world["a"], x=5)

    class Viewer:
        def __init__(self, client: Client) -> None:
            request = client.get(f"/images/{world['a'].pk}/status.json").wsgi_request
            self.user, self.session = request.user, request.session

    uploader, stranger = (world["viewers"][v] for v in ("anonymous uploader, same session", "anonymous stranger"))
    assert face_for_api(face.pk, viewer=Viewer(uploader)).visible_suggestions
    assert not face_for_api(face.pk, viewer=Viewer(stranger)).visible_suggestions


# --- How the uploader is remembered -----------------------------------------------------------
def test_an_anonymous_api_upload_with_cookies_is_remembered_like_a_form_upload(allowed_department):
    client = Client()
    image = _reviewed_upload(client, allowed_department, api=True)
    assert PENDING_NAME in _page(client, image)
    assert PENDING_NAME not in _page(Client(), image)


def test_the_uploader_keeps_seeing_suggestions_after_signing_in(allowed_department, users):
    from allauth.account.models import EmailAddress

    client = Client()
    image = _reviewed_upload(client, allowed_department)
    member = users["member"]
    EmailAddress.objects.create(user=member, email=member.email, verified=True, primary=True)
    assert client.post("/accounts/login/", {"login": "member", "password": "pass-for-tests-1"}).status_code == 302
    assert PENDING_NAME in _page(client, image)
    client.post("/accounts/logout/")
    assert PENDING_NAME not in _page(client, image)  # a signed-out session is a new session


def test_uploading_a_duplicate_does_not_make_you_its_uploader(allowed_department):
    image = _reviewed_upload(Client(), allowed_department)
    copier = Client()
    again = SimpleUploadedFile("x.jpg", photo("obama_1.jpg"))
    response = copier.post("/submit/", {"department": allowed_department.pk, "photos": [again]})
    assert response.status_code == 200 and "uploaded before" in response.content.decode()
    assert PENDING_NAME not in _page(copier, image)


def test_the_photo_stores_only_a_hash_of_the_sessions_token(allowed_department):
    from faces.uploader import SESSION_KEY

    client = Client()
    image = _upload(client, allowed_department, "obama_1.jpg")
    token = client.session[SESSION_KEY]
    assert len(image.uploader_session) == 64 and token not in image.uploader_session
    assert image.uploaded_by is None


def test_a_signed_in_upload_is_known_by_its_account_not_its_session(allowed_department, users):
    image = _upload(client_for(users["member"]), allowed_department, "obama_1.jpg")
    assert image.uploaded_by == users["member"] and image.uploader_session == ""


@pytest.mark.parametrize("forged", ["", "x", "0" * 64, None, 12345, ["a"], {"k": "v"}])
def test_a_forged_session_token_grants_nothing(allowed_department, forged):
    from faces.uploader import SESSION_KEY

    image = _reviewed_upload(Client(), allowed_department)
    client = Client()
    session = client.session
    session[SESSION_KEY] = forged
    session.save()
    assert PENDING_NAME not in _page(client, image)
    # Nor the stored hash itself, presented as a token.
    session[SESSION_KEY] = image.uploader_session
    session.save()
    assert PENDING_NAME not in _page(client, image)


def test_the_upload_page_says_who_sees_suggestions():
    html = Client().get("/submit/").content.decode()
    assert "shown only to you, the person who uploaded the photo" in html
    assert "never to the public" in html


def test_the_uploader_is_told_on_the_photo_page_that_only_they_and_volunteers_see_suggestions(allowed_department):
    client = Client()
    image = _reviewed_upload(client, allowed_department)
    assert 'id="suggestions-private"' in _page(client, image)
    assert 'id="suggestions-private"' not in _page(Client(), image)


# --- A collage is not a search service: an uploader reads suggestions on a few faces only -------
def _collage(client: Client, department, faces: int) -> tuple[Image, list[Face]]:
    """An uploaded photo with `faces` faces of growing size, each with a pending suggestion."""
    image = _upload(client, department, "obama_1.jpg")
    Image.objects.filter(pk=image.pk).update(status=Image.Status.DONE, processed_at=timezone.now())
    made = []
    for n in range(faces):
        officer = factories.officer(department, badge_number=f"C{n}", last_name=f"Collage{n:02d}")
        face = factories.face(image, x=n * 50, y=5, w=20 + n, h=20 + n, processed_at=timezone.now())
        MatchSuggestion.objects.create(face=face, officer=officer, distance=0.4, rank=1)
        made.append(face)
    return image, made


def _names_in(text: str, faces: int) -> set[int]:
    return {n for n in range(faces) if f"Collage{n:02d}" in text}


@pytest.mark.parametrize("read", ["page", "status", "api"])
def test_an_uploader_reads_suggestions_for_the_largest_faces_only(allowed_department, settings, read):
    settings.FACES_UPLOADER_SUGGESTED_FACES = 3
    uploader = Client()
    image, _ = _collage(uploader, allowed_department, faces=8)
    text = {"page": _page, "status": lambda c, i: _status(c, i)[0], "api": lambda c, i: _api(c, i)[0]}[read](
        uploader, image
    )
    assert _names_in(text, 8) == {5, 6, 7}  # the three largest boxes


def test_the_other_faces_of_a_collage_read_like_any_hidden_suggestion(allowed_department, settings):
    settings.FACES_UPLOADER_SUGGESTED_FACES = 1
    uploader = Client()
    image, faces = _collage(uploader, allowed_department, faces=3)
    states = {f["id"]: f["state"] for f in _status(uploader, image)[1]["faces"]}
    assert states[faces[0].pk] == states[faces[1].pk] == HIDDEN_SUGGESTIONS_STATE
    assert states[faces[2].pk] == ""


def test_a_volunteer_reads_suggestions_for_every_face_of_a_collage(allowed_department, settings, users):
    settings.FACES_UPLOADER_SUGGESTED_FACES = 3
    image, _ = _collage(Client(), allowed_department, faces=8)
    assert _names_in(_page(client_for(users["volunteer"]), image), 8) == set(range(8))
    assert _names_in(_api(client_for(users["volunteer"]), image)[0], 8) == set(range(8))


# --- The review gate, for one face or many at once ---------------------------------------------
def _faces_with_suggestions(department, count: int) -> list[Face]:
    """`count` faces, each on its own photo of `department`, with two pending suggestions."""
    faces = []
    for n in range(count):
        face = factories.face(factories.image(department, status=Image.Status.DONE))
        for rank in (1, 2):
            factories.suggestion(face, factories.officer(department), distance=0.3 + rank / 10 + n / 100, rank=rank)
        faces.append(face)
    return faces


def test_many_faces_read_the_same_visible_suggestions_as_one_face_at_a_time(allowed_department, disallowed_department):
    shown, officer_off = _faces_with_suggestions(allowed_department, 2)
    photo_off = factories.face(factories.image(disallowed_department, status=Image.Status.DONE))
    with behind_the_gates_back():  # the triggers would withdraw these: only the selectors' gate is left to hide them
        factories.suggestion(photo_off, factories.officer(allowed_department), distance=0.1)
        factories.suggestion(officer_off, factories.officer(disallowed_department), distance=0.1, rank=3)
    faces = [shown, photo_off, officer_off]
    assert MatchSuggestion.objects.filter(face__in=faces, status=MatchSuggestion.Status.PENDING).count() == 6

    by_face = visible_suggestions_by_face(faces)
    assert by_face == {f.pk: list(visible_suggestions(f)) for f in faces if visible_suggestions(f).exists()}
    assert set(by_face) == {shown.pk, officer_off.pk}  # nothing for the photo of a department without recognition
    assert [s.rank for s in by_face[officer_off.pk]] == [1, 2]  # nor for the officer of one
    assert visible_suggestions_by_face([]) == {}


def test_visible_suggestions_of_many_faces_take_one_query_however_many_faces(
    allowed_department, django_assert_num_queries
):
    one, five = _faces_with_suggestions(allowed_department, 1), _faces_with_suggestions(allowed_department, 5)
    with django_assert_num_queries(1):
        assert len(visible_suggestions_by_face(one)) == 1
    with django_assert_num_queries(1):
        by_face = visible_suggestions_by_face(five)
    assert sorted(by_face) == sorted(f.pk for f in five) and all(len(items) == 2 for items in by_face.values())
