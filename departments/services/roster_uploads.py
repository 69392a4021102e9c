"""Roster uploads for the page: preview a CSV, keep the very file, apply it once.

The page imports in two steps (see review/views/roster.py): the preview runs `roster_import`
as a dry run and, only when the file has no error, keeps the file in the default storage
(private) with its SHA-256 as a `RosterUpload`; the apply re-runs `roster_import` on that
stored file — the roster may have changed since, so every check runs again — and marks the
upload applied in the same transaction, under a row lock, so a second apply (a double click,
two tabs) finds it applied and imports nothing. The API imports in one request and calls
`roster_import` directly, sharing only `read_roster_upload` (the size limit).
"""

from __future__ import annotations

import datetime
import hashlib
import io
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from departments.models import Department, RosterUpload
from departments.roster import roster_import
from departments.roster_reading import RosterReport
from departments.services.records import require_editor
from oversight.exceptions import Conflict, DomainError, Unavailable

FILE_NAME_MAX = 200


class RosterTooLarge(DomainError):
    code = "too_large"
    status = 413
    field = "file"


def too_large_message() -> str:
    limit = settings.ROSTER_MAX_BYTES
    shown = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit} bytes"
    return f"The roster file is larger than the {shown} limit; split it or ask an administrator."


def read_roster_upload(upload: IO[bytes] | Any) -> bytes:
    """The upload's bytes, at most ROSTER_MAX_BYTES (RosterTooLarge otherwise, before reading it all)."""
    limit = settings.ROSTER_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise RosterTooLarge(too_large_message())
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise RosterTooLarge(too_large_message())
    return data if isinstance(data, bytes) else data.encode("utf-8")


def clean_file_name(name: str) -> str:
    """A display name: the last path part, printable characters only, bounded."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:FILE_NAME_MAX]


def roster_upload_preview(
    department: Department,
    upload: IO[bytes] | Any,
    *,
    actor: Any,
    effective_date: datetime.date | None = None,
) -> tuple[RosterReport, RosterUpload | None]:
    """Dry-run the file; keep it for the apply only when it has no error.

    Returns the report and the stored upload (None when the file has errors: nothing is kept).
    """
    require_editor(actor, department)
    data = read_roster_upload(upload)
    file_name = clean_file_name(getattr(upload, "name", "") or "")
    effective = effective_date or timezone.localdate()
    report = roster_import(
        department, io.BytesIO(data), actor=actor, effective_date=effective, dry_run=True, file_name=file_name
    )
    if not report.ok:
        return report, None
    stored = RosterUpload(
        department=department,
        uploaded_by=actor,
        file_name=file_name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        effective_date=effective,
        preview=report.as_dict(),
    )
    # A random name: the person's file name is only displayed, never used as a path.
    stored.file.save(f"{department.pk}-{stored.sha256[:16]}.csv", ContentFile(data), save=False)
    stored.save()
    return report, stored


def _stored_bytes(upload: RosterUpload) -> bytes:
    try:
        with upload.file.open("rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise Unavailable("The stored roster file cannot be read now; try again later.") from exc
    if hashlib.sha256(data).hexdigest() != upload.sha256:
        raise Conflict("The stored roster file is not the one previewed; upload it again.")
    return data


def roster_upload_apply(upload: RosterUpload, *, actor: Any) -> tuple[RosterReport | None, RosterUpload]:
    """Import the stored file, once.

    Returns (report, upload): the report is None when the upload was already applied (the
    stored result is `upload.report`); a report with errors means nothing was written (the
    roster changed since the preview) and the upload stays unapplied.
    """
    require_editor(actor, upload.department_id)
    with transaction.atomic():
        locked = RosterUpload.objects.select_for_update().select_related("department").get(pk=upload.pk)
        if locked.applied_at is not None:
            return None, locked
        data = _stored_bytes(locked)
        report = roster_import(
            locked.department,
            io.BytesIO(data),
            actor=actor,
            effective_date=locked.effective_date,
            file_name=locked.file_name,
        )
        if report.applied:
            locked.applied_at = timezone.now()
            locked.applied_by = actor
            locked.report = report.as_dict()
            locked.save(update_fields=["applied_at", "applied_by", "report"])
    return report, locked
