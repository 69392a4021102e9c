"""Reads for reviewing video face sequences: the queue, a sequence's stills and its suggestions.

A sequence is one item of review (review's SEQUENCE queue): its stills are ordinary faces,
kept out of the per-face identify queue (review.selectors.identify_queue), and identified
together by videos.services.review.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from departments.models import Department
from faces.models import MatchSuggestion
from faces.selectors import visible_suggestions_by_face
from videos.models import FaceSequence, SequenceFace, Video

# A still whose face nobody has identified or marked "not an officer" yet.
UNDECIDED = Q(face__officer__isnull=True, face__is_civilian=False)


def sequence_queue(department: Department | int) -> QuerySet[FaceSequence]:
    """Sequences of processed videos with a still nobody has decided, oldest video first.

    1. Only videos done processing: until then stills and suggestions are still arriving.
    2. A sequence whose every still is decided is done, whatever its status says (an undo of
       one still's decision brings the sequence back for that still).
    3. Sequences with a pending suggestion on a still come first: confirming is fastest. (Which
       of them people may see is checked on the page, by faces' gate-aware visible_suggestions.)
    """
    undecided = SequenceFace.objects.filter(UNDECIDED, sequence=OuterRef("pk"))
    pending = MatchSuggestion.objects.filter(
        status=MatchSuggestion.Status.PENDING, face__video_still__sequence=OuterRef("pk")
    )
    return (
        FaceSequence.objects.filter(video__department=department, video__status=Video.Status.DONE)
        .filter(Exists(undecided))
        .annotate(has_suggestion=Exists(pending))
        .order_by("-has_suggestion", "video__created_at", "video_id", "number", "pk")
    )


def sequence_queue_counts(department_ids: Iterable[int]) -> dict[int, int]:
    """Department id → sequences waiting in its queue (for the dashboard)."""
    undecided = SequenceFace.objects.filter(UNDECIDED, sequence=OuterRef("pk"))
    rows = (
        FaceSequence.objects.filter(video__department_id__in=list(department_ids), video__status=Video.Status.DONE)
        .filter(Exists(undecided))
        .values("video__department_id")
        .annotate(n=Count("pk"))
    )
    return {row["video__department_id"]: row["n"] for row in rows}


def sequence_for_review(pk: int) -> FaceSequence | None:
    return FaceSequence.objects.select_related("video__department", "officer").filter(pk=pk).first()


def sequence_stills(sequence: FaceSequence) -> list[SequenceFace]:
    """The sequence's stills in time order, with their faces (and who they were identified as)."""
    return list(
        SequenceFace.objects.filter(sequence=sequence)
        .select_related("face__image__department", "face__officer")
        .order_by("time", "pk")
    )


def sequence_suggestions(stills: Iterable[SequenceFace]) -> list[MatchSuggestion]:
    """The officers suggested for any undecided still, each once (its closest suggestion).

    Only what faces.selectors.visible_suggestions lets people see now: nothing unless both the
    video's and the officer's departments allow recognition.
    """
    undecided = [still.face for still in stills if still.face.officer_id is None and not still.face.is_civilian]
    by_face = visible_suggestions_by_face(undecided)
    best: dict[int, MatchSuggestion] = {}
    # Stills in their order, each face's suggestions in theirs: a tie in distance keeps the same one.
    for face in undecided:
        for suggestion in by_face.get(face.pk, []):
            kept = best.get(suggestion.officer_id)
            if kept is None or suggestion.distance < kept.distance:
                best[suggestion.officer_id] = suggestion
    return sorted(best.values(), key=lambda s: (s.distance, s.pk))
