"""The coordinators' queue of problem reports: who may see and resolve, and each outcome."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accountability.errors import ReportAlreadyResolved, ReportError
from accountability.models import ProblemReport
from accountability.selectors import face_number
from accountability.services import report_create
from faces.models import Decision, Face, Image, Takedown
from faces.renditions import public_rendition_bytes, rendition_key
from oversight.exceptions import NotPermitted
from review.services.reports import report_resolve
from tests import factories
from tests.accountability.conftest import make_scene
from tests.conftest import client_for

Status = ProblemReport.Status

# role → may see and resolve the allowed department's reports
ACCESS = {
    "anonymous": False,
    "member": False,
    "volunteer": False,
    "coordinator": True,
    "other_coordinator": False,
    "admin": True,
}


@pytest.fixture
def scene(users, allowed_department, other_department, officer):
    """The photo with two faces the accountability tests use (tests/accountability/conftest.py)."""
    return make_scene(users, allowed_department, other_department, officer)


@pytest.fixture
def report(scene):
    return report_create(kind="not_an_officer", face=scene.unknown, contact_email="reporter@example.org")


@pytest.mark.parametrize(("role", "allowed"), ACCESS.items())
def test_only_the_departments_coordinators_and_administrators_see_its_reports(role, allowed, users, report):
    client = client_for(users[role])
    for url in (reverse("review_reports", args=[report.department.slug]), reverse("review_report", args=[report.pk])):
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == (200 if allowed else 403), url


@pytest.mark.parametrize(("role", "allowed"), ACCESS.items())
def test_only_they_can_resolve_one(role, allowed, users, report):
    client = client_for(users[role])
    response = client.post(reverse("review_report", args=[report.pk]), {"outcome": "dismissed", "reason": "Fine."})
    report.refresh_from_db()
    assert report.status == (Status.DISMISSED if allowed else Status.OPEN)
    if allowed:
        assert response.status_code == 302


def test_the_dashboard_counts_open_reports_per_department(users, report, scene):
    report_create(kind="other", image=scene.other_photo)
    page = client_for(users["coordinator"]).get(reverse("review_dashboard")).content.decode()
    assert "Reports (1 open)" in page
    admin_page = client_for(users["admin"]).get(reverse("review_dashboard")).content.decode()
    assert admin_page.count("Reports (1 open)") == 2
    assert "Reports (" not in client_for(users["volunteer"]).get(reverse("review_dashboard")).content.decode()


def test_the_list_shows_open_reports_and_recently_resolved_ones(users, report):
    client = client_for(users["coordinator"])
    url = reverse("review_reports", args=[report.department.slug])
    assert f"Report {report.pk}" in client.get(url).content.decode().split("Recently resolved")[0]
    report_resolve(report, outcome="dismissed", reason="Not a problem.", actor=users["coordinator"])
    assert f"Report {report.pk}" in client.get(url).content.decode().split("Recently resolved")[1]


def _face_reports(department, count: int) -> list[ProblemReport]:
    """`count` open reports, each on a later face of a photo of three faces (a photo per three reports)."""
    reports = []
    for n in range(count):
        if n % 3 == 0:
            photo = factories.image(department, status=Image.Status.DONE)
            faces = [factories.face(photo, x=10 + 70 * i) for i in range(3)]
        reports.append(report_create(kind="not_an_officer", face=faces[2 - n % 3]))
    return reports


def test_the_list_names_each_reported_face_by_its_number_in_its_photo(users, allowed_department):
    reports = _face_reports(allowed_department, 4)
    photo_report = report_create(kind="other", image=reports[0].image)
    page = client_for(users["coordinator"]).get(reverse("review_reports", args=[allowed_department.slug]))
    labels = [label for _, label in page.context["open_reports"]]
    expected = [f"Face {face_number(r.face)} in photo {r.face.image_id}" for r in reports]
    assert labels == [*expected, f"Photo {photo_report.image_id}"]
    assert [label.split(" in ")[0] for label in expected] == ["Face 3", "Face 2", "Face 1", "Face 3"]
    assert all(label in page.content.decode() for label in labels)


def test_the_list_takes_the_same_queries_for_one_report_as_for_five(users, allowed_department):
    client = client_for(users["coordinator"])
    url = reverse("review_reports", args=[allowed_department.slug])
    client.get(url)  # a session's first page may do more than the next ones
    _face_reports(allowed_department, 1)
    with CaptureQueriesContext(connection) as for_one:
        assert client.get(url).content.decode().count(" in photo ") == 1
    _face_reports(allowed_department, 4)
    with CaptureQueriesContext(connection) as for_five:
        assert client.get(url).content.decode().count(" in photo ") == 5
    assert len(for_five.captured_queries) == len(for_one.captured_queries)


# --- Outcomes ---------------------------------------------------------------------------------


def test_dismissing_needs_a_reason(users, report):
    with pytest.raises(ReportError, match="Say why"):
        report_resolve(report, outcome="dismissed", reason="  ", actor=users["coordinator"])
    response = client_for(users["coordinator"]).post(
        reverse("review_report", args=[report.pk]), {"outcome": "dismissed", "reason": ""}
    )
    assert response.status_code == 400 and "Say why" in response.content.decode()
    report.refresh_from_db()
    assert report.status == Status.OPEN and report.contact_email


def test_dismissing_keeps_everything_and_mails_the_reporter_once_then_forgets_the_address(
    users, report, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report_resolve(report, outcome="dismissed", reason="The face is of an officer.", actor=users["coordinator"])
    report.refresh_from_db()
    assert (report.status, report.resolution, report.resolved_by) == (
        Status.DISMISSED,
        "The face is of an officer.",
        users["coordinator"],
    )
    assert report.contact_email == "" and report.resolved_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["reporter@example.org"]
    assert "Dismissed" in message.subject and "The face is of an officer." in message.body
    assert f"/reports/{report.token}/" in message.body


def test_no_mail_without_an_address(users, scene, django_capture_on_commit_callbacks):
    report = report_create(kind="other", image=scene.photo)
    with django_capture_on_commit_callbacks(execute=True):
        report_resolve(report, outcome="dismissed", reason="No.", actor=users["admin"])
    assert mail.outbox == []


def test_undoing_the_identification_is_a_recorded_undo(users, scene, django_capture_on_commit_callbacks):
    report = report_create(kind="not_this_officer", face=scene.identified, officer=scene.officer)
    identification = Decision.objects.get(face=scene.identified, kind=Decision.Kind.IDENTIFY)
    with django_capture_on_commit_callbacks(execute=True):
        report_resolve(report, outcome="undone", reason="Wrong officer.", actor=users["coordinator"])
    face = Face.objects.get(pk=scene.identified.pk)
    assert face.officer_id is None and not face.is_civilian
    identification.refresh_from_db()
    assert identification.undone_by == users["coordinator"]
    assert Decision.objects.filter(face=face, kind=Decision.Kind.UNDO, actor=users["coordinator"]).exists()
    assert ProblemReport.objects.get(pk=report.pk).status == Status.IDENTIFICATION_UNDONE


def test_undoing_an_unidentified_face_is_refused(users, report):
    with pytest.raises(ReportError, match="nothing to undo"):
        report_resolve(report, outcome="undone", reason="", actor=users["coordinator"])
    assert ProblemReport.objects.get(pk=report.pk).status == Status.OPEN


def test_marking_an_identified_face_not_an_officer_undoes_then_records_a_civilian_decision(
    users,
    scene,
    django_capture_on_commit_callbacks,
):
    report = report_create(kind="not_an_officer", face=scene.identified)
    before_key = rendition_key(scene.photo)
    with django_capture_on_commit_callbacks(execute=True):
        report_resolve(report, outcome="not_officer", reason="A bystander.", actor=users["admin"])
    face = Face.objects.get(pk=scene.identified.pk)
    assert face.is_civilian and face.officer_id is None and not face.use_for_recognition
    kinds = list(Decision.objects.filter(face=face, actor=users["admin"]).order_by("pk").values_list("kind", flat=True))
    assert kinds == [Decision.Kind.UNDO, Decision.Kind.CIVILIAN]
    # Blurred everywhere: a new public rendition, no public crop, not on the officer's page.
    assert rendition_key(Image.objects.get(pk=scene.photo.pk)) != before_key
    public_rendition_bytes(Image.objects.get(pk=scene.photo.pk))
    assert client_for(None).get(reverse("face_crop", args=[face.pk])).status_code in (403, 404)
    officer_page = client_for(None).get(reverse("officer_detail", args=[scene.officer.pk])).content.decode()
    assert f"/faces/{face.pk}/crop.jpg" not in officer_page


def test_marking_an_unidentified_face_not_an_officer(users, report):
    report_resolve(report, outcome="not_officer", reason="", actor=users["coordinator"])
    face = Face.objects.get(pk=report.face_id)
    assert face.is_civilian
    assert Decision.objects.filter(face=face, kind=Decision.Kind.CIVILIAN, actor=users["coordinator"]).count() == 1


def test_taking_the_photo_down_removes_it_and_keeps_the_report(users, report, django_capture_on_commit_callbacks):
    photo_id = report.image_id
    with django_capture_on_commit_callbacks(execute=True):
        report_resolve(report, outcome="taken_down", reason="It shows a child.", actor=users["coordinator"])
    assert not Image.objects.filter(pk=photo_id).exists()
    takedown = Takedown.objects.get()
    assert takedown.reason == "It shows a child." and takedown.actor == users["coordinator"]
    report.refresh_from_db()
    assert report.status == Status.TAKEN_DOWN and report.image_id is None and report.face_id is None
    assert len(mail.outbox) >= 1 and any(m.to == ["reporter@example.org"] for m in mail.outbox)
    assert client_for(None).get(reverse("report_status", args=[report.token])).status_code == 200


def test_a_takedown_without_a_reason_gets_a_default_one(users, report):
    report_resolve(report, outcome="taken_down", reason="", actor=users["admin"])
    assert Takedown.objects.get().reason


def test_an_outcome_that_does_not_apply_is_refused(users, scene):
    officer_report = report_create(kind="other", officer=scene.officer)
    for outcome in ("undone", "not_officer", "taken_down", "open", "bogus"):
        with pytest.raises(ReportError):
            report_resolve(officer_report, outcome=outcome, reason="x", actor=users["admin"])


def test_a_resolution_is_final(users, report, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report_resolve(report, outcome="dismissed", reason="No.", actor=users["coordinator"])
    with pytest.raises(ReportAlreadyResolved):
        report_resolve(report, outcome="not_officer", reason="", actor=users["admin"])
    response = client_for(users["admin"]).post(
        reverse("review_report", args=[report.pk]), {"outcome": "dismissed", "reason": "again"}
    )
    assert response.status_code == 409 and "final" in response.content.decode()
    assert len(mail.outbox) == 1
    assert not Face.objects.get(pk=report.face_id).is_civilian


def test_another_departments_coordinator_cannot_resolve_through_the_service(users, report):
    with pytest.raises(NotPermitted):
        report_resolve(report, outcome="dismissed", reason="x", actor=users["other_coordinator"])
    with pytest.raises(NotPermitted):
        report_resolve(report, outcome="dismissed", reason="x", actor=users["volunteer"])


@pytest.mark.parametrize("reason", ["x" * 2001, "a\x00b"])
def test_a_hostile_reason_is_refused(users, report, reason):
    with pytest.raises(ReportError):
        report_resolve(report, outcome="dismissed", reason=reason, actor=users["admin"])
    assert ProblemReport.objects.get(pk=report.pk).status == Status.OPEN


def test_the_reporter_sees_the_outcome_on_the_private_page(client, users, report):
    report_resolve(report, outcome="dismissed", reason="It is an officer on duty.", actor=users["coordinator"])
    page = client.get(reverse("report_status", args=[report.token])).content.decode()
    assert "Dismissed" in page and "It is an officer on duty." in page
    assert "coordinator" not in page.split("<main")[1].split("</main>")[0].lower().replace("the coordinator's note", "")


def test_a_refusal_from_the_takedown_is_shown_on_the_report_page(users, report, other_department):
    # The photo moved to another department after the report was filed: the report stays
    # this coordinator's, the takedown is no longer theirs to make.
    Image.objects.filter(pk=report.image_id).update(department=other_department)
    response = client_for(users["coordinator"]).post(
        reverse("review_report", args=[report.pk]), {"outcome": "taken_down", "reason": "A child."}
    )
    assert response.status_code == 400
    assert "can take a photo down" in response.content.decode()
    assert 'name="outcome"' in response.content.decode()  # the form again, to choose another outcome
    assert Image.objects.filter(pk=report.image_id).exists()
    assert ProblemReport.objects.get(pk=report.pk).status == Status.OPEN


# --- A report about a video -------------------------------------------------------------------
def test_a_video_report_can_be_resolved_by_taking_the_video_down(
    users, allowed_department, django_capture_on_commit_callbacks
):
    from tests.videos import sequences as video_rows
    from videos.models import Video, VideoTakedown

    video = video_rows.video(allowed_department)
    video_rows.sequence(of_video=video)
    report = report_create(kind="shows_me", video=video, contact_email="filmed@example.org")
    client = client_for(users["coordinator"])
    page = client.get(reverse("review_report", args=[report.pk])).content.decode()
    assert f"Video {video.pk}" in page and 'value="taken_down"' in page
    assert 'value="undone"' not in page and 'value="not_officer"' not in page  # no face to act on
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("review_report", args=[report.pk]), {"outcome": "taken_down", "reason": ""})
    assert response.status_code == 302
    assert not Video.objects.filter(pk=video.pk).exists() and not Image.objects.exists()
    takedown = VideoTakedown.objects.get()
    assert (takedown.video_id, takedown.actor, takedown.stills_removed) == (video.pk, users["coordinator"], 2)
    assert takedown.reason  # the default one
    report.refresh_from_db()
    assert report.status == Status.TAKEN_DOWN and report.video_id is None
    assert any(m.to == ["filmed@example.org"] for m in mail.outbox)
    status_page = client_for(None).get(reverse("report_status", args=[report.token])).content.decode()
    assert "Something that has since been removed" in status_page and "Taken down" in status_page


def test_a_video_report_cannot_be_taken_down_by_another_departments_coordinator(users, allowed_department):
    from tests.videos import sequences as video_rows
    from videos.models import Video

    video = video_rows.video(allowed_department)
    report = report_create(kind="shows_me", video=video)
    with pytest.raises(NotPermitted):
        report_resolve(report, outcome="taken_down", reason="x", actor=users["other_coordinator"])
    assert Video.objects.filter(pk=video.pk).exists()
