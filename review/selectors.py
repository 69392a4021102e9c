"""Reads for the review dashboard: queues, suggestions, search, progress, leaderboard."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable
from datetime import timedelta
from typing import TypedDict

from django.db import connection
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone

from departments import policy
from departments.models import Department, Officer
from faces.models import Decision, Face, FaceGroup, FaceGroupMember, Image, MatchSuggestion
from faces.pipeline.quality import embedding_skip_reason
from faces.services.recognition import purge_preview

# Decisions that count as identifying work on the leaderboard and in one's progress.
IDENTIFY_KINDS = (Decision.Kind.IDENTIFY, Decision.Kind.CONFIRM, Decision.Kind.CIVILIAN)


# --- Queues ----------------------------------------------------------------------------
def sort_queue(department: Department | int) -> QuerySet[Image]:
    """Processed photos nobody has answered "are there officers in it?" for, oldest first.

    A video's stills are not asked about: they are reviewed as their sequence (the SEQUENCE queue).
    """
    return (
        Image.objects.filter(department=department, status=Image.Status.DONE, contains_officers__isnull=True)
        .exclude(Exists(_video_stills()))
        .order_by("created_at", "pk")
    )


def _video_stills():
    return Face.objects.filter(image=OuterRef("pk"), video_still__isnull=False)


def identify_queue(department: Department | int) -> QuerySet[Face]:
    """Faces without an identity in processed photos not sorted as officer-free (video stills aside).

    Faces with a pending suggestion come first: confirming is the fastest decision.
    """
    pending = MatchSuggestion.objects.filter(face=OuterRef("pk"), status=MatchSuggestion.Status.PENDING)
    return (
        Face.objects.filter(
            image__department=department, image__status=Image.Status.DONE, officer__isnull=True, is_civilian=False
        )
        .exclude(image__contains_officers=False)
        # A video's stills are identified together, as their sequence (the SEQUENCE queue).
        .filter(video_still__isnull=True)
        .annotate(has_suggestion=Exists(pending))
        .order_by("-has_suggestion", "image__created_at", "image_id", "x", "pk")
    )


def group_queue(department: Department | int) -> QuerySet[FaceGroup]:
    """Groups of two or more unidentified faces (faces.services.grouping), largest first, only
    where recognition is allowed now (the groups are purged when it is not; this re-checks)."""
    return (
        FaceGroup.objects.filter(
            department=department, department__in=Department.objects.filter(policy.allowed_departments_q())
        )
        # A subquery, not a GROUP BY: the claim locks the chosen row (FOR UPDATE).
        .annotate(size=_count(FaceGroupMember.objects.all(), "group"))
        .filter(size__gte=2)
        .order_by("-size", "created_at", "pk")
    )


def group_faces(group: FaceGroup) -> QuerySet[Face]:
    """The faces of a group, in the order they joined."""
    return (
        Face.objects.filter(group_membership__group=group)
        .select_related("image")
        .order_by("group_membership__added_at", "pk")
    )


def _count(queryset: QuerySet, department_field: str) -> Coalesce:
    counted = (
        queryset.order_by()
        .filter(**{department_field: OuterRef("pk")})
        .values(department_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def department_queues() -> QuerySet[Department]:
    """Every department with the size of its sort and identify queues."""
    sortable = Image.objects.filter(status=Image.Status.DONE, contains_officers__isnull=True).exclude(
        Exists(_video_stills())
    )
    identifiable = Face.objects.filter(
        image__status=Image.Status.DONE, officer__isnull=True, is_civilian=False, video_still__isnull=True
    ).exclude(image__contains_officers=False)
    groups = FaceGroup.objects.filter(department__in=Department.objects.filter(policy.allowed_departments_q()))
    return Department.objects.annotate(
        sort_count=_count(sortable, "department"),
        identify_count=_count(identifiable, "image__department"),
        group_count=_count(groups, "department"),
    ).order_by("state", "name")


# --- Faces and suggestions -----------------------------------------------------------
def default_gallery_use(face: Face) -> bool:
    """Offer "use for recognition" ticked only for faces clear enough to compare."""
    from django.conf import settings

    score = face.detector_score if face.source == Face.Source.DETECTOR else None
    return not embedding_skip_reason(
        face.w, face.h, score, min_face_px=settings.FACES_MIN_FACE_PX, min_score=settings.FACES_MIN_DETECTOR_SCORE
    )


def officer_faces_for_curation(officer: Officer) -> QuerySet[Face]:
    """Every face identified as this officer, newest first, for the gallery curation page."""
    return officer.faces.select_related("image").order_by("-identified_at", "pk")


# --- Officer search ------------------------------------------------------------------
@functools.cache
def _has_trigram(alias: str = "default") -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone() is not None


def officer_search(department: Department, query: str, *, limit: int = 10) -> list[Officer]:
    """Officers of one department matching a name or badge number, best first.

    1. Exact badge number first, then every officer whose name or badge contains all the
       words typed.
    2. Fuzzy: trigram similarity when pg_trgm is installed; otherwise close matches of
       the words against names (difflib), so "Avry" still finds Avery.
    """
    query = " ".join((query or "").split())[:100]
    if not query:
        return []
    officers = Officer.objects.filter(department=department)
    words = query.split(" ")
    contains = Q()
    for word in words:
        contains &= Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(badge_number__icontains=word)
    found: list[Officer] = list(officers.filter(badge_number__iexact=query))
    found += [o for o in officers.filter(contains).order_by("last_name", "first_name")[:limit] if o not in found]
    if len(found) < limit:
        found += [o for o in _fuzzy(officers, query, limit) if o not in found]
    return found[:limit]


def _fuzzy(officers: QuerySet[Officer], query: str, limit: int) -> list[Officer]:
    if _has_trigram():
        from django.contrib.postgres.search import TrigramSimilarity

        return list(
            officers.annotate(similarity=TrigramSimilarity(Concat("first_name", Value(" "), "last_name"), query))
            .filter(similarity__gt=0.2)
            .order_by("-similarity")[:limit]
        )
    names = list(officers.values_list("pk", "first_name", "last_name")[:20000])
    scored = []
    lowered = query.lower()
    for pk, first, last in names:
        candidates = [first.lower(), last.lower(), f"{first} {last}".lower()]
        best = max(difflib.SequenceMatcher(None, lowered, c).ratio() for c in candidates)
        if best >= 0.7:
            scored.append((best, pk))
    scored.sort(reverse=True)
    by_pk = Officer.objects.in_bulk([pk for _, pk in scored[:limit]])
    return [by_pk[pk] for _, pk in scored[:limit] if pk in by_pk]


# --- Progress and leaderboard -------------------------------------------------------
def counted_decisions() -> QuerySet[Decision]:
    """Decisions that count as work: not undone, and not undo rows themselves."""
    return Decision.objects.filter(undone_at__isnull=True).exclude(kind=Decision.Kind.UNDO)


def my_progress(user) -> dict[str, int]:
    mine = counted_decisions().filter(actor=user)
    since = timezone.now() - timedelta(days=1)
    return mine.aggregate(
        sorted_total=Count("pk", filter=Q(kind=Decision.Kind.SORT)),
        identified_total=Count("pk", filter=Q(kind__in=IDENTIFY_KINDS)),
        rejected_total=Count("pk", filter=Q(kind=Decision.Kind.REJECT)),
        sorted_today=Count("pk", filter=Q(kind=Decision.Kind.SORT, created_at__gte=since)),
        identified_today=Count("pk", filter=Q(kind__in=IDENTIFY_KINDS, created_at__gte=since)),
    )


class LeaderboardRow(TypedDict):
    actor__username: str
    count: int


def leaderboard(*, limit: int = 10) -> dict[str, list[LeaderboardRow]]:
    """Top sorters and identifiers, counted from decision records (never from uploads)."""

    def top(kinds: Iterable[str]) -> list[LeaderboardRow]:
        return list(
            counted_decisions()
            .filter(kind__in=kinds, actor__isnull=False, actor__is_active=True)
            .values("actor__username")
            .annotate(count=Count("pk"))
            .order_by("-count", "actor__username")[:limit]
        )

    return {"sorters": top([Decision.Kind.SORT]), "identifiers": top(IDENTIFY_KINDS)}


# --- Decisions a coordinator may undo -------------------------------------------------
def decision_history(*, department_id: int | None, limit: int = 100) -> QuerySet[Decision]:
    """Recent decisions, of one department (a coordinator's) or all (department_id None)."""
    decisions = Decision.objects.select_related("actor", "department", "officer", "undone_by")
    if department_id is not None:
        decisions = decisions.filter(department_id=department_id)
    return decisions.order_by("-created_at", "-pk")[:limit]


# --- Jurisdictions -------------------------------------------------------------------
def backfill_progress(department: Department) -> dict | None:
    """For a department owed a backfill (enabled, not yet done): faces with/without embedding."""
    from departments.models import RecognitionChange

    change = (
        RecognitionChange.objects.filter(department=department, backfill_due=True, backfill_done_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if change is None:
        return None
    counts = Face.objects.filter(image__department=department).aggregate(
        total=Count("pk"),
        embedded=Count("pk", filter=Q(embedding__isnull=False)),
        skipped=Count("pk", filter=Q(embedding__isnull=True) & ~Q(embedding_skipped_reason="")),
    )
    counts["waiting"] = counts["total"] - counts["embedded"]
    counts["started_at"] = change.created_at
    return counts


def jurisdiction_overview(department_ids: list[int] | None = None) -> list[dict]:
    """Each department's recognition state as the policy sees it now, with its state rule."""
    from departments.models import JurisdictionRule

    departments = Department.objects.order_by("state", "name")
    if department_ids is not None:
        departments = departments.filter(pk__in=department_ids)
    allowed = policy.allowed_department_ids()
    rules = {rule.state: rule for rule in JurisdictionRule.objects.filter(recognition_forbidden=True)}
    return [
        {
            "department": department,
            "allowed": department.pk in allowed,
            "rule": rules.get(department.state),
            "backfill": backfill_progress(department),
        }
        for department in departments
    ]


def recognition_audit(department_ids: list[int] | None = None, *, limit: int = 100):
    from departments.models import RecognitionChange

    changes = RecognitionChange.objects.select_related("department", "actor").order_by("-created_at", "-pk")
    if department_ids is not None:
        changes = changes.filter(department_id__in=department_ids)
    return changes[:limit]


def recognition_change_preview(department: Department, *, allowed: bool) -> dict:
    """What switching would do, for the confirmation step: a refusal, or the counts involved."""
    if allowed:
        rule = policy.forbidding_rule(department.state)
        if rule is not None:
            # Same words as faces.services.recognition uses when it refuses.
            return {
                "refusal": f"Facial recognition cannot be enabled for departments in {rule.state}: {rule.legal_reason}"
            }
        waiting = Face.objects.filter(image__department=department, embedding__isnull=True).count()
        return {"refusal": None, "to_backfill": waiting}
    return {"refusal": None, "purge": purge_preview(department)}
