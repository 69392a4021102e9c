"""Reads about incidents and the record's audit trail, for the public incident pages and the editors' pages."""

from __future__ import annotations

from django.db.models import Count, F, Prefetch, QuerySet

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
    """The department's record changes, newest first, optionally of one kind ("incident.update" …)."""
    changes = RecordChange.objects.filter(department=department).select_related("actor")
    return changes.filter(what=what) if what else changes


def record_change_kinds(department: Department) -> list[str]:
    return sorted(set(RecordChange.objects.filter(department=department).values_list("what", flat=True)))
