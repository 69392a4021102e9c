"""One officer's record for its editors: names and roster fields, a new assignment, links, salaries.

Each form posts to its own URL and goes through one service (departments.services), which asks
`require_editor` again and writes the RecordChange. A refusal about the record is shown on the
form that caused it, with what was typed kept; the other forms show the record as saved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from departments.models import Officer
from departments.selectors import officer_record
from departments.services import assignment_start, link_add, officer_update, salary_set
from review.forms_records import AssignmentForm, LinkForm, OfficerRecordForm, SalaryForm
from review.views.access import require_record_editor, volunteer_required
from review.views.records import FORM_REFUSALS, show_on_form

YEAR = re.compile(r"[0-9]{1,4}")


def _officer(request: HttpRequest, pk: int) -> Officer:
    officer = get_object_or_404(Officer.objects.select_related("department"), pk=pk)
    require_record_editor(request, officer.department)
    return officer


def _saved(request: HttpRequest, officer: Officer, message: str, anchor: str) -> HttpResponse:
    messages.success(request, message)
    response = redirect("review_record_officer", pk=officer.pk)
    response["Location"] += f"#{anchor}"
    return response


@require_http_methods(["GET", "POST"])
@volunteer_required
def officer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    officer = _officer(request, pk)
    if request.method == "GET":
        return _officer_page(request, officer)
    form = OfficerRecordForm(request.POST)
    if form.is_valid():
        # Only what this person changed: a field another editor saved meanwhile keeps their value.
        changed = form.changed_values()
        if not changed:
            return _saved(request, officer, "Nothing was changed.", "record")
        try:
            officer_update(officer, actor=request.user, **changed)
        except FORM_REFUSALS as refusal:
            show_on_form(form, refusal)
        else:
            return _saved(request, officer, "The officer's record was saved.", "record")
    return _officer_page(request, officer, record_form=form)


def _post_form(
    request: HttpRequest, pk: int, form_class: type[Form], save: Callable[..., Any], done: str, anchor: str, key: str
) -> HttpResponse:
    """One form of the officer page: valid → the service → back to its section; else the page with the form."""
    officer = _officer(request, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            save(officer, actor=request.user, **form.cleaned_data)
        except FORM_REFUSALS as refusal:
            show_on_form(form, refusal)
        else:
            return _saved(request, officer, done, anchor)
    return _officer_page(request, officer, **{key: form})


@require_POST
@volunteer_required
def assignment_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_form(
        request,
        pk,
        AssignmentForm,
        assignment_start,
        "The new assignment was recorded.",
        "assignments",
        "assignment_form",
    )


def _officer_link_add(officer: Officer, *, actor: Any, **fields: Any) -> Any:
    return link_add(actor=actor, officer=officer, **fields)


@require_POST
@volunteer_required
def officer_link_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_form(request, pk, LinkForm, _officer_link_add, "The link was added.", "links", "link_form")


@require_POST
@volunteer_required
def salary_save(request: HttpRequest, pk: int) -> HttpResponse:
    return _post_form(request, pk, SalaryForm, salary_set, "The salary was saved.", "salaries", "salary_form")


def _salary_initial(request: HttpRequest, officer: Officer) -> dict[str, Any]:
    """?year=…&fiscal=1 pre-fills the salary form with that year's row, to correct it."""
    year, fiscal = request.GET.get("year", ""), request.GET.get("fiscal") == "1"
    # str.isdigit() accepts "²", which int() refuses: only ASCII digits are a year.
    row = officer.salaries.filter(year=int(year), is_fiscal_year=fiscal).first() if YEAR.fullmatch(year) else None
    if row is None:
        return {}
    return {
        "year": row.year,
        "is_fiscal_year": row.is_fiscal_year,
        "salary": row.salary,
        "overtime_pay": row.overtime_pay,
    }


def _officer_page(request: HttpRequest, officer: Officer, **bound: Form) -> HttpResponse:
    current = officer.assignments.filter(end_date__isnull=True).first()
    forms = {
        "record_form": OfficerRecordForm(initial=OfficerRecordForm.initial_for(officer)),
        "assignment_form": AssignmentForm(
            initial={"badge_number": officer.badge_number, "rank": officer.rank, "unit": officer.unit}
        ),
        "link_form": LinkForm(),
        "salary_form": SalaryForm(initial=_salary_initial(request, officer)),
        **bound,
    }
    context = {
        "officer": officer,
        "department": officer.department,
        "record": officer_record(officer),
        "current": current,
        **forms,
    }
    return render(request, "review/record_officer.html", context, status=400 if bound else 200)
