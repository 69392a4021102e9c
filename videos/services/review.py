"""People decide about a whole face sequence: who it is, not an officer, or that it joined two people.

A sequence is reviewed as one item, but its stills are ordinary faces: each is identified
through the one decision path (faces.services.review: its checks, its Decision row, the gate's
rule on embeddings, its undo), so a sequence decision is exactly the sum of its faces' decisions.
The queue bookkeeping (claims, skips) and the audit of splits live in review.services.sequences.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from django.db import transaction
from django.db.models import Max

from accounts import roles
from departments.models import Officer
from faces.models import Face, MatchSuggestion
from faces.selectors import visible_suggestions
from faces.services import review as face_review
from faces.services.review import SUGGESTION_HIDDEN, AlreadyDecided, ReviewError, SuggestionUnavailable
from oversight.exceptions import Conflict, NotPermitted
from videos.models import FaceSequence, SequenceFace, Video
from videos.services.rendition import video_rendition_invalidate

log = logging.getLogger(__name__)

SEQUENCE_DECIDED = (
    "Every still of this sequence was already decided by someone else; nothing was changed. "
    "To change it, a coordinator or administrator undoes those decisions first."
)
SEQUENCE_CHANGED = "This sequence changed while you looked at it (it was split); nothing was changed. Look again."
DECIDED_OTHERWISE = (
    "A still of this sequence was already decided as someone else; nothing was changed. "
    "Split that still off first, or have its decision undone."
)


class SequenceUnavailable(ReviewError, Conflict):
    """The sequence changed, or can no longer be changed this way."""

    code = "sequence_unavailable"
    status = 409


def _require_reviewer(actor) -> None:
    # The same people as the per-face identify queue: volunteers, coordinators, administrators.
    if not roles.is_volunteer(actor):
        raise NotPermitted("Only volunteers, coordinators and administrators identify faces.")


def _locked(sequence: FaceSequence) -> FaceSequence:
    locked = FaceSequence.objects.select_for_update(of=("self",)).select_related("video").filter(pk=sequence.pk).first()
    if locked is None:
        raise SequenceUnavailable("This sequence no longer exists; nothing was changed.")
    return locked


def _stills(sequence: FaceSequence) -> list[SequenceFace]:
    return list(SequenceFace.objects.filter(sequence=sequence).select_related("face").order_by("time", "pk"))


def _check_shown(stills: list[SequenceFace], shown: Collection[int] | None) -> None:
    """The stills the page showed must be the sequence's stills now (a split meanwhile changes them)."""
    if shown is not None and set(shown) != {s.pk for s in stills}:
        raise SequenceUnavailable(SEQUENCE_CHANGED)


def _undecided(face: Face) -> bool:
    return face.officer_id is None and not face.is_civilian


@transaction.atomic
def sequence_identify(
    sequence: FaceSequence,
    *,
    officer: Officer,
    actor,
    use_for_recognition: bool = True,
    suggestion: MatchSuggestion | None = None,
    shown: Collection[int] | None = None,
) -> FaceSequence:
    """Identify every still of the sequence as `officer`, each face with its own Decision.

    1. Lock the sequence; refuse if the stills are not those the page showed, or every still
       is decided already (AlreadyDecided, as for one face).
    2. Refuse if a still was decided as anyone else (or as not an officer): the sequence may
       have joined two people, which is a split, not an overwrite.
    3. With `suggestion` (the one the volunteer confirmed; it must be on a still of this
       sequence): that still is confirmed through suggestion_confirm, which refuses a
       suggestion the gate hides. Every other undecided still with its own pending, visible
       suggestion of this officer is confirmed too; the rest are identified (face_identify:
       the officer must then belong to the video's department).
    4. The sequence records the officer; the public rendition is re-rendered after commit.
    """
    _require_reviewer(actor)
    sequence = _locked(sequence)
    stills = _stills(sequence)
    _check_shown(stills, shown)
    open_faces = [s.face for s in stills if _undecided(s.face)]
    if not open_faces:
        raise AlreadyDecided(SEQUENCE_DECIDED)
    if any(not _undecided(s.face) and s.face.officer_id != officer.pk for s in stills):
        raise SequenceUnavailable(DECIDED_OTHERWISE)
    if suggestion is not None and (
        suggestion.officer_id != officer.pk or suggestion.face_id not in {face.pk for face in open_faces}
    ):
        raise SuggestionUnavailable(SUGGESTION_HIDDEN)
    for face in open_faces:
        chosen = suggestion if suggestion is not None and suggestion.face_id == face.pk else None
        if chosen is None:
            chosen = visible_suggestions(face).filter(officer=officer).first()
        if chosen is not None:
            face_review.suggestion_confirm(chosen, actor=actor, use_for_recognition=use_for_recognition)
        else:
            face_review.face_identify(face, officer=officer, actor=actor, use_for_recognition=use_for_recognition)
    sequence.status = FaceSequence.Status.IDENTIFIED
    sequence.officer = officer
    sequence.save(update_fields=["status", "officer", "updated_at"])
    video_rendition_invalidate(sequence.video_id)  # the sequence's own status and officer; one render a transaction
    return sequence


@transaction.atomic
def sequence_confirm(
    sequence: FaceSequence,
    *,
    suggestion_id: int,
    actor,
    use_for_recognition: bool = True,
    shown: Collection[int] | None = None,
) -> FaceSequence:
    """Confirm a suggested officer for the whole sequence: the suggestion must be on one of its stills.

    sequence_identify does the rest (and, through suggestion_confirm, refuses one that is settled
    or hidden by the gate).
    """
    suggestion = (
        MatchSuggestion.objects.select_related("officer")
        .filter(pk=suggestion_id, face__video_still__sequence=sequence)
        .first()
    )
    if suggestion is None:
        raise SuggestionUnavailable(SUGGESTION_HIDDEN)
    return sequence_identify(
        sequence,
        officer=suggestion.officer,
        suggestion=suggestion,
        actor=actor,
        use_for_recognition=use_for_recognition,
        shown=shown,
    )


@transaction.atomic
def sequence_mark_civilian(sequence: FaceSequence, *, actor, shown: Collection[int] | None = None) -> FaceSequence:
    """Not an officer: every undecided still marked civilian (each its own Decision), blurred everywhere.

    Refuses like sequence_identify: every still decided already, or a still identified as an officer.
    """
    _require_reviewer(actor)
    sequence = _locked(sequence)
    stills = _stills(sequence)
    _check_shown(stills, shown)
    open_faces = [s.face for s in stills if _undecided(s.face)]
    if not open_faces:
        raise AlreadyDecided(SEQUENCE_DECIDED)
    if any(s.face.officer_id is not None for s in stills):
        raise SequenceUnavailable(DECIDED_OTHERWISE)
    for face in open_faces:
        face_review.face_identify(face, officer=None, civilian=True, actor=actor, use_for_recognition=False)
    sequence.status = FaceSequence.Status.CIVILIAN
    sequence.officer = None
    sequence.save(update_fields=["status", "officer", "updated_at"])
    video_rendition_invalidate(sequence.video_id)  # the sequence's own status and officer; one render a transaction
    return sequence


def _split_track(track: list, kept_times: list[float], moved_times: list[float]) -> tuple[list, list]:
    """Each sampled box goes with the still nearest to it in time (a tie stays).

    A wrong join is usually the tracker jumping from one person to another at some moment;
    nearest-still assignment cuts the track there without the volunteer naming a time, and
    still handles stills picked from both ends.
    """
    kept: list = []
    moved: list = []
    for point in track:
        try:
            t = float(point[0])
        except (TypeError, ValueError, IndexError):
            kept.append(point)  # not a box this code wrote: leave it where it was
            continue
        to_kept = min(abs(t - k) for k in kept_times)
        to_moved = min(abs(t - m) for m in moved_times)
        (moved if to_moved < to_kept else kept).append(point)
    return kept, moved


def _span(track: list, still_times: list[float]) -> tuple[float, float, int]:
    times = [*still_times]
    for point in track:
        try:
            times.append(float(point[0]))
        except (TypeError, ValueError, IndexError):
            continue
    return min(times), max(times), len(track)


@transaction.atomic
def sequence_split(
    sequence: FaceSequence, *, still_ids: Collection[int], actor, shown: Collection[int] | None = None
) -> FaceSequence:
    """Move the chosen stills (SequenceFace ids) into a new sequence; returns the new one.

    1. Lock the video (new sequence numbers are per video), then the sequence; only an OPEN
       sequence may be split (a decided one is undone still by still first).
    2. The chosen stills must be stills of this sequence, neither none nor all of them.
    3. The track is divided by nearest still in time (_split_track); both sequences' times
       and frame counts follow their parts. The new sequence names its origin (`split_from`)
       and takes the next number of the video.
    4. Each moved still keeps its face, and with it its decisions and suggestions.
    """
    _require_reviewer(actor)
    Video.objects.select_for_update().filter(pk=sequence.video_id).first()
    sequence = _locked(sequence)
    if sequence.status != FaceSequence.Status.OPEN:
        raise SequenceUnavailable("Only a sequence nobody has identified yet can be split; nothing was changed.")
    stills = _stills(sequence)
    _check_shown(stills, shown)
    chosen = set(still_ids)
    by_pk = {s.pk: s for s in stills}
    if not chosen <= set(by_pk):
        raise ReviewError("Only stills of this sequence can be split off.")
    if not chosen:
        raise ReviewError("Tick the stills that show someone else.")
    if chosen == set(by_pk):
        raise ReviewError("Every still was ticked: leave at least one in this sequence.")
    moved_times = [by_pk[pk].time for pk in chosen]
    kept_times = [s.time for s in stills if s.pk not in chosen]
    kept_track, moved_track = _split_track(list(sequence.track or []), kept_times, moved_times)
    number = (FaceSequence.objects.filter(video_id=sequence.video_id).aggregate(n=Max("number"))["n"] or 0) + 1
    first, last, count = _span(moved_track, moved_times)
    created = FaceSequence.objects.create(
        video_id=sequence.video_id,
        number=number,
        first_time=first,
        last_time=last,
        frame_count=count,
        track=moved_track,
        split_from=sequence,
    )
    SequenceFace.objects.filter(pk__in=chosen).update(sequence=created)
    sequence.first_time, sequence.last_time, sequence.frame_count = _span(kept_track, kept_times)
    sequence.track = kept_track
    sequence.save(update_fields=["first_time", "last_time", "frame_count", "track", "updated_at"])
    log.info("sequence %s split: stills %s moved to sequence %s", sequence.pk, sorted(chosen), created.pk)
    return created
