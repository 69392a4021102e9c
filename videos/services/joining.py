"""Joining sequences of one video that show the same person, only where recognition is allowed.

    sequences_join(video) -> number of sequences joined into another

Tracking is geometry only (videos.pipeline.tracking): a face hidden or off screen for longer
than VIDEO_TRACK_MAX_GAP_SECONDS comes back as a new sequence. Where the department allows
recognition, its stills are embedded anyway (videos.services.matching), and two sequences
never on screen at the same moment whose mean descriptors are within VIDEO_JOIN_MAX_DISTANCE
are one person: joined, so a volunteer reviews and confirms them once. The distance is strict
(docs/benchmarks.md, "Video processing"): a wrong join costs a volunteer a split and risks a
wrong identification, a missed one only a second look.

Where recognition is not allowed nothing here runs: the policy is asked first, and again under
the department's share lock in the transaction that writes the joins (a flag turned off
meanwhile waits for it or wins; either way no join is made from descriptors the gate forbids).
Only sequences nobody has touched are joined: open, no still decided, not split by a volunteer
(a split is a person's judgement that the descriptors must not undo).

A join keeps the earliest sequence: it takes the others' stills (SequenceFace rows, with their
faces), their track rows (in time order; the rendition and the page hold a face's box across the
gap instead of sliding it), its span and frame count; the others are deleted, and the video's
sequences are numbered again 1..n in order of first appearance. The kept sequence's pending
suggestions are dropped: the caller matches it again as one set. All in one transaction, with
the video's row locked; a run that resumes finds the joined sequences and nothing more to join
(videos.pipeline.joining compares groups by the mean of all their stills, as it will then).
"""

from __future__ import annotations

import logging

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q

from departments import policy
from faces.models import MatchSuggestion
from faces.pipeline.embed import current_embedding_variant
from videos.models import FaceSequence, SequenceFace, Video
from videos.pipeline.joining import Candidate, plan_joins, presence

logger = logging.getLogger(__name__)


def _joinable(video: Video) -> list[FaceSequence]:
    """The video's sequences nobody has touched: open, no still decided, no part in a split."""
    decided = SequenceFace.objects.filter(sequence=OuterRef("pk")).filter(
        Q(face__officer__isnull=False) | Q(face__is_civilian=True)
    )
    split = FaceSequence.objects.filter(split_from=OuterRef("pk"))
    return list(
        FaceSequence.objects.filter(video=video, status=FaceSequence.Status.OPEN, split_from__isnull=True)
        .exclude(Exists(decided))
        .exclude(Exists(split))
        .order_by("number")
    )


def _candidates(sequences: list[FaceSequence]) -> list[Candidate]:
    vectors: dict[int, list[np.ndarray]] = {s.pk: [] for s in sequences}
    stills = SequenceFace.objects.filter(
        sequence__in=sequences, face__embedding__isnull=False, face__embedding_variant=current_embedding_variant()
    ).values_list("sequence_id", "face__embedding")
    for sequence_id, embedding in stills:
        vectors[sequence_id].append(np.asarray(embedding, dtype=np.float64))
    gap = settings.VIDEO_TRACK_MAX_GAP_SECONDS
    return [
        Candidate(s.pk, presence(s.track or [], gap), np.stack(vectors[s.pk]))
        for s in sequences
        if vectors[s.pk] and s.track
    ]


def _join(kept: FaceSequence, others: list[FaceSequence]) -> None:
    rows = [row for s in [kept, *others] for row in (s.track or [])]
    rows.sort(key=lambda row: float(row[0]))
    SequenceFace.objects.filter(sequence__in=others).update(sequence=kept)
    # Set matching searches the joined sequence again, as one set (its suggestions go on its best still).
    MatchSuggestion.objects.filter(face__video_still__sequence=kept, status=MatchSuggestion.Status.PENDING).delete()
    kept.track = rows
    kept.first_time = min(s.first_time for s in [kept, *others])
    kept.last_time = max(s.last_time for s in [kept, *others])
    kept.frame_count = len(rows)
    kept.save(update_fields=["track", "first_time", "last_time", "frame_count", "updated_at"])
    FaceSequence.objects.filter(pk__in=[s.pk for s in others]).delete()
    logger.info(
        "video %s: sequences %s joined into sequence %s by descriptor distance",
        kept.video_id,
        [s.number for s in others],
        kept.number,
    )


def _renumber(video: Video) -> None:
    """Numbers 1..n again, in the order they had (first appearance); two steps for the unique constraint."""
    sequences = list(FaceSequence.objects.filter(video=video).order_by("number"))
    if all(s.number == n for n, s in enumerate(sequences, start=1)):
        return
    offset = max(s.number for s in sequences) + 1
    FaceSequence.objects.filter(video=video).update(number=F("number") + offset)
    for n, s in enumerate(sequences, start=1):
        FaceSequence.objects.filter(pk=s.pk).update(number=n)


def sequences_join(video: Video) -> int:
    """Join the video's sequences that show one person (see the module's docstring); returns joins made."""
    department_id = video.department_id
    if settings.VIDEO_JOIN_MAX_DISTANCE <= 0 or not policy.recognition_allowed(department_id):
        return 0
    with transaction.atomic():
        if Video.objects.select_for_update().filter(pk=video.pk).first() is None:
            return 0  # taken down meanwhile
        if not policy.lock_recognition_allowed(department_id):
            return 0
        sequences = {s.pk: s for s in _joinable(video)}
        groups = plan_joins(_candidates(list(sequences.values())), settings.VIDEO_JOIN_MAX_DISTANCE)
        for keys in groups:
            _join(sequences[keys[0]], [sequences[k] for k in keys[1:]])
        if groups:
            _renumber(video)
    return sum(len(keys) - 1 for keys in groups)
