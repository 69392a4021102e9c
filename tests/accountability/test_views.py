"""The public report form, the links to it, and the reporter's private status page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accountability.models import ProblemReport
from tests.conftest import client_for

FORM = reverse("report_new")
ROLES = ["anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin"]


def status_url(report: ProblemReport) -> str:
    return reverse("report_status", args=[report.token])


@pytest.mark.parametrize("role", ROLES)
def test_anyone_can_report_a_face_and_lands_on_its_private_page(role, users, scene):
    client = client_for(users[role])
    form = client.get(FORM, {"face": scene.unknown.pk})
    assert form.status_code == 200
    assert f"Face 2 in photo {scene.photo.pk}" in form.content.decode()
    response = client.post(FORM, {"face": scene.unknown.pk, "kind": "shows_me", "message": "That is me"})
    report = ProblemReport.objects.get()
    assert response.status_code == 302 and response["Location"] == status_url(report)
    assert (report.face, report.image, report.kind) == (scene.unknown, scene.photo, "shows_me")


def test_the_form_reports_a_photo_and_an_officer_page_too(client, scene):
    assert client.post(FORM, {"image": scene.photo.pk, "kind": "personal_info"}).status_code == 302
    assert client.post(FORM, {"officer": scene.officer.pk, "kind": "other"}).status_code == 302
    assert [r.kind for r in ProblemReport.objects.all()] == ["personal_info", "other"]


@pytest.mark.parametrize(
    "query",
    [{}, {"face": "999999"}, {"image": "0"}, {"officer": "-1"}, {"face": "abc"}, {"face": "9" * 40}, {"image": "1e9"}],
)
def test_the_form_is_not_found_for_nothing_or_a_nonexistent_thing(client, scene, query):
    assert client.get(FORM, query).status_code == 404
    assert client.post(FORM, {**query, "kind": "other"}).status_code == 404
    assert ProblemReport.objects.count() == 0


def test_a_nul_byte_is_refused_before_any_lookup(client, scene):
    assert client.get(FORM, {"face": "1\x00"}).status_code == 400
    assert client.post(FORM, {"face": scene.unknown.pk, "kind": "other", "message": "a\x00b"}).status_code == 400
    assert ProblemReport.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"kind": "bogus"}, "from the list"),
        ({}, "Choose what is wrong"),
        ({"kind": "other", "message": "x" * 2001}, "at most 2000"),
        ({"kind": "other", "contact_email": "nope"}, "valid email"),
    ],
)
def test_an_invalid_report_is_shown_again_with_its_error_and_nothing_is_stored(client, scene, fields, error):
    response = client.post(FORM, {"face": scene.unknown.pk, **fields})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert ProblemReport.objects.count() == 0


def test_a_face_of_another_photo_is_refused_on_the_form(client, scene):
    response = client.post(FORM, {"face": scene.other_face.pk, "image": scene.photo.pk, "kind": "other"})
    assert response.status_code == 400
    assert "not in that photo" in response.content.decode()
    assert ProblemReport.objects.count() == 0


def test_the_status_page_shows_the_report_but_nothing_private(client, scene):
    client.post(
        FORM,
        {"face": scene.unknown.pk, "kind": "shows_me", "message": "secret words", "contact_email": "me@example.org"},
    )
    report = ProblemReport.objects.get()
    response = client.get(status_url(report))
    page = response.content.decode()
    assert response.status_code == 200
    assert "This photo shows me" in page and "Open" in page
    assert "secret words" not in page and "me@example.org" not in page
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"] and '<meta name="robots" content="noindex' in page
    assert "no-store" in response["Cache-Control"]
    assert report.token in page  # the private link, to keep


@pytest.mark.parametrize(
    "guess", ["0", "a" * 43, "A" * 64, "x" * 65, "short", "..", "%2e%2e", "' OR 1=1 --", "z" * 10_000]
)
def test_a_guessed_token_finds_nothing(client, scene, guess):
    ProblemReport.objects.create(kind="other", department=scene.photo.department, image=scene.photo)
    assert client.get(f"/reports/{guess}/").status_code == 404


def test_a_token_with_one_character_changed_finds_nothing(client, scene):
    report = ProblemReport.objects.create(kind="other", department=scene.photo.department, image=scene.photo)
    changed = ("B" if report.token[0] != "B" else "C") + report.token[1:]
    assert client.get(f"/reports/{changed}/").status_code == 404
    assert client.get(f"/reports/{report.token}/").status_code == 200


def test_the_photo_page_links_to_a_report_for_the_photo_and_for_each_face(client, scene):
    page = client.get(reverse("image_detail", args=[scene.photo.pk])).content.decode()
    assert f"/report/?image={scene.photo.pk}" in page
    for face in (scene.identified, scene.unknown):
        assert f"/report/?face={face.pk}" in page
    assert 'data-report-url="/report/"' in page  # the script redraws the faces with the same link


def test_the_officer_page_links_to_a_report_for_it(client, scene):
    page = client.get(reverse("officer_detail", args=[scene.officer.pk])).content.decode()
    assert re.search(rf'href="/report/\?officer={scene.officer.pk}"', page)


# --- Videos ---------------------------------------------------------------------------------
def test_anyone_can_report_a_video_from_its_page_and_follow_it_after_the_video_is_gone(
    client, users, allowed_department, django_capture_on_commit_callbacks
):
    from tests.videos import sequences as video_rows
    from videos.models import Video
    from videos.services.takedown import video_takedown

    video = video_rows.video(allowed_department)
    page = client.get(reverse("video_detail", args=[video.pk])).content.decode()
    assert f"/report/?video={video.pk}" in page and "Report a problem with this video" in page
    form = client.get(FORM, {"video": video.pk})
    assert form.status_code == 200 and f"Video {video.pk}" in form.content.decode()
    assert reverse("video_detail", args=[video.pk]) in form.content.decode()  # back to the video
    response = client.post(FORM, {"video": video.pk, "kind": "shows_me", "message": "I am filmed at 0:02"})
    report = ProblemReport.objects.get()
    assert response.status_code == 302 and response["Location"] == status_url(report)
    assert (report.video, report.department, report.image, report.face) == (video, allowed_department, None, None)
    assert f"Video {video.pk}" in client.get(status_url(report)).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        video_takedown(video, actor=users["admin"], reason="The person filmed asked")
    assert not Video.objects.filter(pk=video.pk).exists()
    after = client.get(status_url(report))
    assert after.status_code == 200 and "Something that has since been removed" in after.content.decode()


@pytest.mark.parametrize("video", ["999999", "0", "-1", "abc", "9" * 40])
def test_the_form_is_not_found_for_a_nonexistent_video(client, scene, video):
    assert client.get(FORM, {"video": video}).status_code == 404
    assert client.post(FORM, {"video": video, "kind": "other"}).status_code == 404
    assert ProblemReport.objects.count() == 0


def test_a_video_is_reported_alone(client, scene, allowed_department):
    from tests.videos import sequences as video_rows

    video = video_rows.video(allowed_department)
    response = client.post(FORM, {"video": video.pk, "face": scene.unknown.pk, "kind": "other"})
    assert response.status_code == 400 and "names only the video" in response.content.decode()
    assert ProblemReport.objects.count() == 0
