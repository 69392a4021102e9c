"""The transparency report: what the site did with faces, month by month, in aggregate only.

One report for the whole site or for one department. Nothing here names a civilian, an
uploader or the person who changed a flag (only their role); no face or photo is shown.
Counts come from a handful of GROUP BY queries over the last MONTHS months (UTC), never a
query per month. Live rows a takedown deletes (photos, faces, suggestions, decisions) leave
their counts behind on faces.TakenDownCount, added back here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accountability.models import ProblemReport
from accounts.models import Role
from departments.models import Department, JurisdictionRule, RecognitionChange
from departments.policy import allowed_departments_q
from faces.models import (
    Decision,
    Face,
    GateAuditRun,
    Image,
    MatchSuggestion,
    RecognitionEvent,
    Takedown,
    TakenDownCount,
)
from videos.models import Video, VideoTakedown

MONTHS = 24
CHANGES_SHOWN = 100
UTC = datetime.UTC


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    help: str


# The columns of the table, the CSV and the JSON, in this order.
MEASURES: tuple[Measure, ...] = (
    Measure("photos_processed", "Photos processed", "Photos whose faces were detected (not a video's frames)."),
    Measure("videos_processed", "Videos processed", "Videos whose faces were followed to the end."),
    Measure("faces_processed", "Faces processed", "Faces the workers finished with (compared or not)."),
    Measure("searches_run", "Searches run", "Gallery searches for a face, where recognition is allowed."),
    Measure(
        "searches_refused",
        "Searches refused",
        "Faces the gate kept from any comparison: recognition not allowed where the photo was taken.",
    ),
    Measure("results_discarded", "Results discarded", "Search results thrown away whole for crossing the gate."),
    Measure("suggestions_confirmed", "Suggestions confirmed", "Suggested officers a volunteer confirmed."),
    Measure("suggestions_rejected", "Suggestions rejected", "Suggested officers a volunteer rejected."),
    Measure("identifications_undone", "Identifications undone", "Identifications a coordinator undid."),
    Measure("reports_received", "Reports received", "Problem reports sent by the public."),
    Measure("reports_dismissed", "Reports dismissed", "Reports closed with no change."),
    Measure("reports_undone", "Reports: identification undone", "Reports that ended an identification."),
    Measure("reports_not_officer", "Reports: not an officer", "Reports after which a face was marked not an officer."),
    Measure("reports_taken_down", "Reports: taken down", "Reports after which a photo or video was taken down."),
    Measure("photos_taken_down", "Photos taken down", "Photos removed with their faces, for any reason."),
    Measure("videos_taken_down", "Videos taken down", "Videos removed with their faces and frames, for any reason."),
)
REPORT_OUTCOMES = {
    ProblemReport.Status.DISMISSED: "reports_dismissed",
    ProblemReport.Status.IDENTIFICATION_UNDONE: "reports_undone",
    ProblemReport.Status.MARKED_NOT_OFFICER: "reports_not_officer",
    ProblemReport.Status.TAKEN_DOWN: "reports_taken_down",
}
EVENT_MEASURES = {
    RecognitionEvent.Outcome.SEARCHED: "searches_run",
    RecognitionEvent.Outcome.REFUSED: "searches_refused",
    RecognitionEvent.Outcome.DISCARDED: "results_discarded",
}
SUGGESTION_MEASURES = {
    MatchSuggestion.Status.CONFIRMED: "suggestions_confirmed",
    MatchSuggestion.Status.REJECTED: "suggestions_rejected",
}
# A decision that named who a face is; undoing one is what the public asks about.
IDENTIFYING_DECISIONS = (Decision.Kind.IDENTIFY, Decision.Kind.CONFIRM)


@dataclass(frozen=True)
class MonthRow:
    month: datetime.date  # the first day of the month (UTC)
    counts: dict[str, int]


@dataclass(frozen=True)
class FlagChange:
    date: datetime.datetime
    department: str
    turned_on: bool
    reason: str
    role: str  # the changer's role now, never their name


@dataclass(frozen=True)
class StateRule:
    state: str
    recognition_forbidden: bool
    legal_text: str
    updated_at: datetime.datetime


@dataclass(frozen=True)
class GateAudit:
    ran_at: datetime.datetime
    violations: int
    fixed: int
    embeddings_found: int
    suggestions_found: int
    flags_found: int
    memberships_found: int


@dataclass(frozen=True)
class Transparency:
    department: Department | None
    recognition_on: bool  # for a department: now; for the site: in any department
    departments_on: int
    departments_total: int
    changes: list[FlagChange]
    rules: list[StateRule]
    months: list[MonthRow]  # oldest first
    totals: dict[str, int]
    precision: float | None  # confirmed / (confirmed + rejected); None before any decision
    gate_audit: GateAudit | None
    generated_at: datetime.datetime = field(default_factory=timezone.now)


def month_starts(now: datetime.datetime, count: int = MONTHS) -> list[datetime.date]:
    """The first days of the `count` months ending with now's month (UTC), oldest first."""
    year, month = now.astimezone(UTC).year, now.astimezone(UTC).month
    starts = []
    for _ in range(count):
        starts.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _by_month(rows: QuerySet, counts: dict[datetime.date, dict[str, int]], key: str | dict) -> None:
    """Add each row's `n` to its month under `key` (or under key[row's `group`])."""
    for row in rows:
        month = row["month"].astimezone(UTC).date() if row["month"] else None
        name = key if isinstance(key, str) else key.get(row["group"])
        if month in counts and name:
            counts[month][name] += row["n"]


def _grouped(queryset: QuerySet, date_field: str, since: datetime.datetime, group: str | None = None) -> QuerySet:
    fields = ["month"] + (["group"] if group else [])
    annotations: dict[str, Any] = {"month": TruncMonth(date_field, tzinfo=UTC)}
    if group:
        annotations["group"] = F(group)
    return (
        queryset.filter(**{f"{date_field}__gte": since})
        .annotate(**annotations)
        .values(*fields)
        .annotate(n=Count("pk"))
        .order_by()
    )


def _monthly(department: Department | None, starts: list[datetime.date]) -> list[MonthRow]:
    since = datetime.datetime(starts[0].year, starts[0].month, 1, tzinfo=UTC)
    counts = {start: {m.key: 0 for m in MEASURES} for start in starts}
    scope = Q() if department is None else Q(department=department)
    image_scope = Q() if department is None else Q(image__department=department)
    # A video's best frames are stored as photos (videos.SequenceFace) but were not uploaded as
    # photos: they count in the video, and their faces with the faces.
    photos = Image.objects.filter(scope, status=Image.Status.DONE).exclude(faces__video_still__isnull=False)
    _by_month(_grouped(photos, "processed_at", since), counts, "photos_processed")
    videos = Video.objects.filter(scope, status=Video.Status.DONE)
    _by_month(_grouped(videos, "processed_at", since), counts, "videos_processed")
    _by_month(_grouped(Face.objects.filter(image_scope), "processed_at", since), counts, "faces_processed")
    # The gate's refusals are RecognitionEvents too (faces.services.processing records one per
    # face it keeps out of a search, and one per search stopped mid-way), counted below.
    events = RecognitionEvent.objects.filter(scope)
    _by_month(_grouped(events, "created_at", since, "outcome"), counts, EVENT_MEASURES)
    decided = MatchSuggestion.objects.filter(
        Q() if department is None else Q(face__image__department=department), status__in=list(SUGGESTION_MEASURES)
    )
    _by_month(_grouped(decided, "decided_at", since, "status"), counts, SUGGESTION_MEASURES)
    undone = Decision.objects.filter(scope, kind__in=IDENTIFYING_DECISIONS)
    _by_month(_grouped(undone, "undone_at", since), counts, "identifications_undone")
    reports = ProblemReport.objects.filter(scope)
    _by_month(_grouped(reports, "created_at", since), counts, "reports_received")
    resolved = reports.filter(status__in=list(REPORT_OUTCOMES))
    _by_month(_grouped(resolved, "resolved_at", since, "status"), counts, REPORT_OUTCOMES)
    # A still taken down with its video counts in the video (videos.VideoTakedown), not as a photo.
    photo_takedowns = Takedown.objects.filter(scope, video_id__isnull=True)
    _by_month(_grouped(photo_takedowns, "created_at", since), counts, "photos_taken_down")
    video_takedowns = VideoTakedown.objects.filter(scope)
    _by_month(_grouped(video_takedowns, "created_at", since), counts, "videos_taken_down")
    # A video taken down stays counted in the month it was processed (its stills' counts are
    # carried by faces.TakenDownCount below, as any photo's).
    processed = video_takedowns.filter(processed_month__gte=starts[0]).values("processed_month")
    for video_row in processed.annotate(n=Count("pk")).order_by():
        if video_row["processed_month"] in counts:
            counts[video_row["processed_month"]]["videos_processed"] += video_row["n"]
    # What photos taken down had added to the live counts above, kept by the takedown: a past
    # month's numbers never shrink when a photo goes.
    carried = TakenDownCount.objects.filter(scope, month__gte=starts[0]).values("month", "measure")
    for row in carried.annotate(n=Sum("n")).order_by():
        if row["month"] in counts and row["measure"] in counts[row["month"]]:
            counts[row["month"]][row["measure"]] += row["n"]
    return [MonthRow(start, counts[start]) for start in starts]


def _role_label(change: RecognitionChange) -> str:
    actor = change.actor
    if actor is None:
        return "Automatic or a removed account"
    if actor.is_superuser:
        return Role.ADMINISTRATOR.label
    profile = getattr(actor, "profile", None)
    return Role(profile.role).label if profile is not None else Role.MEMBER.label


def _changes(department: Department | None) -> list[FlagChange]:
    changes = RecognitionChange.objects.select_related("department", "actor__profile").order_by("-created_at", "-pk")
    if department is not None:
        changes = changes.filter(department=department)
    return [
        FlagChange(c.created_at, c.department.name, c.allowed, c.reason, _role_label(c))
        for c in changes[:CHANGES_SHOWN]
    ]


def _rules(department: Department | None) -> list[StateRule]:
    rules = JurisdictionRule.objects.order_by("state")
    if department is not None:
        rules = rules.filter(state=department.state)
    return [StateRule(r.state, r.recognition_forbidden, r.legal_reason, r.updated_at) for r in rules]


def _gate_audit() -> GateAudit | None:
    run = GateAuditRun.objects.order_by("-created_at", "-pk").first()
    if run is None:
        return None
    return GateAudit(
        run.created_at,
        run.violations,
        run.fixed,
        run.embeddings_found,
        run.suggestions_found,
        run.flags_found,
        run.memberships_found,
    )


def totals_of(rows: Iterable[MonthRow]) -> dict[str, int]:
    totals = {m.key: 0 for m in MEASURES}
    for row in rows:
        for key, value in row.counts.items():
            totals[key] += value
    return totals


def transparency_report(department: Department | None = None, *, now: datetime.datetime | None = None) -> Transparency:
    """The report for one department, or for the whole site when `department` is None."""
    now = now or timezone.now()
    months = _monthly(department, month_starts(now))
    totals = totals_of(months)
    decided = totals["suggestions_confirmed"] + totals["suggestions_rejected"]
    departments = Department.objects.all() if department is None else Department.objects.filter(pk=department.pk)
    flags = departments.aggregate(total=Count("pk"), on=Count("pk", filter=allowed_departments_q()))
    return Transparency(
        department=department,
        recognition_on=flags["on"] > 0,
        departments_on=flags["on"],
        departments_total=flags["total"],
        changes=_changes(department),
        rules=_rules(department),
        months=months,
        totals=totals,
        precision=totals["suggestions_confirmed"] / decided if decided else None,
        gate_audit=_gate_audit(),
        generated_at=now,
    )
