"""Roster uploads for the page: preview a CSV, keep the very file, apply it once.

The page imports in two steps (see review/views/roster.py): the preview runs `roster_import`
as a dry run and, only when the file has no error, keeps the file in the default storage
(private) with its SHA-256 as a `RosterUpload`; the apply re-runs `roster_import` on that
stored file — the roster may have changed since, so every check runs again — and marks the
upload applied in the same transaction, under a row lock, so a second apply (a double click,
two tabs) finds it applied and imports nothing. The apply writes only the previewed plan
(`plan_digest`): when the roster changed so that the file would now change something else
(say, revert a correction made meanwhile), it writes nothing and stores the new preview.
The API imports in one request and calls `roster_import` directly, sharing only
`read_roster_upload` (the size limit).

The stored file holds names, race and birth years: it is deleted once applied, and unapplied
previews older than ROSTER_PREVIEW_KEEP_DAYS are pruned (`roster_previews_prune`, a beat task).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import io
import logging
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from departments.models import Department, RosterUpload
from departments.roster import roster_import
from departments.roster_reading import RosterReport
from departments.services.records import audit_actor, require_editor
from oversight.exceptions import Conflict, DomainError, Unavailable

logger = logging.getLogger(__name__)

FILE_NAME_MAX = 200
EXPIRED = "This preview expired and its file was deleted; upload the roster again."


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
        uploaded_by=audit_actor(actor),
        file_name=file_name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        effective_date=effective,
        preview=report.as_dict(),
        plan_digest=report.plan_digest,
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
    """Import the stored file, once, and only the plan its preview showed.

    Returns (report, upload): the report is None when the upload was already applied (the
    stored result is `upload.report`); a report with errors means nothing was written (the
    roster changed since the preview and the file no longer fits it); `report.plan_changed`
    means nothing was written because the file would now change other things than the preview
    showed: the new preview is stored on the upload, to be reviewed and applied again.
    Conflict when the preview expired (its file was pruned).
    """
    require_editor(actor, upload.department_id)
    with transaction.atomic():
        locked = RosterUpload.objects.select_for_update().select_related("department").get(pk=upload.pk)
        if locked.applied_at is not None:
            return None, locked
        if locked.expired_at is not None or not locked.file:
            raise Conflict(EXPIRED)
        data = _stored_bytes(locked)
        report = roster_import(
            locked.department,
            io.BytesIO(data),
            actor=actor,
            effective_date=locked.effective_date,
            file_name=locked.file_name,
            # An upload stored before digests existed has none: it is previewed again.
            expect_digest=locked.plan_digest,
            upload_id=locked.pk,
        )
        if report.plan_changed:
            report.dry_run = True
            locked.preview = report.as_dict()
            locked.plan_digest = report.plan_digest
            locked.save(update_fields=["preview", "plan_digest"])
        elif report.applied:
            locked.applied_at = timezone.now()
            locked.applied_by = audit_actor(actor)
            locked.report = report.as_dict()
            stored_name = locked.file.name or ""
            locked.file = ""
            locked.save(update_fields=["applied_at", "applied_by", "report", "file"])
            # The import is committed with its report; the file itself is no longer needed.
            transaction.on_commit(lambda: delete_stored_file(stored_name))
    return report, locked


def delete_stored_file(name: str) -> None:
    """Delete a roster file from storage; a failure is logged (the beat task retries old ones)."""
    if not name:
        return
    try:
        default_storage.delete(name)
    except OSError:
        logger.warning("could not delete the roster file %s", name, exc_info=True)


def _without_rows(report: dict[str, Any]) -> dict[str, Any]:
    """A stored report without its per-row values (names, race, birth years): counts only."""
    return {**report, "changes": [], "changes_truncated": False}


def roster_previews_prune(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of applied uploads and of unapplied previews older than ROSTER_PREVIEW_KEEP_DAYS.

    An expired preview keeps its row (its page says it expired) but loses its file and the
    per-row values of its preview. Returns how many uploads lost their file.
    """
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.ROSTER_PREVIEW_KEEP_DAYS)
    pruned = 0
    stale = RosterUpload.objects.exclude(file="").filter(
        Q(applied_at__isnull=False) | Q(applied_at__isnull=True, created_at__lt=cutoff)
    )
    for pk in stale.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            upload = RosterUpload.objects.select_for_update().filter(pk=pk).exclude(file="").first()
            if upload is None:  # applied or pruned meanwhile
                continue
            name: str = upload.file.name or ""
            upload.file = ""
            fields = ["file"]
            if upload.applied_at is None:
                upload.expired_at = timezone.now()
                upload.preview = _without_rows(upload.preview or {})
                fields += ["expired_at", "preview"]
            upload.save(update_fields=fields)
            transaction.on_commit(functools.partial(delete_stored_file, name))
        pruned += 1
    return pruned
