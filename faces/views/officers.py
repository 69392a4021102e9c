"""Officer profiles and the "find an officer" search across departments."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from departments.models import Officer
from departments.selectors import department_ranks, officers_filtered
from faces.forms import OfficerFilterForm
from faces.selectors import attach_officer_photos, officer_public_faces, officer_public_images

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
