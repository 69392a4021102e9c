"""Small helpers around Django's file storage shared by uploads, renditions and deletion."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)

# (owner id, sha256) -> the stored names of its renditions left behind; raises what the store raises.
StaleFiles = Callable[[int, str], list[str]]


def delete_quietly(*names: str) -> None:
    """Delete stored files; a store that refuses is logged, never raised to the caller.

    Used after the database decided (a rollback, a replaced rendition, a deleted photo):
    an orphaned file is a cost, an exception here would undo nothing.
    """
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except Exception:
            logger.exception("could not delete %s from storage", name)


def stale_renditions(image_id: int, sha256: str) -> list[str]:
    """Every public rendition ever stored for a photo, current or left behind.

    Renditions are named `public/<sha[:2]>/<id>-<key>.jpg` (faces.renditions); a replaced one
    whose deletion failed stays there, so removal lists the folder rather than trusting the
    row. Raises what the store raises: the caller decides whether to retry.
    """
    folder = f"public/{sha256[:2]}"
    try:
        _dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:  # the local store has no such folder yet
        return []
    return [f"{folder}/{name}" for name in files if name.startswith(f"{image_id}-")]


def delete_counting(names: list[str]) -> tuple[int, list[str]]:
    """Delete stored files: how many existed and went, and the names the store refused."""
    removed, failed = 0, []
    for name in dict.fromkeys(n for n in names if n):
        try:
            if default_storage.exists(name):
                default_storage.delete(name)
                removed += 1
        except Exception:
            logger.warning("could not delete %s from storage; will retry", name, exc_info=True)
            failed.append(name)
    return removed, failed


def queue_files_removal(
    task: Any, what: str, owner_id: int, sha256: str, names: list[str], takedown_id: int | None, stale: StaleFiles
) -> None:
    """After a photo's or a video's row is gone: remove its files in a task that retries a refusing store.

    `task` is queued as (owner_id, sha256, names, takedown_id); `stale(owner_id, sha256)` lists
    the renditions left behind. If the task cannot even be queued (broker down), try once
    here and log what is left. `what` ("photo", "video") names the owner in the log.
    """
    try:
        task.delay(owner_id, sha256, names, takedown_id)
    except Exception:
        logger.exception("could not queue the removal of %s %s's files; deleting them now", what, owner_id)
        try:
            names = [*names, *stale(owner_id, sha256)]
        except Exception:
            logger.exception("could not list %s %s's renditions", what, owner_id)
        delete_quietly(*names)


def queue_image_files_removal(image_id: int, sha256: str, names: list[str], takedown_id: int | None = None) -> None:
    """After a photo's row is gone: remove its files (original, every rendition) in a retrying task."""
    from faces.tasks import remove_image_files

    queue_files_removal(remove_image_files, "photo", image_id, sha256, names, takedown_id, stale_renditions)
