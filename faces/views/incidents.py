"""Incidents for the public: a department's list and one incident with its officers and links.

Here, not in departments/, beside the department and officer pages they link to.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from departments.models import Department, Incident
from departments.selectors_records import department_incidents, incident_with_record
from departments.services import record_editable_by

PAGE_SIZE = 25


@require_GET
def incident_detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    try:
        incident = incident_with_record(incident_id)
    except Incident.DoesNotExist as exc:
        raise Http404("No such incident.") from exc
    return render(
        request,
        "faces/incident_detail.html",
        {"incident": incident, "can_edit": record_editable_by(request.user, incident.department_id)},
    )


@require_GET
def department_incidents_page(request: HttpRequest, slug: str) -> HttpResponse:
    department = get_object_or_404(Department, slug=slug)
    page = Paginator(department_incidents(department), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "faces/department_incidents.html",
        {"department": department, "page": page, "can_edit": record_editable_by(request.user, department)},
    )
