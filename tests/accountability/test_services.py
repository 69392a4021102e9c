"""report_create: what may be reported, and the department each report goes to."""

from __future__ import annotations

import pytest

from accountability.errors import ReportError
from accountability.models import ProblemReport
from accountability.services import report_close, report_create
from tests import factories

Kind = ProblemReport.Kind


def test_a_face_report_goes_to_the_department_of_its_photo(scene, allowed_department):
    report = report_create(kind=Kind.NOT_AN_OFFICER, face=scene.unknown, message="  a bystander  ")
    assert report.department == allowed_department
    assert report.image == scene.photo
    assert report.face == scene.unknown
    assert report.message == "a bystander"
    assert report.status == ProblemReport.Status.OPEN
    assert len(report.token) >= 40


def test_an_officer_page_report_goes_to_the_officers_department(scene, other_department):
    transferred = factories.officer(other_department)
    report = report_create(kind=Kind.OTHER, officer=transferred)
    assert report.department == other_department
    assert report.image is None and report.face is None


def test_a_face_and_the_officer_it_is_identified_as_may_be_reported_together(scene):
    report = report_create(kind=Kind.NOT_THIS_OFFICER, face=scene.identified, officer=scene.officer)
    assert report.officer == scene.officer


def test_each_report_gets_its_own_unguessable_token(scene):
    tokens = {report_create(kind=Kind.OTHER, image=scene.photo).token for _ in range(5)}
    assert len(tokens) == 5


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"kind": "bogus"}, "kind"),
        ({"kind": ""}, "kind"),
        ({"kind": Kind.OTHER, "message": "x" * 2001}, "message"),
        ({"kind": Kind.OTHER, "message": "bad\x00byte"}, "message"),
        ({"kind": Kind.OTHER, "contact_email": "not-an-address"}, "contact_email"),
        ({"kind": Kind.OTHER, "contact_email": "a@b.org\x00"}, "contact_email"),
        ({"kind": Kind.OTHER, "contact_email": "a" * 300 + "@example.org"}, "contact_email"),
    ],
)
def test_it_refuses_hostile_or_invalid_input_and_stores_nothing(scene, arguments, field):
    with pytest.raises(ReportError) as refused:
        report_create(image=scene.photo, **arguments)
    assert refused.value.field == field
    assert ProblemReport.objects.count() == 0


def test_a_message_of_exactly_2000_characters_is_kept(scene):
    assert len(report_create(kind=Kind.OTHER, image=scene.photo, message="y" * 2000).message) == 2000


def test_it_refuses_a_face_named_with_another_photo(scene):
    with pytest.raises(ReportError, match="not in that photo"):
        report_create(kind=Kind.OTHER, face=scene.other_face, image=scene.photo)
    assert ProblemReport.objects.count() == 0


def test_it_refuses_an_officer_the_face_is_not_identified_as(scene, allowed_department):
    stranger = factories.officer(allowed_department)
    with pytest.raises(ReportError, match="not identified there"):
        report_create(kind=Kind.NOT_THIS_OFFICER, face=scene.identified, officer=stranger)
    with pytest.raises(ReportError, match="not identified there"):
        report_create(kind=Kind.NOT_THIS_OFFICER, face=scene.unknown, officer=scene.officer)


def test_it_refuses_an_officer_not_publicly_identified_in_the_photo(scene, allowed_department):
    assert report_create(kind=Kind.NOT_THIS_OFFICER, image=scene.photo, officer=scene.officer)
    with pytest.raises(ReportError):
        report_create(kind=Kind.NOT_THIS_OFFICER, image=scene.other_photo, officer=scene.officer)


def test_it_refuses_a_report_about_nothing(db):
    with pytest.raises(ReportError, match="what the report is about"):
        report_create(kind=Kind.OTHER)


@pytest.fixture
def broker_down(tmp_path):
    """The filesystem broker with its queue folder missing: every publish fails, as in an outage."""
    from oversight.celery import app

    keys = ("broker_url", "task_always_eager", "broker_transport_options")
    saved = {k: app.conf[k] for k in keys}
    gone = str(tmp_path / "gone" / "queue")
    options = {
        "data_folder_in": gone,
        "data_folder_out": gone,
        **{f"{name}_folder": str(tmp_path / name) for name in ("processed", "control", "tmp", "corrupt")},
    }
    app.conf.update(broker_url="filesystem://", task_always_eager=False, broker_transport_options=options)
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None


def test_closing_a_report_succeeds_and_is_logged_when_its_e_mail_cannot_be_queued(
    scene, users, broker_down, caplog, django_capture_on_commit_callbacks
):
    report = report_create(kind=Kind.NOT_AN_OFFICER, face=scene.unknown, contact_email="reporter@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        report_close(report, status=ProblemReport.Status.DISMISSED, resolution="Checked", actor=users["admin"])
    report.refresh_from_db()
    assert (report.status, report.contact_email) == (ProblemReport.Status.DISMISSED, "")
    assert f"could not queue the outcome e-mail of report {report.pk}" in caplog.text
