"""The coordinators' queue of problem reports: a department's list, and one report to resolve."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accountability import selectors
from accountability.errors import ReportAlreadyResolved
from accountability.models import ProblemReport
from departments.models import Department
from oversight.exceptions import DomainError
from review.forms_reports import ResolveForm
from review.services.reports import outcomes_for, report_resolve, require_report_handler
from review.views.access import volunteer_required

RESOLVED_SHOWN = 50


@require_GET
@volunteer_required
def report_list(request: HttpRequest, slug: str) -> HttpResponse:
    department = get_object_or_404(Department, slug=slug)
    require_report_handler(request.user, department)
    context = {
        "department": department,
        "open_reports": [
            (
                r,
                selectors.subject_label(
                    r.image, r.face, r.officer, r.video, face_number_in_photo=r.face_number_in_photo
                ),
            )
            for r in selectors.department_reports(department.pk, open_only=True)
        ],
        "resolved_reports": selectors.department_reports(department.pk, open_only=False)[:RESOLVED_SHOWN],
    }
    return render(request, "review/reports.html", context)


def _report_page(request: HttpRequest, report: ProblemReport, form: ResolveForm, status: int = 200) -> HttpResponse:
    context = {
        "report": report,
        "form": form,
        "label": selectors.subject_label(report.image, report.face, report.officer, report.video),
    }
    return render(request, "review/report.html", context, status=status)


@require_http_methods(["GET", "POST"])
@volunteer_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(
        ProblemReport.objects.select_related("department", "face", "image", "officer", "video", "resolved_by"), pk=pk
    )
    require_report_handler(request.user, report.department_id)
    outcomes = outcomes_for(report)
    if request.method == "GET":
        return _report_page(request, report, ResolveForm(outcomes=outcomes))
    form = ResolveForm(request.POST, outcomes=outcomes)
    if form.is_valid():
        try:
            report_resolve(
                report, outcome=form.cleaned_data["outcome"], reason=form.cleaned_data["reason"], actor=request.user
            )
        except ReportAlreadyResolved:
            raise  # final: the middleware's 409 (this form's outcomes no longer apply)
        except DomainError as refusal:  # any other refusal (the report's, a takedown's, a review's) on the form
            field = getattr(refusal, "field", None)
            form.add_error(field if field in form.fields else None, refusal.message)
        else:
            messages.success(request, f"Report {report.pk} resolved.")
            return redirect("review_reports", slug=report.department.slug)
    return _report_page(request, report, form, status=400)
