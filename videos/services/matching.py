"""Embedding a video's stills and matching each sequence as a set, only behind the gate.

Where the department does not allow recognition, nothing here computes anything: the stills'
faces get the reason, and no landmark, descriptor, search or suggestion exists for any frame.
Where it does, each still is embedded like any photo's face (faces.services.processing, which
asks the policy at compute time and stores under its lock), sequences of one person are joined
(videos.services.joining, which asks the policy again), and each sequence is searched once
with the mean of its stills' descriptors; the suggestions go on its best still's face
(face_suggest: rejected officers excluded, the gate re-checked under lock, an audit row).

Mean rather than best pair: on LFW DevTrain sequences of 3 photos, the mean names the right
officer for 97.6 % of sequences at the threshold where 1 % of impostor sequences get a
suggestion, the best pair for 92.6 % (docs/benchmarks.md, "Matching a sequence as a set").
"""

from __future__ import annotations

import logging

import numpy as np
from django.conf import settings

from departments import policy
from faces.models import Face, MatchSuggestion
from faces.pipeline.decode import ImageRejected, load_rgb
from faces.pipeline.embed import current_embedding_variant
from faces.services.processing import NOT_ALLOWED_REASON, face_suggest, faces_embed_and_search
from videos.models import FaceSequence, SequenceFace, Video
from videos.services.joining import sequences_join

logger = logging.getLogger(__name__)


def _skip(face_ids: list[int]) -> None:
    Face.objects.filter(pk__in=face_ids, embedding__isnull=True).update(embedding_skipped_reason=NOT_ALLOWED_REASON)


def video_embed_and_match(video: Video) -> int:
    """Embed every still not embedded yet and match every sequence; returns sequences searched.

    The policy is asked before each still (and again by the embedding itself): a flag turned
    off mid-video stops the work at once, and the database's purge removes what was written.
    """
    department_id = video.department_id
    stills = list(
        SequenceFace.objects.filter(sequence__video=video)
        .select_related("face__image")
        .order_by("sequence__number", "-quality")
    )
    if not policy.recognition_allowed(department_id):
        _skip([s.face_id for s in stills])
        return 0
    for position, still in enumerate(stills):
        if not policy.recognition_allowed(department_id):
            _skip([s.face_id for s in stills[position:]])
            return 0
        face = still.face
        if face.embedding is not None:
            continue  # a resumed run: embedded before (a skipped one is judged again: the flag may be on now)
        try:
            with face.image.file.open("rb") as handle:
                rgb = load_rgb(handle.read(), max_pixels=settings.FACES_DECODE_MAX_PIXELS)
        except (ImageRejected, OSError):
            logger.exception("still %s of video %s is unreadable", face.image_id, video.pk)
            continue
        faces_embed_and_search(rgb, face.image, [face], search=False)
    # A face hidden or off screen for a while came back as a new sequence: join it to its
    # earlier one before matching, so the person is matched and reviewed once (asks the policy).
    sequences_join(video)
    searched = 0
    for sequence in FaceSequence.objects.filter(video=video):
        if not policy.recognition_allowed(department_id):
            return searched
        if sequence_match(sequence):
            searched += 1
    return searched


def sequence_match(sequence: FaceSequence) -> list[MatchSuggestion] | None:
    """Search the gallery with the mean of the sequence's embedded stills; None if none is embedded.

    Only stills of the current descriptor variant are averaged (another variant's vectors
    live in another space). A sequence someone already identified is not searched.
    """
    stills = list(
        SequenceFace.objects.filter(
            sequence=sequence, face__embedding__isnull=False, face__embedding_variant=current_embedding_variant()
        )
        .select_related("face__image")
        .order_by("-quality", "time")
    )
    if not stills or sequence.status != FaceSequence.Status.OPEN:
        return None
    vectors = np.stack([np.asarray(s.face.embedding, dtype=np.float64) for s in stills])
    return face_suggest(stills[0].face, vectors.mean(axis=0))


def department_videos_match(department_id: int) -> int:
    """After recognition was enabled (faces' backfill): embed and match the stills of the
    department's processed videos, sequence by sequence; returns the sequences searched."""
    searched = 0
    for video in Video.objects.filter(department_id=department_id, status=Video.Status.DONE).order_by("pk"):
        if not policy.recognition_allowed(department_id):
            break  # turned off again mid-backfill
        searched += video_embed_and_match(video)
    return searched
