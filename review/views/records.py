"""Incidents and links of a department's officer record, for its coordinators and administrators.

Views are thin: a form for the shape of the input, one service call (departments.services asks
`require_editor` again and writes the RecordChange), then a redirect. A refusal about the
record itself (RecordInvalid, Conflict) is shown on the form with everything typed kept;
any other DomainError goes to the site's middleware as usual.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from departments.models import Department, Incident, Link
from departments.selectors_records import department_incidents
from departments.services import RecordInvalid, incident_create, incident_update, link_add, link_remove
from oversight.exceptions import Conflict
from review.forms_records import IncidentForm, LinkForm
from review.views.access import require_record_editor, volunteer_required

PAGE_SIZE = 25
# The record's own refusals belong on the form; NotPermitted and the rest go to the middleware.
FORM_REFUSALS = (RecordInvalid, Conflict)


def show_on_form(form: Form, refusal: RecordInvalid | Conflict) -> None:
    """Put a service's refusal on `form`, on the field it names when the form has that field."""
    if isinstance(refusal, RecordInvalid):
        for field, errors in refusal.errors.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, refusal.message)


@require_http_methods(["GET"])
@volunteer_required
def incident_list(request: HttpRequest, slug: str) -> HttpResponse:
    department = get_object_or_404(Department, slug=slug)
    require_record_editor(request, department)
    page = Paginator(department_incidents(department), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "review/record_incidents.html", {"department": department, "page": page})


@require_http_methods(["GET", "POST"])
@volunteer_required
def incident_new(request: HttpRequest, slug: str) -> HttpResponse:
    department = get_object_or_404(Department, slug=slug)
    require_record_editor(request, department)
    # ?officers=1001 (from an officer's record page) starts the picker with that officer.
    initial = {"officers": request.GET.get("officers", "")[:200]}
    form = IncidentForm(request.POST or None, initial=initial, department=department)
    if request.method == "POST" and form.is_valid():
        try:
            incident = incident_create(department, actor=request.user, **form.cleaned_data)
        except FORM_REFUSALS as refusal:
            show_on_form(form, refusal)
        else:
            messages.success(request, "The incident was added. You can attach links to it below.")
            return redirect("review_record_incident", pk=incident.pk)
    return _incident_page(request, department, form, None)


@require_http_methods(["GET", "POST"])
@volunteer_required
def incident_edit(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident.objects.select_related("department"), pk=pk)
    department = incident.department
    require_record_editor(request, department)
    if request.method == "GET":
        return _incident_page(request, department, _unchanged(incident), incident)
    form = IncidentForm(request.POST, department=department)
    if form.is_valid():
        try:
            incident_update(incident, actor=request.user, **form.cleaned_data)
        except FORM_REFUSALS as refusal:
            show_on_form(form, refusal)
        else:
            messages.success(request, "The incident was saved.")
            return redirect("review_record_incident", pk=incident.pk)
    return _incident_page(request, department, form, incident)


@require_POST
@volunteer_required
def incident_link_add(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident.objects.select_related("department"), pk=pk)
    require_record_editor(request, incident.department)
    form = LinkForm(request.POST)
    if form.is_valid():
        try:
            link_add(actor=request.user, incident=incident, **form.cleaned_data)
        except FORM_REFUSALS as refusal:
            show_on_form(form, refusal)
        else:
            messages.success(request, "The link was added.")
            return redirect("review_record_incident", pk=incident.pk)
    return _incident_page(request, incident.department, _unchanged(incident), incident, link_form=form)


@require_POST
@volunteer_required
def link_delete(request: HttpRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(Link.objects.select_related("officer__department", "incident__department"), pk=pk)
    subject = link.officer if link.officer is not None else link.incident
    assert subject is not None  # a database check: every link has exactly one subject
    require_record_editor(request, subject.department)
    link_remove(link, actor=request.user)
    messages.success(request, f"The link “{link.title}” was removed.")
    if link.officer is not None:
        return redirect("review_record_officer", pk=link.officer.pk)
    return redirect("review_record_incident", pk=subject.pk)


def _unchanged(incident: Incident) -> IncidentForm:
    """The incident's form as saved (unbound)."""
    initial = {
        "date": incident.date,
        "location": incident.location,
        "report_number": incident.report_number,
        "description": incident.description,
        "officers": IncidentForm.badges_of(incident.officers.order_by("badge_number")),
    }
    return IncidentForm(initial=initial, department=incident.department)


def _incident_page(
    request: HttpRequest,
    department: Department,
    form: IncidentForm,
    incident: Incident | None,
    *,
    link_form: LinkForm | None = None,
) -> HttpResponse:
    invalid = form.is_bound and bool(form.errors) or (link_form is not None and bool(link_form.errors))
    context = {
        "department": department,
        "form": form,
        "incident": incident,
        "officers": list(incident.officers.order_by("last_name", "first_name")) if incident else [],
        "links": list(incident.links.all()) if incident else [],
        "link_form": link_form or LinkForm(),
    }
    return render(request, "review/record_incident.html", context, status=400 if invalid else 200)
