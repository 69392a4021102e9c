"""Taking a photo down: everything of it goes, from the database and the file store.

What goes, in one transaction: the Image row and, by cascade, its faces (their boxes and
embeddings), their suggestions, face-group memberships and every Decision about the photo
or its faces (their `before`/`after` hold boxes' identities and suggestion ids). The
officer centroids follow the faces (database triggers, migration 0010). Rows that only
point at the photo keep their own purpose with the link cleared (SET_NULL): recognition
events (an audit of searches, no vector), headshot items (a batch's report), an officer's
featured face, problem reports; curation decisions naming a removed face as the featured
one before or after lose that id too.

What stays: one Takedown row (who, why, counts), with no file name, hash, box or vector.

The stored files (the original and every public rendition, including stale ones) are
deleted after the commit by a task that retries a refusing store (faces.tasks.remove_image_files).
Face crops are never stored: they are cut on each request from files now gone.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F, Q

from accounts import roles
from departments.models import Department
from faces.models import Decision, Face, Image, MatchSuggestion, Takedown, TakenDownCount
from faces.services.notifications import notify_takedown
from faces.storage import delete_counting, queue_image_files_removal, stale_renditions
from oversight.exceptions import Conflict, DomainError, NotPermitted

REASON_MAX_LENGTH = 2000
NOT_PERMITTED = "Only an administrator or a coordinator of this department can take a photo down."


class TakedownRefused(DomainError):
    code = "takedown_refused"
    field = "reason"


class AlreadyTakenDown(Conflict):
    code = "already_taken_down"
    default_message = "This photo was taken down already."


def can_take_down(user: Any, department: Department | int | None) -> bool:
    """Administrators, and the coordinators of the photo's department (as for its records)."""
    return roles.can_edit_officers(user, department)


def clean_reason(reason: str, *, what: str = "photo") -> str:
    """The takedown's reason for the audit: required, plain text, at most REASON_MAX_LENGTH."""
    reason = (reason or "").strip()
    if not reason:
        raise TakedownRefused(f"Say why the {what} is taken down; the reason is kept in the audit.")
    if len(reason) > REASON_MAX_LENGTH or "\x00" in reason:
        raise TakedownRefused(f"The reason must be plain text of at most {REASON_MAX_LENGTH} characters.")
    return reason


def _forget_featured(face_ids: list[int]) -> None:
    """Curation decisions about another face may name a removed one as the featured face."""
    for key in ("before", "after"):
        rows = Decision.objects.filter(**{f"{key}__featured_face_id__in": face_ids})
        for decision in rows.exclude(face_id__in=face_ids):
            setattr(decision, key, {**getattr(decision, key), "featured_face_id": None})
            decision.save(update_fields=[key])


# The transparency report's monthly measures a takedown would make shrink (accountability's
# MEASURES keys): what the photo had added to them is kept on TakenDownCount rows.
PHOTOS_PROCESSED = "photos_processed"
FACES_PROCESSED = "faces_processed"
SUGGESTION_MEASURES: dict[str, str] = {
    MatchSuggestion.Status.CONFIRMED: "suggestions_confirmed",
    MatchSuggestion.Status.REJECTED: "suggestions_rejected",
}
IDENTIFICATIONS_UNDONE = "identifications_undone"
IDENTIFYING_DECISIONS = (Decision.Kind.IDENTIFY, Decision.Kind.CONFIRM)
CARRIED_MEASURES = (PHOTOS_PROCESSED, FACES_PROCESSED, *SUGGESTION_MEASURES.values(), IDENTIFICATIONS_UNDONE)
SYSTEM_REASON = "Deleted by the site (no person asked)."


def month_of(moment: datetime.datetime | None) -> datetime.date:
    """The first day of the moment's month in UTC (the transparency pages count by UTC month)."""
    assert moment is not None  # the queries below select rows with the date set
    utc = moment.astimezone(datetime.UTC)
    return datetime.date(utc.year, utc.month, 1)


def _carried_counts(image: Image, face_ids: list[int], *, is_still: bool) -> Counter[tuple[int, datetime.date, str]]:
    """What the photo adds to the report's monthly counts: (department id, month, measure) → n.

    A video's still counts in its video, not as a photo (accountability.selectors_transparency).
    """
    counts: Counter[tuple[int, datetime.date, str]] = Counter()
    if image.status == Image.Status.DONE and image.processed_at and not is_still:
        counts[(image.department_id, month_of(image.processed_at), PHOTOS_PROCESSED)] += 1
    processed = Face.objects.filter(pk__in=face_ids, processed_at__isnull=False)
    for moment in processed.values_list("processed_at", flat=True):
        counts[(image.department_id, month_of(moment), FACES_PROCESSED)] += 1
    decided = MatchSuggestion.objects.filter(
        face_id__in=face_ids, status__in=list(SUGGESTION_MEASURES), decided_at__isnull=False
    )
    for status, moment in decided.values_list("status", "decided_at"):
        counts[(image.department_id, month_of(moment), SUGGESTION_MEASURES[status])] += 1
    undone = Decision.objects.filter(
        Q(image_id=image.pk) | Q(face_id__in=face_ids), kind__in=IDENTIFYING_DECISIONS, undone_at__isnull=False
    )
    for department_id, moment in undone.values_list("department_id", "undone_at"):
        counts[(department_id, month_of(moment), IDENTIFICATIONS_UNDONE)] += 1
    return counts


def _locked_face_ids(image_id: int) -> list[int]:
    faces = Face.objects.select_for_update().filter(image_id=image_id).order_by("pk")
    return list(faces.values_list("pk", flat=True))


@transaction.atomic
def _take_down(
    image_id: int,
    *,
    actor: Any,
    reason: str,
    permitted: Callable[[int], bool] | None,
    video_id: int | None = None,
) -> Takedown:
    """The takedown itself; `permitted(department_id)` is asked again under the lock (None: the site).

    With `video_id` the photo is a still of that video, taken down with it: no uploader notice
    (a still was never uploaded; the video's takedown is the one event) and the audit says so.
    """
    # Faces first, then the photo: identification locks the face and then writes the photo
    # (faces.services.review), so the same order here means the two can never deadlock.
    _locked_face_ids(image_id)
    locked = Image.objects.select_for_update().filter(pk=image_id).first()
    if locked is None:
        raise AlreadyTakenDown()
    # The photo may have moved department since the caller was checked: ask about the row as it is now.
    if permitted is not None and not permitted(locked.department_id):
        raise NotPermitted(NOT_PERMITTED)
    # With the photo locked no face can be added to it (an insert waits for the row), so this list is final.
    face_ids = _locked_face_ids(locked.pk)
    if video_id is None:
        notify_takedown(locked.pk)
    _forget_featured(face_ids)
    # faces.Face.video_still is the reverse side of videos.SequenceFace, named here only by lookup:
    # a still taken down alone is marked with its video too, so it never counts as a photo.
    still_of = (
        Face.objects.filter(pk__in=face_ids, video_still__isnull=False)
        .values_list("video_still__sequence__video_id", flat=True)
        .first()
    )
    carried = _carried_counts(locked, face_ids, is_still=still_of is not None)
    takedown = Takedown.objects.create(
        image_id=locked.pk,
        department_id=locked.department_id,
        reason=reason,
        actor=actor if getattr(actor, "pk", None) else None,
        faces_removed=len(face_ids),
        embeddings_removed=Face.objects.filter(pk__in=face_ids, embedding__isnull=False).count(),
        suggestions_removed=MatchSuggestion.objects.filter(face_id__in=face_ids).count(),
        video_id=video_id or still_of,
    )
    TakenDownCount.objects.bulk_create(
        TakenDownCount(takedown=takedown, department_id=department_id, month=month, measure=measure, n=n)
        for (department_id, month, measure), n in carried.items()
    )
    image_id, sha256 = locked.pk, locked.sha256
    names = [f.name for f in (locked.file, locked.public_file) if f and f.name]
    locked.files_removal_queued = True  # type: ignore[attr-defined]  # read by faces.signals
    locked.delete()
    transaction.on_commit(lambda: queue_image_files_removal(image_id, sha256, names, takedown.pk))
    return takedown


def image_takedown(image: Image, *, actor: Any, reason: str) -> Takedown:
    """Take a photo down for good (administrators and its department's coordinators).

    1. Check who asks and the reason; lock the photo's faces, then the photo
       (AlreadyTakenDown if it is gone), and check who asks again against the locked row.
    2. Count what goes, claim the uploader's takedown e-mail (sent after the commit).
    3. Clear the featured-face ids of curation decisions, write the audit and the counts
       the transparency report keeps, delete the row (the cascade takes faces, embeddings,
       suggestions, memberships and decisions).
    4. After the commit, a task deletes the stored files and counts them on the audit.
    """
    if not can_take_down(actor, image.department_id):
        raise NotPermitted(NOT_PERMITTED)
    reason = clean_reason(reason)
    return _take_down(image.pk, actor=actor, reason=reason, permitted=lambda dept: can_take_down(actor, dept))


def image_takedown_by_site(image: Image, *, reason: str = SYSTEM_REASON) -> Takedown:
    """A takedown no person asked for (code: a command, a clean-up): the same path, no actor.

    Every deletion of a photo is a takedown, so nothing of it stays and the audit does.
    """
    return _take_down(image.pk, actor=None, reason=clean_reason(reason), permitted=None)


def still_takedown_in_transaction(image_id: int, *, actor: Any, reason: str, video_id: int) -> Takedown:
    """One still photo of a video taken down with the video (videos.services.takedown).

    The caller holds the transaction, has locked the video and its sequences, checked who
    asks and cleaned the reason; everything else is the photo's own path above: faces,
    embeddings, suggestions, decisions, the carried counts, the files after the commit.
    Raises AlreadyTakenDown if the still went meanwhile (by its own takedown).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("A still is taken down only inside its video's takedown transaction.")
    return _take_down(image_id, actor=actor, reason=reason, permitted=None, video_id=video_id)


def image_files_remove(image_id: int, sha256: str, names: list[str], takedown_id: int | None = None) -> list[str]:
    """Delete a removed photo's stored files (the task's body); returns the names still there.

    Counts what went on the takedown's audit row. A store that cannot list its folder
    leaves the stale renditions for the retry (they are looked for again then).
    """
    try:
        names = [*names, *stale_renditions(image_id, sha256)]
        listed = True
    except Exception:
        listed = False
    removed, failed = delete_counting(names)
    if takedown_id is not None and removed:
        Takedown.objects.filter(pk=takedown_id).update(files_removed=F("files_removed") + removed)
    return failed if listed else (failed or names)
