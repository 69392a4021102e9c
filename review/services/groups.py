"""A volunteer decides for a whole group of faces at once: the faces of one officer, or not an officer.

Each face still gets its own decision, through the one decision path
(faces.services.review.face_identify: its checks, its Decision row, its undo).
"""

from __future__ import annotations

from collections.abc import Collection

from django.db import transaction

from departments import policy
from departments.models import Officer
from faces.models import Face, FaceGroup, FaceGroupMember
from faces.services import review as face_review
from faces.services.grouping import group_remove_members
from oversight.exceptions import Conflict
from review.models import QueueKind
from review.services.claims import claim_holder, claim_release, skip_remember
from review.services.errors import ClaimedByAnother, ReviewError

GROUP_GONE = "This group was already identified by someone else, or it no longer exists; nothing was changed."
GROUP_CHANGED = "This group changed while you looked at it (a face joined or left); nothing was changed. Look again."


class GroupUnavailable(ReviewError, Conflict):
    """The group is gone or changed since the page showed it."""

    code = "group_unavailable"
    status = 409


@transaction.atomic
def group_decide(
    group: FaceGroup,
    *,
    action: str,
    actor,
    shown: Collection[int],
    remove: Collection[int] = (),
    officer: Officer | None = None,
    use_for_recognition: bool = True,
) -> list[Face]:
    """Apply a volunteer's decision about a group; returns the faces decided.

    1. Lock the group; refuse if it is gone, held by another volunteer, or recognition is
       no longer allowed in its department.
    2. The faces the page showed must be exactly the group's members now, and the ones to
       remove among them; at least one face must stay.
    3. Skip: remember it for this volunteer. Otherwise take the removed faces out first,
       then identify every remaining face (each its own Decision) as `officer`, or as
       "not an officer".
    """
    locked = FaceGroup.objects.select_for_update().filter(pk=group.pk).first()
    if locked is None:
        raise GroupUnavailable(GROUP_GONE)
    holder = claim_holder(kind=QueueKind.GROUP, item_id=locked.pk)
    if holder is not None and holder.pk != actor.pk:
        raise ClaimedByAnother("Another volunteer is working on this group right now; it was not changed.")
    if not policy.recognition_allowed(locked.department_id):
        raise GroupUnavailable(GROUP_GONE)
    if action == "skip":
        skip_remember(user=actor, kind=QueueKind.GROUP, item_id=locked.pk)
        return []
    members = set(FaceGroupMember.objects.filter(group=locked).values_list("face_id", flat=True))
    shown, remove = set(shown), set(remove)
    if shown != members:
        raise GroupUnavailable(GROUP_CHANGED)
    if not remove <= shown:
        raise ReviewError("Only faces of this group can be removed from it.")
    keep = sorted(shown - remove)
    if not keep:
        raise ReviewError("Every face was marked as someone else: keep at least one, or skip the group.")
    if action == "identify" and officer is None:
        raise ReviewError("Choose an officer.")
    if action not in ("identify", "civilian"):
        raise ReviewError("Choose an officer, not an officer, or skip.")
    if remove:
        group_remove_members(locked, remove)
    decided = []
    for face in Face.objects.filter(pk__in=keep).order_by("pk"):
        decided.append(
            face_review.face_identify(
                face,
                officer=officer if action == "identify" else None,
                civilian=action == "civilian",
                actor=actor,
                use_for_recognition=use_for_recognition,
            )
        )
    claim_release(user=actor, kind=QueueKind.GROUP, item_id=locked.pk)
    return decided
