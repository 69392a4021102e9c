"""The record of decisions, and undo — for coordinators (their department) and administrators."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from faces.models import Decision
from review import selectors, services
from review.views.access import forbidden, volunteer_required


@require_GET
@volunteer_required
def decision_list(request: HttpRequest) -> HttpResponse:
    if roles.is_administrator(request.user):
        department_id = None
    else:
        department_id = roles.coordinator_department_id(request.user)
        if department_id is None:
            return forbidden(request, "The decision record is for coordinators and administrators.")
    return render(
        request,
        "review/decisions.html",
        {
            "decisions": selectors.decision_history(department_id=department_id),
            "undoable": {
                Decision.Kind.SORT,
                Decision.Kind.IDENTIFY,
                Decision.Kind.CIVILIAN,
                Decision.Kind.CONFIRM,
                Decision.Kind.REJECT,
                Decision.Kind.CURATE,
            },
        },
    )


@require_POST
@volunteer_required
def decision_undo(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_object_or_404(Decision, pk=pk)
    if not roles.can_undo_decisions(request.user, decision.department_id):
        return forbidden(request, "Only a coordinator of this department or an administrator can undo decisions.")
    services.decision_undo(decision, actor=request.user)
    messages.success(request, f"Undone: {decision.get_kind_display().lower()} by {decision.actor or 'someone'}.")
    return redirect("review_decisions")
