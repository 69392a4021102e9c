"""Roster import for coordinators and administrators: upload → preview → apply → result.

The preview keeps the file (departments.services.roster_uploads) so the apply imports exactly
what was previewed; the apply is a POST to the upload's own page, single-use, re-checks
everything against the roster as it is then and writes only the previewed plan. Permission is
`require_record_editor` (coordinators of the department, administrators); the service asks
the same question again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from departments import selectors as department_selectors
from departments.models import Department, RosterUpload
from departments.services.roster_uploads import roster_upload_apply, roster_upload_preview
from faces.throttles import UserUploadThrottle, throttle_wait
from faces.views.access import too_many_requests
from review.forms_roster import RosterUploadForm
from review.roster_display import report_for_display
from review.views.access import require_record_editor, volunteer_required

RECENT_UPLOADS = 10


@require_http_methods(["GET", "POST"])
@volunteer_required
def roster_upload(request: HttpRequest, slug: str) -> HttpResponse:
    department = get_object_or_404(Department, slug=slug)
    require_record_editor(request, department)
    if request.method == "GET":
        return _upload_page(request, department, RosterUploadForm())
    wait = throttle_wait(request, (UserUploadThrottle,))
    if wait is not None:
        return too_many_requests(request, wait)
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, department, form, status=400)
    report, stored = roster_upload_preview(
        department,
        form.cleaned_data["file"],
        actor=request.user,
        effective_date=form.cleaned_data["effective_date"],
    )
    if stored is None:
        # The file's errors, by line and column; nothing was kept or written.
        return _upload_page(request, department, form, report=report.as_dict(), status=400)
    return redirect("review_roster", pk=stored.pk)


@require_http_methods(["GET", "POST"])
@volunteer_required
def roster_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        upload = department_selectors.roster_upload_with_people(pk)
    except RosterUpload.DoesNotExist:
        raise Http404("No such roster upload.") from None
    require_record_editor(request, upload.department)
    if request.method == "GET":
        return _detail_page(request, upload)
    report, upload = roster_upload_apply(upload, actor=request.user)
    if report is None:
        messages.info(request, "This roster was already applied; here is its result. Nothing was imported again.")
        return redirect("review_roster", pk=upload.pk)
    if report.plan_changed:
        # The file would now change other things than the preview showed: the new preview, to review.
        return _detail_page(request, upload, changed=True, status=409)
    if not report.applied:
        # The roster changed since the preview and the file no longer fits it: nothing written.
        return _detail_page(request, upload, failed=report.as_dict(), status=409)
    messages.success(request, f"The roster of {upload.department.name} was imported.")
    return redirect("review_roster", pk=upload.pk)


def _upload_page(
    request: HttpRequest,
    department: Department,
    form: RosterUploadForm,
    *,
    report: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "review/roster_upload.html",
        {
            "department": department,
            "form": form,
            "report": report_for_display(report, department),
            "recent": department_selectors.recent_roster_uploads(department, RECENT_UPLOADS),
        },
        status=status,
    )


def _detail_page(
    request: HttpRequest,
    upload: RosterUpload,
    *,
    failed: dict[str, Any] | None = None,
    changed: bool = False,
    status: int = 200,
) -> HttpResponse:
    applied = upload.applied_at is not None
    return render(
        request,
        "review/roster_result.html" if applied else "review/roster_preview.html",
        {
            "upload": upload,
            "department": upload.department,
            "report": report_for_display(upload.report if applied else (failed or upload.preview), upload.department),
            "failed": failed is not None,
            "changed": changed,
            "expired": upload.expired_at is not None,
            "keep_days": settings.ROSTER_PREVIEW_KEEP_DAYS,
        },
        status=status,
    )
