"""Officers: a department's public roster, officer profiles, the search across departments.

The department page lives here, not in departments/, because it shows officers' photos
(faces) and departments must not import faces.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from departments.models import Department, Officer
from departments.selectors import department_ranks, officer_record, state_name
from departments.services import record_editable_by
from faces.forms import OfficerFilterForm
from faces.selectors import (
    attach_officer_photos,
    officer_public_faces,
    officer_public_images,
    officers_filtered,
    recognition_notice,
)

PAGE_SIZE = 24


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
            # The link leads to the Django admin, so only staff who may edit this record get it;
            # coordinators without admin access edit through the services' own pages.
            "can_edit": request.user.is_staff and record_editable_by(request.user, officer.department),
            "faces": officer_public_faces(officer)[:60],
            "images": officer_public_images(officer)[:60],
        },
    )


@require_GET
def officer_search(request: HttpRequest) -> HttpResponse:
    form = OfficerFilterForm(request.GET or None)
    page = None
    searched = form.is_bound and form.is_valid() and any(form.cleaned_data.values())
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
            "ranks": department_ranks(),
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
            "filtered": bool(filters and any(filters.values())),
            "page": page,
            "ranks": department_ranks(department),
            "notice": recognition_notice(department),
        },
    )
