"""Reads about incidents and the record's audit trail, for the public incident pages and the editors' pages."""

from __future__ import annotations

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    QuerySet,
    Value,
    When,
)

from departments.models import Department, Incident, Link, Officer, RecordChange


def department_incidents(department: Department) -> QuerySet[Incident]:
    """The department's incidents, newest first, with their officers and a count of links."""
    return (
        Incident.objects.filter(department=department)
        .annotate(link_count=Count("links", distinct=True))
        # Meta.ordering is not applied to a GROUP BY query: say it again.
        .order_by(F("date").desc(nulls_last=True), "-pk")
        .prefetch_related(Prefetch("officers", queryset=Officer.objects.order_by("last_name", "first_name")))
    )


def incident_with_record(incident_id: int) -> Incident:
    """One incident with its department, officers (by name) and links (newest first); DoesNotExist if none."""
    return (
        Incident.objects.select_related("department")
        .prefetch_related(
            Prefetch("officers", queryset=Officer.objects.order_by("last_name", "first_name")),
            Prefetch("links", queryset=Link.objects.order_by("-created_at", "-pk")),
        )
        .get(pk=incident_id)
    )


def department_record_changes(department: Department, *, what: str = "") -> QuerySet[RecordChange]:
    """The department's record changes, newest first, optionally of one kind ("incident.update" …).

    Each carries `subject_exists`: whether the officer or incident it names is still stored (a
    removed one has no page to link to).
    """
    changes = RecordChange.objects.filter(department=department).select_related("actor")
    if what:
        changes = changes.filter(what=what)
    return changes.annotate(
        subject_exists=Case(
            When(
                what__startswith="officer.",
                then=Exists(Officer.objects.filter(pk=OuterRef("object_id"), department=department)),
            ),
            When(
                what__startswith="incident.",
                then=Exists(Incident.objects.filter(pk=OuterRef("object_id"), department=department)),
            ),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def record_change_kinds(department: Department) -> list[str]:
    """The kinds of change recorded for the department ("incident.create" …), sorted."""
    return list(
        RecordChange.objects.filter(department=department).values_list("what", flat=True).distinct().order_by("what")
    )
