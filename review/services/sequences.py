"""The sequences queue's decisions: the claims and skips of the dashboard around videos.services.review.

The sequence services apply a decision with every check (each still its own face decision);
this layer adds what only the dashboard needs: a sequence held by another volunteer is
refused, a skip is remembered, and a split is recorded (review.SequenceSplit).
"""

from __future__ import annotations

from collections.abc import Collection

from django.db import transaction

from departments.models import Officer
from review.models import QueueKind, SequenceSplit
from review.services.claims import claim_holder, claim_release, skip_remember
from review.services.errors import ClaimedByAnother, ReviewError
from videos.models import FaceSequence, SequenceFace
from videos.services import review as sequence_review


def _ensure_not_held_by_other(*, user, sequence: FaceSequence) -> None:
    holder = claim_holder(kind=QueueKind.SEQUENCE, item_id=sequence.pk)
    if holder is not None and holder.pk != user.pk:
        raise ClaimedByAnother("Another volunteer is working on this sequence right now; it was not changed.")


@transaction.atomic
def sequence_decide(
    sequence: FaceSequence,
    *,
    action: str,
    actor,
    shown: Collection[int] | None = None,
    officer: Officer | None = None,
    suggestion_id: int | None = None,
    use_for_recognition: bool = True,
) -> FaceSequence:
    """Apply a volunteer's decision about a sequence: identify, confirm a suggestion, civilian, skip.

    1. Refuse if another volunteer holds the sequence.
    2. Skip: remember it for this volunteer. Otherwise the sequence service decides every
       still (it refuses a changed sequence, one decided already, or a hidden suggestion).
    3. Release the claim.
    """
    _ensure_not_held_by_other(user=actor, sequence=sequence)
    if action == "skip":
        skip_remember(user=actor, kind=QueueKind.SEQUENCE, item_id=sequence.pk)
        return sequence
    if action == "confirm":
        sequence = sequence_review.sequence_confirm(
            sequence,
            suggestion_id=suggestion_id or 0,
            actor=actor,
            use_for_recognition=use_for_recognition,
            shown=shown,
        )
    elif action == "identify":
        if officer is None:
            raise ReviewError("Choose an officer.")
        sequence = sequence_review.sequence_identify(
            sequence, officer=officer, actor=actor, use_for_recognition=use_for_recognition, shown=shown
        )
    elif action == "civilian":
        sequence = sequence_review.sequence_mark_civilian(sequence, actor=actor, shown=shown)
    else:
        raise ReviewError("Choose an officer, not an officer, or skip.")
    claim_release(user=actor, kind=QueueKind.SEQUENCE, item_id=sequence.pk)
    return sequence


@transaction.atomic
def sequence_split_record(
    sequence: FaceSequence, *, still_ids: Collection[int], actor, shown: Collection[int] | None = None
) -> FaceSequence:
    """Split the chosen stills off into a new sequence, and record who did it (review.SequenceSplit).

    The volunteer keeps working on the original (their claim stays); the new sequence joins the queue.
    """
    _ensure_not_held_by_other(user=actor, sequence=sequence)
    created = sequence_review.sequence_split(sequence, still_ids=still_ids, actor=actor, shown=shown)
    SequenceSplit.objects.create(
        original=sequence,
        created=created,
        department_id=created.video.department_id,
        actor=actor if getattr(actor, "pk", None) else None,
        faces=sorted(SequenceFace.objects.filter(sequence=created).values_list("face_id", flat=True)),
    )
    return created
