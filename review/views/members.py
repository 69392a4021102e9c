"""The approval queue: coordinators and administrators approve or decline new accounts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts import roles, selectors, services
from oversight.exceptions import DomainError
from review.views.access import forbidden, volunteer_required

REFUSAL = "Only coordinators and administrators can approve new accounts."


def _page(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    return render(
        request,
        "review/members.html",
        {
            "pending": selectors.pending_members(),
            "decisions": selectors.recent_membership_decisions(),
            "error": error,
        },
        status=status,
    )


@require_GET
@volunteer_required
def member_list(request: HttpRequest) -> HttpResponse:
    if not roles.can_approve_members(request.user):
        return forbidden(request, REFUSAL)
    return _page(request)


def _decide(request: HttpRequest, pk: int, service, done: str) -> HttpResponse:
    if not roles.can_approve_members(request.user):
        return forbidden(request, REFUSAL)
    member = get_object_or_404(get_user_model(), pk=pk)
    try:
        service(member, actor=request.user)
    except DomainError as exc:
        return _page(request, error=exc.message, status=exc.status)
    messages.success(request, done.format(name=member.get_username()))
    return redirect("review_members")


@require_POST
@volunteer_required
def member_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, services.member_approve, "{name} is now a volunteer.")


@require_POST
@volunteer_required
def member_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, services.member_decline, "{name} was declined and stays a member.")
