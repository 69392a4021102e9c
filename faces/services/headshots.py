"""Headshot imports: a department's official photos of its officers, named by employee ID or badge.

Each file becomes a photo of the department through `image_create` (the same size, format
and de-duplication rules as any upload), goes through the normal pipeline (`image_process`:
boxes everywhere, embeddings only where departments.policy allows them, at that moment,
but no gallery search), and its face is identified as the officer through the one decision
path (`faces.services.review.face_identify`). Only a face alone on its photo is marked for
the gallery; the largest of several (the others much smaller) is identified, and a person
adds it to the gallery after looking at the crop. Where recognition is
not allowed the face is identified and shown but nothing biometric is computed; turning
recognition on later backfills it (`department_backfill`). Every file gets a
`HeadshotItem` that says what became of it; nothing is dropped silently.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from departments.models import Department, Officer
from departments.services.records import SYSTEM, audit, audit_actor, require_editor
from faces.models import Face, HeadshotBatch, HeadshotItem, Image
from faces.pipeline.decode import ImageRejected
from faces.services.headshot_files import HeadshotFile, HeadshotSource, UnreadableFile, shown_name
from faces.services.processing import NOT_ALLOWED_REASON, image_process
from faces.services.review import AlreadyDecided, face_identify, image_sort
from faces.services.uploads import StorageUnavailable, image_create

logger = logging.getLogger(__name__)

Status = HeadshotItem.Status
# Longer than any request may take in files, so only an intake that was killed is reported.
INTAKE_ABANDONED_AFTER = timedelta(hours=1)


class HeadshotNotReady(Exception):
    """Another worker is still processing the photo; the task tries again shortly."""


def officer_for_key(department: Department, key: str, *, employee_id_first: bool = False) -> tuple[Officer | None, str]:
    """The department's officer an employee ID or badge number names, or why there is none.

    A file name that is one officer's employee ID and another's badge number is refused,
    never guessed; a mapping file names employee IDs, so there the employee ID wins.
    """
    if not key:
        return None, "The file name gives no employee ID or badge number."
    by_id = list(Officer.objects.filter(department=department, employee_id=key))
    if employee_id_first and by_id:
        return by_id[0], ""
    found = {o.pk: o for o in [*by_id, *Officer.objects.filter(department=department, badge_number=key)]}
    if not found:
        return None, f"No officer of {department.name} has the employee ID or badge number “{key}”."
    if len(found) > 1:
        return None, (
            f"“{key}” is the employee ID of one officer and the badge number of another; "
            "name the file in a mapping file (filename,employee_id)."
        )
    return next(iter(found.values())), ""


class _Outcome(NamedTuple):
    status: str
    message: str = ""
    fields: dict[str, Any] = {}


class _Batch:
    """The bookkeeping of one batch while its files are taken in."""

    def __init__(self, batch: HeadshotBatch, actor: Any, mapping: dict[str, str] | None) -> None:
        self.batch, self.actor, self.mapping = batch, actor, mapping
        self.bytes_read = 0

    def add(self, file: HeadshotFile) -> _Outcome:
        """Check one file up front; store its photo and queue it only if all is well.

        1. A file refused by its source (unsafe name, link) is reported as such.
        2. Its key (file name, or the mapping) must name exactly one officer: checked
           before anything is stored, so an unknown ID leaves no photo behind.
        3. Read it (bounded) and store it through image_create, unprocessed.
        """
        if file.problem or file.read is None:
            return _Outcome(Status.BAD_IMAGE, file.problem or "Not a file.")
        if self.mapping is not None:
            key = self.mapping.get(file.base_name)
            if key is None:
                return _Outcome(Status.UNKNOWN_OFFICER, "Not listed in the mapping file.")
        else:
            key = file.key
        department = self.batch.department
        officer, problem = officer_for_key(department, key, employee_id_first=self.mapping is not None)
        if officer is None:
            return _Outcome(Status.UNKNOWN_OFFICER, problem, {"key": key[:100]})
        found = {"key": key[:100], "officer": officer}
        try:
            data = file.read()
        except UnreadableFile as exc:
            return _Outcome(Status.BAD_IMAGE, str(exc), found)
        self.bytes_read += len(data)
        if self.bytes_read > settings.HEADSHOTS_MAX_TOTAL_BYTES:
            limit = settings.HEADSHOTS_MAX_TOTAL_BYTES // (1024 * 1024)
            return _Outcome(Status.BAD_IMAGE, f"Not imported: the batch passed its {limit} MB limit.", found)
        uploader = self.actor if getattr(self.actor, "is_authenticated", False) else None
        try:
            result = image_create(
                upload=data, department=department, uploaded_by=uploader, filename=file.base_name, queue=False
            )
        except ImageRejected as exc:
            return _Outcome(Status.BAD_IMAGE, exc.message, found)
        except StorageUnavailable as exc:
            return _Outcome(Status.FAILED, exc.message, found)
        if result.image.department_id != department.pk:
            return _Outcome(
                Status.FAILED,
                "The same photo is already on the site for another department; it was not imported again.",
                found,
            )
        note = "" if result.created else "The same photo was uploaded before; using that one."
        return _Outcome(Status.QUEUED, note, {**found, "image": result.image})


def headshot_batch_create(
    *, department: Department, source: HeadshotSource, actor: Any, mapping: dict[str, str] | None = None
) -> HeadshotBatch:
    """Take in a batch: one item per file (and per mapping line without a file); nothing runs yet.

    Only coordinators of the department and administrators (or SYSTEM, the command line)
    may; the batch is recorded in RecordChange.

    1. In one transaction: the batch, its audit row, and an item for every file
       (`received`) and for every mapping line no file answers (`missing`). Whatever
       happens next, every file sent has its line on the report.
    2. Then each file on its own: checked, stored, and its item settled or queued. A file
       that fails in a way nobody foresaw is reported `failed`; the others go on. If the
       intake itself is cut short (the request killed), the sweep reports the items
       still `received` (`headshot_intake_sweep`).

    Run it with `headshot_batch_queue` (the workers) or `headshot_batch_run` (in this process).
    """
    require_editor(actor, department)
    mapping_missing = sorted(set(mapping or {}) - {file.base_name for file in source.files})
    with transaction.atomic():
        batch = HeadshotBatch.objects.create(department=department, created_by=audit_actor(actor), source=source.label)
        after = {"source": batch.source, "files": len(source.files), "missing_files": len(mapping_missing)}
        audit(actor, department, "headshots.import", batch, None, after)
        items = HeadshotItem.objects.bulk_create(
            [HeadshotItem(batch=batch, file_name=file.name, status=Status.RECEIVED) for file in source.files]
            + [
                HeadshotItem(
                    batch=batch,
                    file_name=shown_name(name),
                    key=(mapping or {})[name][:100],
                    status=Status.MISSING,
                    message="Listed in the mapping file, but no such file was sent.",
                )
                for name in mapping_missing
            ]
        )
    taking = _Batch(batch, actor, mapping)
    for file, item in zip(source.files, items, strict=False):
        try:
            with transaction.atomic():
                _settle_intake(item.pk, taking.add(file))
        except Exception as exc:  # one file must never cost the others their report
            logger.exception("headshot item %s of batch %s could not be taken in", item.pk, batch.pk)
            _settle_intake(item.pk, _Outcome(Status.FAILED, f"Could not be taken in: {exc.__class__.__name__}."))
    _finish_if_done(batch.pk)
    batch.refresh_from_db()
    return batch


def _settle_intake(item_id: int, outcome: _Outcome) -> None:
    # Only a `received` item: one the sweep already gave up on keeps its report.
    HeadshotItem.objects.filter(pk=item_id, status=Status.RECEIVED).update(
        status=outcome.status, message=outcome.message[:500], updated_at=timezone.now(), **outcome.fields
    )


def headshot_intake_sweep() -> int:
    """Report the files of an intake that was cut short (the request killed mid-batch).

    Their photos were never stored, so there is nothing to process: each is marked
    `failed` with what to do, and its batch finishes once nothing else waits.
    """
    cutoff = timezone.now() - INTAKE_ABANDONED_AFTER
    stale = HeadshotItem.objects.filter(status=Status.RECEIVED, updated_at__lt=cutoff)
    batch_ids = set(stale.values_list("batch_id", flat=True))
    count = stale.update(
        status=Status.FAILED,
        message="The import stopped before this file was stored; send it again.",
        updated_at=timezone.now(),
    )
    for batch_id in batch_ids:
        _finish_if_done(batch_id)
    return count


def headshot_batch_queue(batch: HeadshotBatch) -> None:
    """Queue one task per waiting file, once the batch is committed."""
    from faces.tasks import process_headshot

    def send() -> None:
        for item_id in pending_items(batch):
            try:
                process_headshot.delay(item_id)
            except Exception:
                # Broker down: the item stays `queued` and the periodic sweep queues it later.
                logger.exception("could not queue headshot item %s; the sweep will pick it up", item_id)

    transaction.on_commit(send)


def headshot_batch_run(batch: HeadshotBatch, on_item: Callable[[HeadshotItem], None] | None = None) -> None:
    """Process the waiting files in this process, one after another (no worker needed)."""
    for item_id in pending_items(batch):
        try:
            headshot_item_process(item_id)
        except HeadshotNotReady:
            pass  # a worker holds its photo: the item stays queued and the sweep runs it later
        except Exception as exc:  # the same last resort as the task's
            logger.exception("headshot item %s failed", item_id)
            headshot_item_fail(item_id, f"Processing failed: {exc.__class__.__name__}: {exc}")
        if on_item is not None:
            on_item(HeadshotItem.objects.select_related("officer").get(pk=item_id))


def pending_items(batch: HeadshotBatch) -> Iterator[int]:
    yield from HeadshotItem.objects.filter(batch=batch, status__in=HeadshotItem.PENDING).values_list("pk", flat=True)


def headshot_item_fail(item_id: int, message: str) -> None:
    HeadshotItem.objects.filter(pk=item_id, status__in=HeadshotItem.PENDING).update(
        status=Status.FAILED, message=message[:500], updated_at=timezone.now()
    )
    batch_id = HeadshotItem.objects.filter(pk=item_id).values_list("batch_id", flat=True).first()
    if batch_id is not None:
        _finish_if_done(batch_id)


def headshot_item_process(item_id: int) -> str:
    """Run one headshot through the pipeline and identify its officer.

    1. Claim the item (queued/processing → processing); a finished one is left alone.
    2. Process the photo as any upload is processed (image_process), unless done already,
       without a gallery search.
    3. No face → no_face; several faces of similar size → several_faces (the photo stays,
       unidentified, for volunteers); otherwise the largest face is the officer.
    4. Sort the photo as containing officers and identify the face through face_identify
       in one transaction, for the gallery only if it is the photo's one face: its
       embedding stays only where both departments allow recognition.
    """
    claimed = HeadshotItem.objects.filter(pk=item_id, status__in=HeadshotItem.PENDING).update(
        status=Status.PROCESSING, updated_at=timezone.now()
    )
    if not claimed:
        return "skipped"
    item = HeadshotItem.objects.select_related("batch", "officer", "image").get(pk=item_id)
    try:
        status, message, face = _identify(item)
    except HeadshotNotReady:
        HeadshotItem.objects.filter(pk=item_id).update(status=Status.QUEUED)
        raise
    HeadshotItem.objects.filter(pk=item_id).update(
        status=status, message=message[:500], face=face, updated_at=timezone.now()
    )
    _finish_if_done(item.batch_id)
    return status


def _identify(item: HeadshotItem) -> tuple[str, str, Face | None]:
    officer, image = item.officer, item.image
    if officer is None or image is None:
        return Status.FAILED, "The photo or the officer was deleted before the import finished.", None
    if image.status in (Image.Status.QUEUED, Image.Status.PROCESSING):
        # No gallery search: the face is about to be identified by its file name, and a
        # search would only write suggestions and events to withdraw at once.
        image_process(image.pk, search=False)
        image.refresh_from_db()
    if image.status == Image.Status.FAILED:
        return Status.FAILED, image.error or "The photo could not be processed.", None
    if image.status != Image.Status.DONE:
        raise HeadshotNotReady(f"image {image.pk} is still being processed")
    faces = sorted(image.faces.all(), key=lambda f: f.w * f.h, reverse=True)
    if not faces:
        return Status.NO_FACE, "No face was found. The photo is kept; a volunteer can draw the face.", None
    largest, others = faces[0], faces[1:]
    ratio = settings.HEADSHOTS_DOMINANT_FACE_RATIO
    if others and largest.w * largest.h < ratio * max(f.w * f.h for f in others):
        return (
            Status.SEVERAL_FACES,
            f"{len(faces)} faces of similar size, so none was identified. The photo is kept for volunteers.",
            None,
        )
    actor = item.batch.created_by or SYSTEM
    # Only a face that is alone on its photo goes into the gallery unseen: with others on
    # it, the largest may still be a cropped-in bystander, so a person confirms the crop.
    alone = not others
    with transaction.atomic():
        if Image.objects.filter(pk=image.pk, contains_officers__isnull=True).exists():
            with contextlib.suppress(AlreadyDecided):  # sorted by someone meanwhile: their answer stands
                image_sort(image, contains_officers=True, actor=actor)
        try:
            face = face_identify(largest, officer=officer, actor=actor, use_for_recognition=alone)
        except AlreadyDecided:
            face = Face.objects.get(pk=largest.pk)
            if face.officer_id != officer.pk:
                return (
                    Status.FAILED,
                    "This face was already identified otherwise; undo that decision first to import it.",
                    None,
                )
    face = Face.objects.get(pk=face.pk)
    message = f"Identified as {officer.full_name} (#{officer.badge_number}); " + _gallery_note(face, alone)
    if others:
        message += f" {len(others)} much smaller face{'s' if len(others) > 1 else ''} left unidentified."
    return Status.DONE, message, face


def _gallery_note(face: Face, alone: bool) -> str:
    """Whether the face feeds recognition and, if not, why (as the face's own record says)."""
    if not face.use_for_recognition:
        if alone:
            return "not in the recognition gallery."
        return (
            "not in the recognition gallery, as the photo has other faces: "
            "check the crop and add it to the gallery from the gallery page."
        )
    if face.embedding is not None:
        return "in the recognition gallery."
    reason = face.embedding_skipped_reason
    if not reason or reason == NOT_ALLOWED_REASON:
        return "shown on the roster. No face data was computed (no recognition for this department)."
    return f"shown on the roster, but no face data was computed: {reason}"


def _finish_if_done(batch_id: int) -> None:
    pending = HeadshotItem.objects.filter(batch_id=OuterRef("pk"), status__in=HeadshotItem.UNSETTLED)
    HeadshotBatch.objects.filter(pk=batch_id, finished_at__isnull=True).exclude(Exists(pending)).update(
        finished_at=timezone.now()
    )
