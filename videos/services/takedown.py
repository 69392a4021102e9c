"""Taking a video down: everything of it goes, from the database and the file store.

A video's best frames are photos (faces.Image, one face each, linked by SequenceFace), so
each still goes through the photos' own takedown path (faces.services.takedown): its faces,
embeddings, suggestions and decisions, the counts the transparency report keeps, and its
files after the commit. Then the Video row goes, its sequences (tracks) by cascade; problem
reports about it keep their row with the link cleared. All of it in one transaction.

What stays: one VideoTakedown row (who, why, counts), and a faces.Takedown row per still
(naming this video), with no file name, hash, track, box or vector.

The video's stored files (the sanitised original, the public rendition and the poster,
current and stale) are deleted after the commit by a task that retries a refusing store
(videos.tasks.remove_video_files). Face crops are never stored: they are cut on request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F

from faces.models import Image
from faces.services.takedown import (
    SYSTEM_REASON,
    AlreadyTakenDown,
    can_take_down,
    clean_reason,
    month_of,
    still_takedown_in_transaction,
)
from faces.storage import delete_counting, queue_files_removal
from oversight.exceptions import Conflict, NotPermitted
from videos.models import FaceSequence, Video, VideoTakedown

logger = logging.getLogger(__name__)

NOT_PERMITTED = "Only an administrator or a coordinator of this department can take a video down."


class VideoAlreadyTakenDown(Conflict):
    code = "already_taken_down"
    default_message = "This video was taken down already."


def _still_image_ids(video_id: int) -> list[int]:
    stills = Image.objects.filter(faces__video_still__sequence__video_id=video_id)
    return list(stills.values_list("pk", flat=True).distinct().order_by("pk"))


@transaction.atomic
def _take_down(video_id: int, *, actor: Any, reason: str, permitted: Callable[[int], bool] | None) -> VideoTakedown:
    """The takedown itself; `permitted(department_id)` is asked again under the lock (None: the site)."""
    # The video first, as processing and a split do before they add stills: once it is locked
    # the list of stills below is final. Then its sequences, before any still's face: a
    # reviewer locks a sequence and then its stills' faces (videos.services.review), and the
    # cascade below deletes the sequences, so taking them in that order can never deadlock.
    locked = Video.objects.select_for_update().filter(pk=video_id).first()
    if locked is None:
        raise VideoAlreadyTakenDown()
    if permitted is not None and not permitted(locked.department_id):
        raise NotPermitted(NOT_PERMITTED)
    list(FaceSequence.objects.select_for_update().filter(video_id=locked.pk).order_by("pk").values_list("pk"))
    stills = faces = embeddings = 0
    for image_id in _still_image_ids(locked.pk):
        try:
            still = still_takedown_in_transaction(image_id, actor=actor, reason=reason, video_id=locked.pk)
        except AlreadyTakenDown:
            continue  # taken down on its own meanwhile (a report about one still): audited there
        stills, faces, embeddings = stills + 1, faces + still.faces_removed, embeddings + still.embeddings_removed
    done = locked.status == Video.Status.DONE and locked.processed_at is not None
    takedown = VideoTakedown.objects.create(
        video_id=locked.pk,
        department_id=locked.department_id,
        reason=reason,
        actor=actor if getattr(actor, "pk", None) else None,
        stills_removed=stills,
        faces_removed=faces,
        embeddings_removed=embeddings,
        processed_month=month_of(locked.processed_at) if done and locked.processed_at else None,
    )
    video_id, sha256 = locked.pk, locked.sha256
    names = [f.name for f in (locked.file, locked.public_file, locked.poster) if f and f.name]
    locked.delete()
    transaction.on_commit(lambda: queue_video_files_removal(video_id, sha256, names, takedown.pk))
    return takedown


def video_takedown(video: Video, *, actor: Any, reason: str) -> VideoTakedown:
    """Take a video down for good (administrators and its department's coordinators).

    1. Check who asks and the reason; lock the video (VideoAlreadyTakenDown if it is gone),
       check who asks again against the locked row, lock its sequences.
    2. Take every still photo down through the photos' path (no per-photo e-mail).
    3. Write the audit, delete the row (the cascade takes the sequences and tracks).
    4. After the commit, a task deletes the stored files and counts them on the audit.
    """
    if not can_take_down(actor, video.department_id):
        raise NotPermitted(NOT_PERMITTED)
    reason = clean_reason(reason, what="video")
    return _take_down(video.pk, actor=actor, reason=reason, permitted=lambda dept: can_take_down(actor, dept))


def video_takedown_by_site(video: Video, *, reason: str = SYSTEM_REASON) -> VideoTakedown:
    """A takedown no person asked for (a command, a clean-up): the same path, no actor."""
    return _take_down(video.pk, actor=None, reason=clean_reason(reason, what="video"), permitted=None)


# --- The stored files, after the commit -------------------------------------------------
def stale_video_renditions(video_id: int, sha256: str) -> list[str]:
    """Every public rendition and poster ever stored for a video, current or left behind.

    Renditions are named `videos/public/<sha[:2]>/<id>-<key>.mp4|.jpg` (videos.services.rendition);
    one whose replacement's deletion failed stays there, so removal lists the folder.
    Raises what the store raises: the caller decides whether to retry.
    """
    folder = f"videos/public/{sha256[:2]}"
    try:
        _dirs, files = default_storage.listdir(folder)
    except FileNotFoundError:  # the local store has no such folder
        return []
    return [f"{folder}/{name}" for name in files if name.startswith(f"{video_id}-")]


def video_files_remove(video_id: int, sha256: str, names: list[str], takedown_id: int | None = None) -> list[str]:
    """Delete a removed video's stored files (the task's body); returns the names still there."""
    try:
        names = [*names, *stale_video_renditions(video_id, sha256)]
        listed = True
    except Exception:
        logger.warning("could not list video %s's renditions; will retry", video_id, exc_info=True)
        listed = False
    removed, failed = delete_counting(names)
    if takedown_id is not None and removed:
        VideoTakedown.objects.filter(pk=takedown_id).update(files_removed=F("files_removed") + removed)
    return failed if listed else (failed or names)


def queue_video_files_removal(video_id: int, sha256: str, names: list[str], takedown_id: int | None = None) -> None:
    """After a video's row is gone: remove its files (original, renditions, posters) in a retrying task."""
    from videos.tasks import remove_video_files  # here: the tasks module loads the whole video pipeline

    queue_files_removal(remove_video_files, "video", video_id, sha256, names, takedown_id, stale_video_renditions)
