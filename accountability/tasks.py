"""Celery tasks of the accountability app: thin, taking ids, retried when mail is down."""

from __future__ import annotations

import smtplib

from celery import shared_task

from accountability.notify import report_outcome_send

# The mail server refused or went away for a moment: try again, with backoff.
TRANSIENT_MAIL = (smtplib.SMTPException, ConnectionError, TimeoutError, OSError)


@shared_task(
    bind=True,
    autoretry_for=TRANSIENT_MAIL,
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=10,
)
def send_report_outcome(self, report_id: int, address: str) -> bool:
    """The reporter's outcome e-mail; the address travels with the task, the row no longer has it."""
    return report_outcome_send(report_id, address)
