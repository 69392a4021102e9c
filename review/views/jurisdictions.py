"""Administrators' jurisdiction page: each department's recognition, its rules, its audit trail.

Switching goes through faces.services.recognition.department_set_recognition only, in two steps:
the first shows what will happen (purge counts, or the backfill), the second does it.
Coordinators see their own department read-only.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts import roles
from departments import policy
from departments.models import Department, JurisdictionRule
from faces import selectors as face_selectors
from faces.models import RuleChange
from faces.services.recognition import department_set_recognition
from review import selectors
from review.forms import RecognitionSwitchForm
from review.views.access import forbidden, volunteer_required

RULE_CHANGES_SHOWN = 20


@require_GET
@volunteer_required
def jurisdiction_list(request: HttpRequest) -> HttpResponse:
    if roles.can_change_recognition(request.user):
        department_ids = None
    else:
        department_id = roles.coordinator_department_id(request.user)
        if department_id is None:
            return forbidden(request, "The jurisdiction page is for administrators and area coordinators.")
        department_ids = [department_id]
    return render(
        request,
        "review/jurisdictions.html",
        {
            "rows": selectors.jurisdiction_overview(department_ids),
            "rules": JurisdictionRule.objects.order_by("state"),
            "audit": selectors.recognition_audit(department_ids),
            "gate_audit": face_selectors.last_gate_audit(),
            "gate_purges": face_selectors.gate_purges(department_ids),
            # State rules are public law, the same for every department: everyone here sees their history.
            "rule_changes": RuleChange.objects.select_related("actor")[:RULE_CHANGES_SHOWN],
            "can_change": roles.can_change_recognition(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@volunteer_required
def jurisdiction_switch(request: HttpRequest, slug: str) -> HttpResponse:
    if not roles.can_change_recognition(request.user):
        return forbidden(request, "Only administrators can switch facial recognition.")
    department = get_object_or_404(Department, slug=slug)
    if request.method == "GET":
        # The confirmation page lives at this address: reloading it, or coming back to it
        # after a refusal (oversight.middleware redirects to the referring page), starts over.
        return redirect("review_jurisdictions")
    form = RecognitionSwitchForm(request.POST)
    if not form.is_valid():
        return _confirm_page(request, department, form, preview=None, status=400)
    allowed = form.cleaned_data["allowed"]
    preview = selectors.recognition_change_preview(department, allowed=allowed)
    if preview["refusal"]:
        return _confirm_page(request, department, form, preview=preview, status=400)
    if not form.cleaned_data["confirm"]:
        return _confirm_page(request, department, form, preview=preview)
    result = department_set_recognition(
        department, allowed=allowed, actor=request.user, reason=form.cleaned_data["reason"]
    )
    if allowed:
        messages.success(request, f"Facial recognition is on for {department.name}. The backfill has been queued.")
    else:
        messages.success(
            request,
            f"Facial recognition is off for {department.name}: {result.purged_embeddings} "
            f"embeddings deleted, {result.withdrawn_suggestions} suggestions withdrawn.",
        )
    return redirect("review_jurisdictions")


def _confirm_page(request, department, form, *, preview, status: int = 200) -> HttpResponse:
    allowed = form.cleaned_data.get("allowed") if form.is_bound and hasattr(form, "cleaned_data") else None
    return render(
        request,
        "review/jurisdiction_switch.html",
        {
            "department": department,
            "form": form,
            "allowed": allowed,
            "preview": preview,
            "currently_allowed": policy.recognition_allowed(department),
        },
        status=status,
    )
