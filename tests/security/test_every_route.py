"""Every route of the site and the API, classified: who may reach it, and none answers 5xx.

The detailed per-view tables live beside each area (tests/faces, tests/review, tests/api);
this module makes sure no route escapes them: a new URL without a line in ROUTES fails
`test_every_route_is_classified`, and every classified route is probed with GET and an
empty POST as anonymous, a member of the public and a volunteer (the roles an attacker
can be), plus CSRF enforcement on every form.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from departments import policy
from departments.services.roster_uploads import roster_upload_preview
from faces.models import (
    Decision,
    Face,
    FaceGroup,
    FaceGroupMember,
    HeadshotBatch,
    Image,
    MatchSuggestion,
    UploadNotice,
)
from faces.services.review import face_identify
from tests import factories
from tests.conftest import client_for
from tests.review.conftest import stored_image

PUBLIC = "public"  # anyone may read
UPLOAD = "upload"  # anyone may write (throttled): uploads and boxes on public photos
VOLUNTEER = "volunteer"  # volunteers, coordinators, administrators
ADMIN = "admin"  # administrators only

# name → (access, kwargs key). Keys name objects of the `world` fixture.
ROUTES: dict[str, tuple[str, str | None]] = {
    "home": (PUBLIC, None),
    "healthz": (PUBLIC, None),
    "department_detail": (PUBLIC, "department_slug"),
    "department_export": (PUBLIC, "department_slug"),
    "officer_search": (PUBLIC, None),
    "officer_detail": (PUBLIC, "officer"),
    "image_detail": (PUBLIC, "image"),
    "image_status": (PUBLIC, "image"),
    "image_public": (PUBLIC, "image"),
    "face_crop": (PUBLIC, "gallery_face"),
    "submit": (UPLOAD, None),
    "face_create": (UPLOAD, "image"),
    "face_update": (UPLOAD, "face"),
    "face_delete": (UPLOAD, "face"),
    "image_original": (VOLUNTEER, "image"),
    "image_takedown": (ADMIN, "image"),  # the department's coordinators and administrators
    "notice_delete": (PUBLIC, "notice_token"),  # whoever holds the e-mailed link
    "api:token": (PUBLIC, None),
    "api:department-list": (PUBLIC, None),
    "api:department-detail": (PUBLIC, "department"),
    "api:department-export": (PUBLIC, "department"),
    "api:department-recognition": (ADMIN, "department"),
    "api:officer-list": (PUBLIC, None),
    "api:officer-detail": (PUBLIC, "officer"),
    "api:image-upload": (UPLOAD, None),
    "api:image-detail": (PUBLIC, "image"),
    "api:image-faces": (UPLOAD, "image"),
    "api:image-sort": (VOLUNTEER, "image"),
    "api:face-identify": (VOLUNTEER, "face"),
    "api:face-embedding": (ADMIN, "face"),
    "api:suggestion-confirm": (VOLUNTEER, "suggestion"),
    "api:suggestion-reject": (VOLUNTEER, "suggestion"),
    "api:gallery": (ADMIN, None),
    "api:schema": (PUBLIC, None),
    "api:docs": (PUBLIC, None),
    "review_dashboard": (VOLUNTEER, None),
    "review_leaderboard": (VOLUNTEER, None),
    "review_sort_next": (VOLUNTEER, "department_slug"),
    "review_sort": (VOLUNTEER, "image"),
    "review_identify_next": (VOLUNTEER, "department_slug"),
    "review_identify": (VOLUNTEER, "face"),
    "review_new_officer": (VOLUNTEER, "face"),
    "review_gallery": (VOLUNTEER, "officer"),
    "review_decisions": (VOLUNTEER, None),
    "review_decision_undo": (VOLUNTEER, "decision"),
    "review_jurisdictions": (VOLUNTEER, None),
    "review_jurisdiction_switch": (ADMIN, "department_slug"),
    "review_image_photo": (VOLUNTEER, "image"),
    "review_face_crop": (VOLUNTEER, "face"),
    # Coordinators and administrators (ADMIN here: no role an attacker can be may use them).
    "review_members": (ADMIN, None),
    "review_member_approve": (ADMIN, "member"),
    "review_member_decline": (ADMIN, "member"),
    "review_group_next": (VOLUNTEER, "department_slug"),
    "review_group": (VOLUNTEER, "group"),
    "review_sequence_next": (VOLUNTEER, "department_slug"),
    "review_sequence": (VOLUNTEER, "sequence"),
    "review_sequence_split": (VOLUNTEER, "sequence"),
    "api_sequence_identify": (VOLUNTEER, "sequence"),
    "api_sequence_split": (VOLUNTEER, "sequence"),
    # The officer record: the public reads incidents; its coordinators and administrators edit it.
    "department_incidents": (PUBLIC, "department_slug"),
    "incident_detail": (PUBLIC, "incident"),
    "api:department-roster": (ADMIN, "department"),
    "review_roster_upload": (ADMIN, "department_slug"),
    "review_roster": (ADMIN, "roster_upload"),
    "review_headshots": (ADMIN, "department_slug"),
    "review_headshot_batch": (ADMIN, "headshot_batch"),
    "review_headshot_batch_status": (ADMIN, "headshot_batch"),
    "review_record_incidents": (ADMIN, "department_slug"),
    "review_record_incident_new": (ADMIN, "department_slug"),
    "review_record_incident": (ADMIN, "incident"),
    "review_record_incident_link": (ADMIN, "incident"),
    "review_record_link_remove": (ADMIN, "link"),
    "review_record_officer": (ADMIN, "officer"),
    "review_record_assignment": (ADMIN, "officer"),
    "review_record_officer_link": (ADMIN, "officer"),
    "review_record_salary": (ADMIN, "officer"),
    "review_record_changes": (ADMIN, "department_slug"),
    # Transparency: aggregates only, for everyone (tests/accountability/test_transparency.py).
    "transparency": (PUBLIC, None),
    "department_transparency": (PUBLIC, "department_slug"),
    "transparency_api": (PUBLIC, None),
    "department_transparency_api": (PUBLIC, "department"),
    # Problem reports: anyone files one (rate-limited); the token holder reads it; the
    # department's coordinators and administrators resolve it.
    "report_new": (UPLOAD, None),
    "report_status": (PUBLIC, "report_token"),
    "api_report_create": (UPLOAD, None),
    "review_reports": (ADMIN, "department_slug"),
    "review_report": (ADMIN, "report"),
    # Videos: uploaded by anyone (throttled), public like photos (tests/videos).
    "video_submit": (UPLOAD, None),
    "video_detail": (PUBLIC, "video"),
    "video_status": (PUBLIC, "video"),
    "video_public": (PUBLIC, "video"),
    "video_poster": (PUBLIC, "video"),
    "video_takedown": (ADMIN, "video"),  # the department's coordinators and administrators
    "api_video_upload": (UPLOAD, None),
    "api_video_detail": (PUBLIC, "video"),
}
# Third-party routes with their own tests upstream (allauth's flows, Django's admin).
FOREIGN_PREFIXES = ("admin/", "accounts/")


def site_routes() -> set[str]:
    names: set[str] = set()

    def walk(patterns, prefix: str = "", namespace: str = "") -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern) and not (prefix + str(pattern.pattern)).startswith(FOREIGN_PREFIXES):
                names.add(namespace + pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_route_is_classified():
    assert site_routes() - set(ROUTES) == set(), "add the new route to ROUTES with its access rule"
    assert set(ROUTES) - site_routes() == set(), "a classified route no longer exists"


@pytest.fixture
def world(users, allowed_department, officer):
    image = stored_image(allowed_department, "obama_2.jpg")
    face = image.faces.get()
    gallery_face = stored_image(allowed_department, "obama_1.jpg").faces.get()
    face_identify(gallery_face, officer=officer, actor=users["volunteer"])
    suggestion = MatchSuggestion.objects.create(face=face, officer=officer, distance=0.4, rank=1)
    decision = Decision.objects.filter(face=gallery_face).latest("pk")
    incident = factories.incident(allowed_department, officers=[officer])
    _report, roster_upload = roster_upload_preview(
        allowed_department,
        SimpleUploadedFile("roster.csv", b"badge_number,first_name,last_name\n7001,Ana,Ruiz\n"),
        actor=users["coordinator"],
        effective_date=datetime.date(2024, 7, 1),
    )
    assert roster_upload is not None
    return {
        "incident": incident.pk,
        "link": factories.link(incident=incident).pk,
        "roster_upload": roster_upload.pk,
        "headshot_batch": HeadshotBatch.objects.create(department=allowed_department).pk,
        "group": _group(allowed_department).pk,
        "sequence": _sequence(allowed_department).pk,
        "image": image.pk,
        "face": face.pk,
        "gallery_face": gallery_face.pk,
        "officer": officer.pk,
        "suggestion": suggestion.pk,
        "decision": decision.pk,
        "department": allowed_department.pk,
        "department_slug": allowed_department.slug,
        "member": _pending_member().pk,
        **_problem_report(face),
        "notice_token": UploadNotice.objects.create(image=image, email="uploader@example.org", token="t" * 43).token,
        "video": _video(allowed_department).pk,
    }


def _video(department):
    """A processed video row with a public rendition and a sequence (rows and small files only)."""
    from django.core.files.base import ContentFile

    from videos.models import FaceSequence, Video

    video = Video(sha256="v" * 64, department=department, width=64, height=64, duration_seconds=1.0)
    video.status = Video.Status.DONE
    video.file.save("original.mp4", ContentFile(b"\x00" * 64), save=False)
    video.public_file.save("public.mp4", ContentFile(b"\x00" * 64), save=False)
    video.poster.save("poster.jpg", ContentFile(b"\xff\xd8" + b"\x00" * 62), save=False)
    video.save()
    FaceSequence.objects.create(video=video, number=1, first_time=0, last_time=1, track=[[0, 1, 1, 10, 10]])
    return video


def _group(department) -> FaceGroup:
    """Two unidentified, embedded faces grouped (rows only; grouping is tested in tests/faces)."""
    faces = [
        stored_image(department, name, contains_officers=True).faces.get() for name in ("biden_1.jpg", "biden_2.jpg")
    ]
    Face.objects.filter(pk__in=[f.pk for f in faces]).update(embedding=[0.1] * 128)
    group = FaceGroup.objects.create(department=department)
    FaceGroupMember.objects.bulk_create([FaceGroupMember(group=group, face=face) for face in faces])
    return group


def _sequence(department):
    """A video face sequence of two stills (rows only; processing is tested in tests/videos)."""
    from tests.videos.sequences import sequence

    return sequence(department, ("biden_1.jpg", "biden_2.jpg"))


def _problem_report(face) -> dict:
    from accountability.services import report_create

    report = report_create(kind="other", face=face)
    return {"report": report.pk, "report_token": report.token}


def _pending_member():
    """A sign-up waiting for approval (review_member_approve / _decline act on it)."""
    from accounts.models import Profile, Role
    from tests.conftest import make_user

    member = make_user("pending_member")
    Profile.objects.create(user=member, role=Role.VOLUNTEER, approved=False)
    return member


def url_for(name: str, world: dict) -> str:
    _, key = ROUTES[name]
    if key is None:
        return reverse(name)
    for kwarg in ("pk", "slug", "image_id", "face_id", "officer_id", "incident_id", "token", "video_id"):
        try:
            return reverse(name, kwargs={kwarg: world[key]})
        except NoReverseMatch:
            continue
    raise AssertionError(f"cannot build a URL for {name}")


def state(department) -> tuple:
    """Everything an unauthorised request might change."""
    return (
        Image.objects.count(),
        Face.objects.count(),
        tuple(Face.objects.order_by("pk").values_list("officer_id", "is_civilian", "use_for_recognition")),
        tuple(MatchSuggestion.objects.order_by("pk").values_list("status", flat=True)),
        Decision.objects.count(),
        tuple(Image.objects.order_by("pk").values_list("contains_officers", flat=True)),
        policy.recognition_allowed(department),
        _video_count(),
    )


def _video_count() -> int:
    from videos.models import Video

    return Video.objects.count()


@pytest.mark.parametrize("role", ["anonymous", "member", "volunteer", "disabled"])
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_no_route_fails_or_leaks_for_people_without_rights(name, role, users, world, allowed_department):
    access, _ = ROUTES[name]
    client = client_for(users[role])
    url = url_for(name, world)
    before = state(allowed_department)
    answers = {"GET": client.get(url), "POST": client.post(url, {})}
    for method, response in answers.items():
        assert response.status_code < 500, f"{method} {url} as {role}: {response.status_code}"
    may_write = access in (PUBLIC, UPLOAD) or (access == VOLUNTEER and role == "volunteer")
    if not may_write:
        for method, response in answers.items():
            assert response.status_code in (302, 401, 403, 404, 405), f"{method} {url} as {role}"
            if response.status_code == 302:
                assert "/accounts/login/" in response["Location"] or "/admin/login/" in response["Location"]
        assert state(allowed_department) == before, f"{url} changed something for {role}"


HTML_FORMS = [
    "submit",
    "image_takedown",
    "notice_delete",
    "face_create",
    "face_update",
    "face_delete",
    "review_sort",
    "review_identify",
    "review_new_officer",
    "review_gallery",
    "review_decision_undo",
    "review_jurisdiction_switch",
    "review_member_approve",
    "review_member_decline",
    "review_group",
    "review_sequence",
    "review_sequence_split",
    "review_roster_upload",
    "review_roster",
    "review_headshots",
    "review_record_incident_new",
    "review_record_incident",
    "review_record_incident_link",
    "review_record_link_remove",
    "review_record_officer",
    "review_record_assignment",
    "review_record_officer_link",
    "review_record_salary",
    "report_new",
    "review_report",
    "video_submit",
    "video_takedown",
]


@pytest.mark.parametrize("name", HTML_FORMS)
def test_every_form_refuses_a_post_without_its_csrf_token(name, users, world, allowed_department):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["admin"])
    before = state(allowed_department)
    response = client.post(
        url_for(name, world),
        {"contains_officers": "yes", "reason": "x", "allowed": "false", "x": 1, "y": 1, "w": 50, "h": 50},
    )
    assert response.status_code == 403
    assert state(allowed_department) == before


def test_api_session_writes_need_csrf_but_tokens_do_not(users, world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["volunteer"])
    url = reverse("api:image-sort", kwargs={"pk": world["image"]})
    assert client.post(url, {"contains_officers": True}, content_type="application/json").status_code == 403
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=users["volunteer"])
    response = Client(enforce_csrf_checks=True).post(
        url, {"contains_officers": True}, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    assert response.status_code == 200
    assert Image.objects.get(pk=world["image"]).contains_officers is True


def test_the_api_docs_page_has_no_inline_script_or_style_for_the_csp_to_refuse(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<style" not in page and "<script>" not in page
    assert "script-src 'self'" in response["Content-Security-Policy"]


# --- Hostile parameters: NUL bytes, over-long values, wrong types (issue 12, finding 8) ---
# PostgreSQL refuses NUL in text, so one `?department=%00` used to be a 500; the
# oversight.middleware_nul middleware now answers 400 before any route runs. These probes
# call every route with hostile values in every parameter it reads (plus common ones) and
# in its path id, as the roles an attacker can be.
COMMON_QUERY = ("page", "department", "q", "state", "status", "officer", "sort", "slug")
# Fields the site's forms, filters and serializers read (faces/forms.py, review/forms.py,
# faces/api/filters.py, faces/api/serializers.py): each route picks its own.
FORM_FIELDS = (
    *("name", "badge", "rank", "unit", "has_photo", "x", "y", "w", "h", "contains_officers", "answer", "action"),
    *("officer", "face", "suggestion", "civilian", "use_for_recognition", "confirm", "first_name", "last_name"),
    *("badge_number", "allowed", "reason", "username", "password", "embedding", "box", "file", "photos"),
    "notify_email",
)
# What the pages read from the query string: the common names and the officer filters.
QUERY_FIELDS = (*COMMON_QUERY, "name", "badge", "rank", "unit", "has_photo")
NUL_VALUES = {"nul": "1\x00' OR 1=1 --"}
ODD_VALUES = {
    "long_text": "a" * 10_000,
    "long_digits": "9" * 10_000,
    "letters": "abc",
    "negative": "-1",
    "huge_float": "1e99",
    "brackets": "[]",
}
PROBE_ROLES = ("anonymous", "volunteer")


def _replace_id(url: str, old: str, new: str) -> str:
    head, sep, tail = url.partition(f"/{old}/")
    if not sep:
        head, sep, tail = url.rpartition(f"/{old}")  # a trailing id (no slash after it)
    return f"{head}/{new}/{tail}" if tail or url.endswith("/") else f"{head}/{new}"


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_no_route_fails_on_hostile_parameters(name, users, world):
    """NUL anywhere: 400. Over-long values and wrong types: never 5xx."""
    url = url_for(name, world)
    for role in PROBE_ROLES:
        client = client_for(users[role])
        for field in QUERY_FIELDS:  # one at a time: a NUL in any name or value
            for query in ({field: "1\x00"}, {f"{field}\x00": "1"}):
                assert client.get(url, query).status_code == 400, f"GET {url} {query!r} as {role}"
        for header in ("HTTP_AUTHORIZATION", "HTTP_X_FORWARDED_FOR", "HTTP_REFERER"):
            assert client.get(url, **{header: "Token a\x00b"}).status_code == 400, f"GET {url} NUL {header}"
        for label, value in {**NUL_VALUES, **ODD_VALUES}.items():
            every_field = dict.fromkeys((*COMMON_QUERY, *FORM_FIELDS), value)
            answers = {
                "GET": client.get(url, dict.fromkeys(QUERY_FIELDS, value)),
                "POST form": client.post(url, every_field),
            }
            if url.startswith("/api/"):  # the pages read no JSON bodies (API routes outside api: too)
                answers["POST json"] = client.post(url, every_field, content_type="application/json")
            for method, response in answers.items():
                where = f"{method} {url} with {label} values as {role}"
                assert response.status_code < 500, f"{where}: {response.status_code}"
                # The API reads its body itself (DRF refuses NUL in the fields it reads and
                # ignores the rest); every other NUL never gets past the middleware.
                if label in NUL_VALUES and (method == "GET" or (method == "POST form" and not url.startswith("/api/"))):
                    assert response.status_code == 400, f"{where}: {response.status_code}"


@pytest.mark.parametrize("name", sorted(n for n, (_, key) in ROUTES.items() if key is not None))
def test_no_route_fails_on_a_hostile_path_id(name, users, world):
    _, key = ROUTES[name]
    url = url_for(name, world)
    hostile_ids = ["0", "9" * 30, "-1", "abc", "1e99", "[]", "a" * 10_000, "%00", "1%00"]
    for role in PROBE_ROLES:
        client = client_for(users[role])
        for hostile in hostile_ids:
            probe = _replace_id(url, str(world[key]), hostile)
            assert probe != url
            for response in (client.get(probe), client.post(probe, {})):
                assert response.status_code < 500, f"{probe[:80]} as {role}: {response.status_code}"
                assert response.status_code not in (200, 201), f"{probe[:80]} as {role}: found something"
                if "%00" in hostile:
                    assert response.status_code == 400, f"{probe[:80]} as {role}"


# Typed filters of the API: a wrong type is the client's error (4xx), not an empty 200.
@pytest.mark.parametrize(
    ("name", "param"),
    [
        ("api:officer-list", "department"),
        ("api:officer-list", "page"),
        ("api:department-list", "page"),
        ("api:gallery", "department"),
    ],
)
@pytest.mark.parametrize("value", ["abc", "-1", "1e99", "[]", "9" * 10_000])
def test_the_apis_typed_filters_refuse_a_wrong_type(name, param, value, users, world):
    client = client_for(users["admin"])
    response = client.get(url_for(name, world), {param: value})
    assert 400 <= response.status_code < 500, f"{name}?{param}={value[:20]}: {response.status_code}"
