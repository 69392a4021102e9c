"""Periodic work of the departments app (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from departments.services.roster_uploads import roster_previews_prune


@shared_task
def prune_roster_previews() -> int:
    """Delete roster files no longer needed: applied ones, and previews older than ROSTER_PREVIEW_KEEP_DAYS."""
    return roster_previews_prune()
