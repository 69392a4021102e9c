"""Telling an uploader, once, what became of their photo, at an address they chose to leave.

Two events, one e-mail each per photo, never twice: the first time a face in the photo is
identified as an officer (any path: confirm, identify, a group; faces.services.review), and
the takedown. The claim (`sent_*_at`) is written in the deciding transaction, and the e-mail
is sent by a Celery task queued when it commits (faces.tasks.send_upload_notice), never by
the request. So a rolled-back decision sends nothing, and a second decision finds the claim.
"""

from __future__ import annotations

import logging
import secrets
import unicodedata
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from faces.models import Image, UploadNotice
from oversight.exceptions import DomainError

logger = logging.getLogger(__name__)

IDENTIFIED = "identified"
TAKEDOWN = "takedown"
EMAIL_MAX_LENGTH = 254  # RFC 5321's path limit, and UploadNotice.email's


class InvalidEmail(DomainError):
    code = "invalid_email"
    field = "notify_email"
    default_message = "This e-mail address is not valid; enter one address like name@example.org, or leave it empty."


def clean_notify_email(value: str | None) -> str:
    """The address as stored, or "" for none; refuses anything that is not one plain address.

    The forms check too; this is the service's own check, so no path stores a header
    injection (a line break), a NUL or an over-long address.
    """
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) > EMAIL_MAX_LENGTH:
        raise InvalidEmail(f"This e-mail address is too long (at most {EMAIL_MAX_LENGTH} characters).")
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise InvalidEmail()
    try:
        validate_email(value)
    except ValidationError as exc:
        raise InvalidEmail() from exc
    return value


def notice_create(image: Image, email: str) -> UploadNotice | None:
    """Keep the uploader's address for this photo's two e-mails (none given: nothing kept)."""
    email = clean_notify_email(email)
    if not email:
        return None
    return UploadNotice.objects.create(image=image, email=email, token=secrets.token_urlsafe(32))


def notice_delete(token: str) -> bool:
    """The address's owner deletes it (the link in every e-mail); False if it was gone already."""
    deleted, _ = UploadNotice.objects.filter(token=token).delete()
    return deleted > 0


def _claim(image_id: int, field: str) -> list[int]:
    """Lock the photo's notices not yet sent for this event and mark them sent.

    select_for_update re-reads a row another transaction just claimed, so two decisions
    committing at once claim it once.
    """
    pending = UploadNotice.objects.select_for_update().filter(image_id=image_id, **{f"{field}__isnull": True})
    ids = list(pending.values_list("pk", flat=True))
    if ids:
        UploadNotice.objects.filter(pk__in=ids).update(**{field: timezone.now()})
    return ids


def _queue_on_commit(ids: list[int], kind: str, image_id: int) -> None:
    for notice_id in ids:
        transaction.on_commit(partial(queue_notice, notice_id, kind, image_id))


def notify_identified(image_id: int) -> int:
    """A face in the photo was identified as an officer: the first time, queue the e-mail."""
    ids = _claim(image_id, "sent_identified_at")
    _queue_on_commit(ids, IDENTIFIED, image_id)
    return len(ids)


def notify_takedown(image_id: int) -> int:
    """The photo is being taken down: queue its e-mail (the task deletes the address after)."""
    ids = _claim(image_id, "sent_takedown_at")
    _queue_on_commit(ids, TAKEDOWN, image_id)
    return len(ids)


def queue_notice(notice_id: int, kind: str, image_id: int) -> None:
    from faces.tasks import send_upload_notice

    try:
        send_upload_notice.delay(notice_id, kind, image_id)
    except Exception:
        # The claim stands: an e-mail lost to a broker outage is better than one sent twice.
        logger.exception("could not queue the %s notice %s", kind, notice_id)


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _message(notice: UploadNotice, kind: str, image_id: int) -> tuple[str, str]:
    if kind == IDENTIFIED:
        return (
            "A police officer in your photo was identified",
            "Hello,\n\n"
            "A volunteer identified a police officer in the photo you uploaded to Oversight:\n"
            f"{_absolute(reverse('image_detail', args=[image_id]))}\n\n"
            "This is the only e-mail about this; if the photo is ever taken down, you will get one more.\n"
            "To delete your e-mail address from Oversight now:\n"
            f"{_absolute(reverse('notice_delete', args=[notice.token]))}\n",
        )
    return (
        "Your photo was taken down",
        "Hello,\n\n"
        f"The photo you uploaded to Oversight on {notice.created_at:%Y-%m-%d} was taken down: the photo, "
        "every copy of it and the faces in it have been removed.\n\n"
        "This is the last e-mail about it; your e-mail address has been deleted with it.\n",
    )


def notice_send(notice_id: int, kind: str, image_id: int) -> bool:
    """Send one notice (the task's body); False when there is nothing to send any more.

    Raises what the mail backend raises (SMTPException, OSError), for the task to retry.
    """
    notice = UploadNotice.objects.filter(pk=notice_id).first()
    if notice is None:
        return False  # the address was deleted since
    if kind == IDENTIFIED and notice.image_id is None:
        return False  # taken down since: that e-mail says all there is to say
    subject, body = _message(notice, kind, image_id)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [notice.email], fail_silently=False)
    if kind == TAKEDOWN:
        notice.delete()  # kept only for these e-mails, and this was the last
    return True
