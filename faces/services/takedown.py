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

from django.db import transaction
from django.db.models import F

from accounts import roles
from faces.models import Decision, Face, Image, MatchSuggestion, Takedown
from faces.services.notifications import notify_takedown
from faces.storage import delete_counting, queue_image_files_removal, stale_renditions
from oversight.exceptions import Conflict, DomainError, NotPermitted

REASON_MAX_LENGTH = 2000


class TakedownRefused(DomainError):
    code = "takedown_refused"
    field = "reason"


class AlreadyTakenDown(Conflict):
    code = "already_taken_down"
    default_message = "This photo was taken down already."


def can_take_down(user, department) -> bool:
    """Administrators, and the coordinators of the photo's department (as for its records)."""
    return roles.can_edit_officers(user, department)


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise TakedownRefused("Say why the photo is taken down; the reason is kept in the audit.")
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


@transaction.atomic
def image_takedown(image: Image, *, actor, reason: str) -> Takedown:
    """Take a photo down for good (administrators and its department's coordinators).

    1. Check who asks and the reason; lock the photo (AlreadyTakenDown if it is gone).
    2. Count what goes, claim the uploader's takedown e-mail (sent after the commit).
    3. Clear the featured-face ids of curation decisions, write the audit, delete the row
       (the cascade takes faces, embeddings, suggestions, memberships and decisions).
    4. After the commit, a task deletes the stored files and counts them on the audit.
    """
    if not can_take_down(actor, image.department_id):
        raise NotPermitted("Only an administrator or a coordinator of this department can take a photo down.")
    reason = _clean_reason(reason)
    locked = Image.objects.select_for_update().filter(pk=image.pk).first()
    if locked is None:
        raise AlreadyTakenDown()
    faces = Face.objects.select_for_update().filter(image_id=locked.pk)
    face_ids = list(faces.values_list("pk", flat=True))
    notify_takedown(locked.pk)
    _forget_featured(face_ids)
    takedown = Takedown.objects.create(
        image_id=locked.pk,
        department_id=locked.department_id,
        reason=reason,
        actor=actor if getattr(actor, "pk", None) else None,
        faces_removed=len(face_ids),
        embeddings_removed=faces.filter(embedding__isnull=False).count(),
        suggestions_removed=MatchSuggestion.objects.filter(face_id__in=face_ids).count(),
    )
    image_id, sha256 = locked.pk, locked.sha256
    names = [f.name for f in (locked.file, locked.public_file) if f and f.name]
    locked.files_removal_queued = True  # type: ignore[attr-defined]  # read by faces.signals
    locked.delete()
    transaction.on_commit(lambda: queue_image_files_removal(image_id, sha256, names, takedown.pk))
    return takedown


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
