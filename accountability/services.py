"""Writes of problem reports: filing one (anyone) and closing one (the review app's resolution).

A report names a face, a photo, a video or an officer page; its department is derived from that
thing, never taken from the reporter, so it reaches the coordinators who answer for it.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django.utils import timezone

from accountability.errors import ReportError
from accountability.models import ProblemReport
from departments.models import Officer
from faces.models import Face, Image
from faces.renditions import is_public_officer_face
from faces.services.notifications import EMAIL_MAX_LENGTH, InvalidEmail, clean_notify_email
from videos.models import Video

logger = logging.getLogger(__name__)

MESSAGE_MAX = 2000
EMAIL_MAX = EMAIL_MAX_LENGTH  # the one limit of a stored address (faces.services.notifications)


def clean_text(value: str, *, field: str, limit: int = MESSAGE_MAX) -> str:
    """Trimmed text within `limit` characters; NUL bytes refused (PostgreSQL cannot store them)."""
    value = (value or "").strip()
    if "\x00" in value:
        raise ReportError("The text contains a NUL character, which cannot be stored.", field=field)
    if len(value) > limit:
        raise ReportError(f"Please keep it to {limit} characters (this is {len(value)}).", field=field)
    return value


def _clean_email(value: str) -> str:
    """The uploader notices' one check of an address (faces.services.notifications), as a report's refusal."""
    try:
        return clean_notify_email(value)
    except InvalidEmail as exc:
        raise ReportError(exc.message, field="contact_email") from exc


def _subject(
    image: Image | None, face: Face | None, officer: Officer | None, video: Video | None = None
) -> tuple[Image | None, Face | None, Officer | None, int]:
    """Check that what is reported is one consistent, public thing; return it with its department.

    0. A video is reported alone: its department is the video's.
    1. A face implies its photo; a photo named beside it must be that photo.
    2. An officer named beside a face must be who that face is publicly identified as; beside
       a photo alone, someone publicly identified in it.
    3. The department is the photo's (a face's photo's), else the officer's.
    """
    if video is not None:
        if image is not None or face is not None or officer is not None:
            raise ReportError("A report about a video names only the video.", field="video")
        return None, None, None, video.department_id
    if face is not None:
        # Read afresh: the check below is about who the face is identified as now.
        face = Face.objects.select_related("image").defer("embedding").get(pk=face.pk)
        if image is not None and face.image_id != image.pk:
            raise ReportError("That face is not in that photo.", field="face")
        image = face.image
    if officer is not None and image is not None:
        shown = [face] if face is not None else list(image.faces.filter(officer=officer))
        if not any(is_public_officer_face(f) and f.officer_id == officer.pk for f in shown):
            raise ReportError("That officer is not identified there.", field="officer")
    if image is not None:
        return image, face, officer, image.department_id
    if officer is not None:
        return None, None, officer, officer.department_id
    raise ReportError("Say what the report is about: a photo, a face, a video or an officer.")


@transaction.atomic
def report_create(
    *,
    kind: str,
    message: str = "",
    contact_email: str = "",
    image: Image | None = None,
    face: Face | None = None,
    officer: Officer | None = None,
    video: Video | None = None,
) -> ProblemReport:
    """File a report from anyone; the caller has applied the rate limit (accountability.throttles)."""
    if kind not in ProblemReport.Kind.values:
        raise ReportError("Choose what is wrong from the list.", field="kind")
    image, face, officer, department_id = _subject(image, face, officer, video)
    return ProblemReport.objects.create(
        kind=kind,
        department_id=department_id,
        image=image,
        face=face,
        officer=officer,
        video=video,
        message=clean_text(message, field="message"),
        contact_email=_clean_email(contact_email),
    )


def report_close(report: ProblemReport, *, status: str, resolution: str, actor) -> ProblemReport:
    """Record the outcome on a report the caller has locked, inside its transaction.

    The contact address, if any, is used once: the outcome e-mail is queued after commit
    (accountability.tasks, never sent from the request) and the address leaves the row now.
    """
    address = report.contact_email
    now = timezone.now()
    # update(), not save(): a takedown may have just deleted the photo and face this row
    # pointed at (their foreign keys became NULL in the database, not on this instance).
    ProblemReport.objects.filter(pk=report.pk).update(
        status=status, resolution=resolution, resolved_by=actor, resolved_at=now, contact_email=""
    )
    if address:
        transaction.on_commit(partial(queue_report_outcome, report.pk, address))
    report.refresh_from_db()
    return report


def queue_report_outcome(report_id: int, address: str) -> None:
    """Queue the outcome e-mail; a broker that refuses is logged, never raised after the commit.

    The report is closed and its address already gone from the row: the request must still
    succeed, and an e-mail lost to an outage is the cost (as for faces.services.notifications).
    """
    from accountability.tasks import send_report_outcome

    try:
        send_report_outcome.delay(report_id, address)
    except Exception:
        logger.exception("could not queue the outcome e-mail of report %s", report_id)
