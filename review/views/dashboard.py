from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts import roles
from review import selectors
from review.views.access import volunteer_required


@require_GET
@volunteer_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "review/dashboard.html",
        {
            "departments": selectors.department_queues(),
            "progress": selectors.my_progress(request.user),
            "is_administrator": roles.is_administrator(request.user),
            "coordinator_department_id": roles.coordinator_department_id(request.user),
        },
    )


@require_GET
@volunteer_required
def leaderboard(request: HttpRequest) -> HttpResponse:
    return render(request, "review/leaderboard.html", {"board": selectors.leaderboard()})
