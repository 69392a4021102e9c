"""Officers: a department's public roster, officer profiles, the search across departments.

The department page lives here, not in departments/, because it shows officers' photos
(faces) and departments must not import faces.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from departments.models import Department, Officer
from departments.selectors import department_ranks, officer_record, state_name
from departments.selectors_records import department_incidents
from departments.services import record_editable_by
from faces.exports import export_response
from faces.forms import OfficerFilterForm
from faces.selectors import (
    attach_officer_photos,
    officer_public_faces,
    officers_filtered,
    recognition_notice,
    roster_values,
)
from faces.selectors_timeline import officer_photo_timeline
from faces.throttles import AnonReadThrottle, throttle_wait
from faces.views.access import too_many_requests

PAGE_SIZE = 24
INCIDENTS_SHOWN = 5  # the newest on the department page; the rest on its incidents page


def _any_given(filters: dict) -> bool:
    # An age of 0 is a filter; an empty field or an unticked box is not.
    return any(value not in (None, "") and value is not False for value in filters.values())


def _filter_choices(department: Department | None) -> dict[str, list[str]]:
    # Gender and race are offered exactly as the rosters publish them; units only within one
    # department (across all departments the list would be long and mean little: free text then).
    return {
        "genders": roster_values("gender", department),
        "races": roster_values("race", department),
        "units": roster_values("unit", department) if department is not None else [],
    }


@require_GET
def officer_detail(request: HttpRequest, officer_id: int) -> HttpResponse:
    officer = get_object_or_404(Officer.objects.select_related("department"), pk=officer_id)
    attach_officer_photos([officer])
    return render(
        request,
        "faces/officer_detail.html",
        {
            "officer": officer,
            "record": officer_record(officer),
            # Editors get the record pages; staff among them also the Django admin.
            "can_edit": record_editable_by(request.user, officer.department),
            "can_edit_in_admin": request.user.is_staff and record_editable_by(request.user, officer.department),
            "faces": officer_public_faces(officer)[:60],
            "timeline": officer_photo_timeline(officer),
        },
    )


@require_GET
def officer_search(request: HttpRequest) -> HttpResponse:
    form = OfficerFilterForm(request.GET or None)
    page = None
    # With a department chosen, rank and unit offer that department's current values.
    chosen = form.cleaned_data.get("department") if form.is_bound and form.is_valid() else None
    searched = form.is_bound and form.is_valid() and _any_given(form.cleaned_data)
    if searched:
        officers = officers_filtered(department=form.cleaned_data.get("department"), **form.filters())
        page = Paginator(officers, PAGE_SIZE).get_page(request.GET.get("page"))
        attach_officer_photos(page)
    return render(
        request,
        "faces/officer_search.html",
        {
            "form": form,
            "searched": searched,
            "page": page,
            "ranks": department_ranks(chosen),
            **_filter_choices(chosen),
        },
    )


@require_GET
def department_detail(request: HttpRequest, slug: str) -> HttpResponse:
    department = get_object_or_404(Department, slug=slug)
    form = OfficerFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    officers = officers_filtered(department=department, **filters)
    page = Paginator(officers, PAGE_SIZE).get_page(request.GET.get("page"))
    attach_officer_photos(page)
    return render(
        request,
        "departments/department_detail.html",
        {
            "department": department,
            "state_name": state_name(department.state),
            "form": form,
            "filtered": _any_given(filters),
            "page": page,
            "ranks": department_ranks(department),
            **_filter_choices(department),
            "notice": recognition_notice(department),
            "incidents": department_incidents(department)[:INCIDENTS_SHOWN],
            "can_edit": record_editable_by(request.user, department),
        },
    )


@require_GET
def department_export_zip(request: HttpRequest, slug: str) -> HttpResponse | StreamingHttpResponse:
    department = get_object_or_404(Department, slug=slug)
    # Read-throttled like the API's reads: an export is the heaviest public read.
    wait = throttle_wait(request, [AnonReadThrottle])
    if wait is not None:
        return too_many_requests(request, wait)
    return export_response(department)
