"""Celery tasks: thin wrappers that take IDs and call services.

acks_late + reject_on_worker_lost (settings) mean a task whose worker dies is delivered
again; the services are idempotent, so a second run leaves the same rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from smtplib import SMTPException

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from django.utils import timezone

from faces import services
from faces.models import Face, GateAuditRun, HeadshotItem, Image
from faces.pipeline.label import TransientLabelerError
from faces.services import headshots, labels
from faces.services.gate_audit import gate_audit_run
from faces.services.headshots import HeadshotNotReady
from faces.services.notifications import notice_send
from faces.services.search_graphs import department_graphs_sync
from faces.services.takedown import image_files_remove

logger = logging.getLogger(__name__)

# How far back the sweep looks for photos whose label task was lost; older ones are left
# unlabelled (hints only) rather than scanning every done photo each minute.
LABEL_SWEEP_DAYS = 7

# Transient: the database or the file store went away for a moment.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError, TransientLabelerError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 8,
}


def run_or_fail(task: Task, step: Callable[[], str], fail: Callable[[str], object], *, what: str, item: str) -> str:
    """Runs a task's step (`what`, e.g. "Processing", of `item`, e.g. "image 7").

    A transient error is raised again for Celery to retry; once the retries are spent the item is
    failed with `fail`. Any other error (a bug, a corrupt file, a crashed tool) fails it visibly at
    once and is not retried: it would fail the same way, in a loop.
    """
    try:
        return step()
    except TRANSIENT:
        if task.request.retries >= task.max_retries:
            fail(f"{what} kept failing because a service was unavailable.")
        raise
    except Exception as exc:
        logger.exception("%s %s failed", what.lower(), item)
        fail(f"{what} failed: {exc.__class__.__name__}: {exc}")
        return "failed"


@shared_task(bind=True, **RETRY)
def process_image(self, image_id: int) -> str:
    return run_or_fail(
        self,
        partial(services.image_process, image_id),
        partial(services.processing.image_fail, image_id),
        what="Processing",
        item=f"image {image_id}",
    )


@shared_task(bind=True, **RETRY)
def label_image(self, image_id: int) -> str:
    """Sorting hints for a done photo, after its suggestions; never fails the photo (a failure is recorded)."""
    return run_or_fail(
        self,
        partial(labels.image_label, image_id),
        partial(labels.image_labels_fail, image_id),
        what="Labelling",
        item=f"image {image_id}",
    )


@shared_task(bind=True, **RETRY)
def process_face(self, face_id: int) -> str:
    return services.face_process(face_id)


@shared_task(bind=True, **RETRY)
def backfill_department(self, department_id: int, change_id: int | None = None) -> int:
    return services.department_backfill(department_id, change_id)


@shared_task
def reprocess(image_ids: list[int]) -> int:
    """Queue the given photos again (used by `manage.py reprocess`)."""
    for image_id in image_ids:
        process_image.delay(image_id)
    return len(image_ids)


@shared_task
def sweep_stuck_images() -> int:
    """Re-queue photos left `queued` (broker down at upload time, lost message), and lost label tasks."""
    cutoff = timezone.now() - timedelta(seconds=settings.SWEEP_QUEUED_AFTER_SECONDS)
    # A photo `processing` for longer than the hard time limit lost its worker.
    abandoned = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT * 2)
    # A headshot's photo is processed by its own task (process_headshot), swept below.
    headshot_images = HeadshotItem.objects.filter(status__in=HeadshotItem.PENDING, image__isnull=False)
    stuck = list(
        Image.objects.filter(
            Q(status=Image.Status.QUEUED, updated_at__lt=cutoff)
            | Q(status=Image.Status.PROCESSING, updated_at__lt=abandoned)
        )
        .exclude(pk__in=headshot_images.values("image_id"))
        .values_list("pk", flat=True)[:500]
    )
    for image_id in stuck:
        Image.objects.filter(pk=image_id).update(updated_at=timezone.now())
        process_image.delay(image_id)
    faces = list(
        Face.objects.filter(
            source=Face.Source.USER, processed_at__isnull=True, embedding__isnull=True, created_at__lt=cutoff
        ).values_list("pk", flat=True)[:500]
    )
    for face_id in faces:
        process_face.delay(face_id)
    # A done photo still without labels lost its label task (broker down, worker killed).
    # Only recent photos: the created_at index keeps this cheap on a large table; the
    # updated_at bump queues each at most once per cutoff even while the queue is long.
    unlabelled = list(
        Image.objects.filter(
            status=Image.Status.DONE,
            labels={},
            updated_at__lt=cutoff,
            created_at__gte=timezone.now() - timedelta(days=LABEL_SWEEP_DAYS),
        ).values_list("pk", flat=True)[:500]
    )
    for image_id in unlabelled:
        Image.objects.filter(pk=image_id).update(updated_at=timezone.now())
        label_image.delay(image_id)
    headshots_stuck = list(
        HeadshotItem.objects.filter(
            Q(status=HeadshotItem.Status.QUEUED, updated_at__lt=cutoff)
            | Q(status=HeadshotItem.Status.PROCESSING, updated_at__lt=abandoned)
        ).values_list("pk", flat=True)[:500]
    )
    for item_id in headshots_stuck:
        HeadshotItem.objects.filter(pk=item_id).update(updated_at=timezone.now())
        process_headshot.delay(item_id)
    # Files of an import whose request was killed before they were stored: reported, not lost.
    intake_cut_short = headshots.headshot_intake_sweep()
    return len(stuck) + len(faces) + len(unlabelled) + len(headshots_stuck) + intake_cut_short


@shared_task
def gate_audit() -> int:
    """Hourly from beat: find and purge biometric data that crossed the gate (rule 4)."""
    return gate_audit_run(fix=True, ran_by=GateAuditRun.RanBy.BEAT).violations


@shared_task(ignore_result=True)
def sync_search_graphs() -> dict[str, list[int]]:
    """Hourly from beat: a search graph of its own for each large department (faces/services/search_graphs.py)."""
    result = department_graphs_sync()
    return {"created": result.created, "dropped": result.dropped}


@shared_task(bind=True, **{**RETRY, "autoretry_for": (*TRANSIENT, HeadshotNotReady)})
def process_headshot(self, item_id: int) -> str:
    """One file of a headshot import: the normal pipeline, then the officer's identification."""
    try:
        return headshots.headshot_item_process(item_id)
    except (*TRANSIENT, HeadshotNotReady):
        if self.request.retries >= self.max_retries:
            headshots.headshot_item_fail(item_id, "Processing kept failing because a service was unavailable.")
        raise
    except Exception as exc:  # a bug or a corrupt file: fail visibly, never loop
        logger.exception("headshot item %s failed", item_id)
        headshots.headshot_item_fail(item_id, f"Processing failed: {exc.__class__.__name__}: {exc}")
        return "failed"


@shared_task(bind=True, **RETRY)
def group_faces(self, face_ids: list[int]) -> int:
    """Place faces just embedded into groups of unidentified faces (faces/services/grouping.py)."""
    from faces.services.grouping import face_group_assign

    return sum(1 for face_id in face_ids if face_group_assign(face_id) is not None)


class FilesLeft(Exception):
    """The store refused to delete some of a removed photo's files; the task tries again."""


@shared_task(bind=True, max_retries=10)
def remove_image_files(self, image_id: int, sha256: str, names: list[str], takedown_id: int | None = None) -> int:
    """A removed photo's stored files (original, every rendition), after its rows are gone."""
    left = image_files_remove(image_id, sha256, names, takedown_id)
    if not left:
        return 0
    if self.request.retries >= self.max_retries:
        logger.error("gave up deleting %s stored files of removed photo %s", len(left), image_id)
        return len(left)
    # The next try needs only what is left (and looks for stale renditions again).
    raise self.retry(
        args=(image_id, sha256, left, takedown_id),
        countdown=min(3600, 10 * 2**self.request.retries),
        exc=FilesLeft(f"{len(left)} files of photo {image_id} are still stored"),
    )


@shared_task(
    bind=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
)
def send_upload_notice(self, notice_id: int, kind: str, image_id: int) -> bool:
    """One e-mail to an uploader (faces.services.notifications); a mail server down is retried."""
    return notice_send(notice_id, kind, image_id)
