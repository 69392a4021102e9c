"""The one e-mail a reporter may get: the outcome of their report, with its private link."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from accountability.models import ProblemReport


def status_url(report: ProblemReport) -> str:
    return settings.SITE_URL + reverse("report_status", args=[report.token])


def report_outcome_send(report_id: int, address: str) -> bool:
    """Send the outcome to `address`; False when the report is gone or still open (nothing to tell)."""
    report = ProblemReport.objects.filter(pk=report_id).first()
    if report is None or report.status == ProblemReport.Status.OPEN:
        return False
    lines = [
        "Thank you for your report to Oversight.",
        "",
        f"What you reported: {report.get_kind_display()}",
        f"Outcome: {report.get_status_display()}",
    ]
    if report.resolution:
        lines += ["", "The coordinator's note:", report.resolution]
    lines += [
        "",
        f"You can see the report at any time here (keep this link private): {status_url(report)}",
        "",
        "Your e-mail address has been removed from the report; we will not write again.",
    ]
    send_mail(
        subject=f"Your report: {report.get_status_display()}",
        message="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[address],
    )
    return True
