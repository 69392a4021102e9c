"""Celery tasks for videos: thin wrappers that take IDs and call services.

Retried like faces.tasks (acks_late: a task whose worker dies is delivered again); the
services are idempotent and resumable (videos.services.processing). Their time limit is
VIDEO_TASK_TIME_LIMIT, not the photo tasks' minutes.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from faces.tasks import RETRY, run_or_fail
from videos.models import Video
from videos.pipeline.frames import VideoUnreadable
from videos.services import processing, rendition, takedown

logger = logging.getLogger(__name__)

LIMITS = {"soft_time_limit": settings.VIDEO_TASK_TIME_LIMIT, "time_limit": settings.VIDEO_TASK_TIME_LIMIT + 60}


@shared_task(bind=True, **RETRY, **LIMITS)
def process_video(self, video_id: int) -> str:
    return run_or_fail(
        self,
        partial(processing.video_process, video_id),
        partial(processing.video_fail, video_id),
        what="Processing",
        item=f"video {video_id}",
    )


@shared_task(bind=True, **RETRY, **LIMITS)
def render_video_public(self, video_id: int) -> str:
    """(Re)build the public rendition; queued after processing and whenever an identity changes."""
    try:
        return rendition.video_render_public(video_id)
    except VideoUnreadable:
        logger.exception("the public rendition of video %s could not be built", video_id)
        return "failed"


class VideoFilesLeft(Exception):
    """The store refused to delete some of a removed video's files; the task tries again."""


@shared_task(bind=True, max_retries=10)
def remove_video_files(self, video_id: int, sha256: str, names: list[str], takedown_id: int | None = None) -> int:
    """A video taken down: its stored files (original, renditions, posters), after its rows are gone."""
    left = takedown.video_files_remove(video_id, sha256, names, takedown_id)
    if not left:
        return 0
    if self.request.retries >= self.max_retries:
        logger.error("gave up deleting %s stored files of removed video %s", len(left), video_id)
        return len(left)
    # The next try needs only what is left (and looks for stale renditions again).
    raise self.retry(
        args=(video_id, sha256, left, takedown_id),
        countdown=min(3600, 10 * 2**self.request.retries),
        exc=VideoFilesLeft(f"{len(left)} files of video {video_id} are still stored"),
    )


@shared_task
def sweep_stuck_videos() -> int:
    """Re-queue videos left `queued` (broker down at upload, lost message) or whose worker died.

    A `processing` row not touched (progress) for longer than the task's time limit has no
    task left running it; after VIDEO_MAX_ATTEMPTS claims it is failed instead (a video that
    kills its worker every time must not loop).
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.SWEEP_QUEUED_AFTER_SECONDS)
    abandoned = now - timedelta(seconds=settings.VIDEO_TASK_TIME_LIMIT + 120)
    stuck = Video.objects.filter(
        Q(status=Video.Status.QUEUED, updated_at__lt=cutoff)
        | Q(status=Video.Status.PROCESSING, updated_at__lt=abandoned)
    )
    for video_id in stuck.filter(attempts__gte=settings.VIDEO_MAX_ATTEMPTS).values_list("pk", flat=True)[:100]:
        processing.video_fail(video_id, "Processing was interrupted too many times.")
    queued = list(stuck.filter(attempts__lt=settings.VIDEO_MAX_ATTEMPTS).values_list("pk", flat=True)[:100])
    for video_id in queued:
        Video.objects.filter(pk=video_id).update(updated_at=now)
        process_video.delay(video_id)
    return len(queued)
