"""The public pages of problem reports: the form (anyone, rate-limited) and the private status page."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accountability import selectors
from accountability.errors import ReportError, ReportThrottled
from accountability.forms import ReportForm, SubjectForm
from accountability.services import report_create
from accountability.throttles import REPORT_THROTTLES
from departments.models import Officer
from faces.models import Face, Image
from faces.throttles import throttle_wait
from videos.models import Video


def _subject(data) -> dict[str, Any]:
    """The photo, face, officer and video the request names; 404 if a named one does not exist."""
    ids = SubjectForm(data)
    if not ids.is_valid():
        raise Http404("There is nothing like that to report.")
    models = {"image": Image.objects.select_related("department"), "face": Face.objects.select_related("image")}
    models["officer"] = Officer.objects.select_related("department")
    models["video"] = Video.objects.select_related("department")
    found: dict[str, Any] = {}
    for name, queryset in models.items():
        pk = ids.cleaned_data.get(name)
        found[name] = queryset.filter(pk=pk).first() if pk else None
        if pk and found[name] is None:
            raise Http404("There is nothing like that to report.")
    if not any(found.values()):
        raise Http404("Open this form from a photo, a face, a video or an officer page.")
    return found


def _form_page(request: HttpRequest, form: ReportForm, subject: dict[str, Any], status: int = 200) -> HttpResponse:
    context = {"form": form, "subject": subject, "label": selectors.subject_label(**subject)}
    return render(request, "accountability/report_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    """GET: the form for what ?face=, ?image=, ?officer= or ?video= names. POST: file it, then its private page."""
    subject = _subject(request.POST if request.method == "POST" else request.GET)
    if request.method == "GET":
        initial = {name: obj.pk for name, obj in subject.items() if obj is not None}
        return _form_page(request, ReportForm(initial=initial), subject)
    wait = throttle_wait(request, REPORT_THROTTLES)
    if wait is not None:
        raise ReportThrottled(wait)
    form = ReportForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            report = report_create(
                kind=data["kind"], message=data["message"], contact_email=data["contact_email"], **subject
            )
        except ReportError as refusal:  # shown on the form, not as a refusal page
            visible = refusal.field in form.fields and not form[refusal.field].is_hidden
            form.add_error(refusal.field if visible else None, refusal.message)
        else:
            return redirect("report_status", token=report.token)
    return _form_page(request, form, subject, status=400)


@require_GET
def report_status(request: HttpRequest, token: str) -> HttpResponse:
    """The reporter's private page. The token is the only key: never indexed, never sent on as a referrer."""
    report = selectors.report_by_token(token)
    if report is None:
        raise Http404("No report has that link.")
    context = {
        "report": report,
        "label": selectors.subject_label(report.image, report.face, report.officer, report.video),
        "status_url": request.build_absolute_uri(request.path),
    }
    response = render(request, "accountability/report_status.html", context)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response
