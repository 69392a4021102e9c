"""The outcome e-mail: sent by a Celery task (retried when mail is down), never from the request."""

from __future__ import annotations

import smtplib

from django.core import mail

from accountability.models import ProblemReport
from accountability.services import report_create
from accountability.tasks import send_report_outcome


def test_the_task_sends_the_outcome_with_the_private_link(scene, settings):
    settings.SITE_URL = "https://oversight.example.org"
    report = report_create(kind="other", image=scene.photo)
    ProblemReport.objects.filter(pk=report.pk).update(status="dismissed", resolution="Nothing wrong.")
    assert send_report_outcome.run(report.pk, "me@example.org") is True
    assert len(mail.outbox) == 1
    assert f"https://oversight.example.org/reports/{report.token}/" in mail.outbox[0].body


def test_it_sends_nothing_for_an_open_or_missing_report(scene):
    report = report_create(kind="other", image=scene.photo)
    assert send_report_outcome.run(report.pk, "me@example.org") is False
    assert send_report_outcome.run(999_999, "me@example.org") is False
    assert mail.outbox == []


def test_it_retries_when_the_mail_server_fails():
    assert smtplib.SMTPException in send_report_outcome.autoretry_for
    assert ConnectionError in send_report_outcome.autoretry_for
    assert send_report_outcome.max_retries >= 3


def test_resolving_queues_it_after_the_commit_not_in_the_request(scene, users, django_capture_on_commit_callbacks):
    from review.services.reports import report_resolve

    report = report_create(kind="other", image=scene.photo, contact_email="me@example.org")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report_resolve(report, outcome="dismissed", reason="No.", actor=users["admin"])
    assert mail.outbox == [] and len(callbacks) == 1
    assert ProblemReport.objects.get(pk=report.pk).contact_email == ""
    callbacks[0]()
    assert [m.to for m in mail.outbox] == [["me@example.org"]]
