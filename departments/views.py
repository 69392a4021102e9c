"""A department's public roster: officers with their photo, filtered and paginated."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from departments import selectors
from departments.models import Department
from faces.forms import OfficerFilterForm
from faces.selectors import attach_officer_photos, recognition_notice

PAGE_SIZE = 24


@require_GET
def department_detail(request: HttpRequest, slug: str) -> HttpResponse:
    department = get_object_or_404(Department, slug=slug)
    form = OfficerFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    officers = selectors.officers_filtered(department=department, **filters)
    page = Paginator(officers, PAGE_SIZE).get_page(request.GET.get("page"))
    attach_officer_photos(page)
    return render(
        request,
        "departments/department_detail.html",
        {
            "department": department,
            "state_name": selectors.state_name(department.state),
            "form": form,
            "filtered": bool(filters and any(filters.values())),
            "page": page,
            "ranks": selectors.department_ranks(department),
            "notice": recognition_notice(department),
        },
    )
