from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accountability.selectors import open_report_counts
from accounts import roles
from review import selectors
from review.views.access import volunteer_required
from videos.selectors_review import sequence_queue_counts


@require_GET
@volunteer_required
def dashboard(request: HttpRequest) -> HttpResponse:
    departments = list(selectors.department_queues())
    open_reports = open_report_counts(d.pk for d in departments)
    sequences = sequence_queue_counts(d.pk for d in departments)
    for department in departments:
        department.can_edit_records = roles.can_edit_officers(request.user, department)  # type: ignore[attr-defined]
        department.open_reports = open_reports.get(department.pk, 0)  # type: ignore[attr-defined]
        department.sequence_count = sequences.get(department.pk, 0)  # type: ignore[attr-defined]
    # A Records column only for people who may edit some department's record.
    records_column = roles.is_administrator(request.user) or roles.coordinator_department_id(request.user) is not None
    return render(
        request,
        "review/dashboard.html",
        {
            "departments": departments,
            "records_column": records_column,
            # Department, sort, identify, groups, sequences (+ records): the empty row spans them all.
            "column_count": 6 if records_column else 5,
            "progress": selectors.my_progress(request.user),
            "is_administrator": roles.is_administrator(request.user),
            "coordinator_department_id": roles.coordinator_department_id(request.user),
        },
    )


@require_GET
@volunteer_required
def leaderboard(request: HttpRequest) -> HttpResponse:
    return render(request, "review/leaderboard.html", {"board": selectors.leaderboard()})
