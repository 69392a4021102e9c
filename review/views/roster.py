"""Roster import for coordinators and administrators: upload → preview → apply → result.

The preview keeps the file (departments.services.roster_uploads) so the apply imports exactly
what was previewed; the apply is a POST to the upload's own page, single-use, and re-checks
everything against the roster as it is then. Permission is `roles.can_edit_officers` for the
department (coordinators of it, administrators); the service asks the same question again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts import roles
from departments import selectors as department_selectors
from departments.models import Department, Officer, RosterUpload
from departments.roster_columns import ROSTER_COLUMNS
from departments.services.roster_uploads import roster_upload_apply, roster_upload_preview
from faces.throttles import UserUploadThrottle, throttle_wait
from faces.views.access import too_many_requests
from review.forms_roster import RosterUploadForm
from review.views.access import forbidden, volunteer_required

RECENT_UPLOADS = 10
REFUSED = "Only coordinators of this department and administrators may import its roster."


@require_http_methods(["GET", "POST"])
@volunteer_required
def roster_upload(request: HttpRequest, slug: str) -> HttpResponse:
    department = get_object_or_404(Department, slug=slug)
    if not roles.can_edit_officers(request.user, department):
        return forbidden(request, REFUSED)
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
    upload = get_object_or_404(RosterUpload.objects.select_related("department", "uploaded_by", "applied_by"), pk=pk)
    if not roles.can_edit_officers(request.user, upload.department):
        return forbidden(request, REFUSED)
    if request.method == "GET":
        return _detail_page(request, upload)
    report, upload = roster_upload_apply(upload, actor=request.user)
    if report is None:
        messages.info(request, "This roster was already applied; here is its result. Nothing was imported again.")
        return redirect("review_roster", pk=upload.pk)
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
    recent = RosterUpload.objects.filter(department=department).select_related("uploaded_by")[:RECENT_UPLOADS]
    return render(
        request,
        "review/roster_upload.html",
        {"department": department, "form": form, "report": _display(report, department), "recent": recent},
        status=status,
    )


def _detail_page(
    request: HttpRequest, upload: RosterUpload, *, failed: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    applied = upload.applied_at is not None
    return render(
        request,
        "review/roster_result.html" if applied else "review/roster_preview.html",
        {
            "upload": upload,
            "department": upload.department,
            "report": _display(upload.report if applied else (failed or upload.preview), upload.department),
            "failed": failed is not None,
        },
        status=status,
    )


def _label(name: str) -> str:
    try:
        field = Officer._meta.get_field(name)
    except FieldDoesNotExist:  # a name from an older report: show it as it is
        return name
    return str(getattr(field, "verbose_name", name)).capitalize()


def _order(name: str) -> int:
    # Reports stored as jsonb come back with their keys re-ordered; show the roster's column order.
    return ROSTER_COLUMNS.index(name) if name in ROSTER_COLUMNS else len(ROSTER_COLUMNS)


def _display(report: dict[str, Any] | None, department: Department) -> dict[str, Any] | None:
    """The report (RosterReport.as_dict()) with its changes split, ordered and labelled for the tables."""
    if report is None:
        return None
    changes = report.get("changes", [])
    names = department_selectors.officer_names_by_roster_key(department, [c["key"] for c in changes])
    updated: list[dict[str, Any]] = []
    created: list[dict[str, Any]] = []
    for change in changes:
        fields = [
            {"label": _label(name), "before": change["fields"][name][0], "after": change["fields"][name][1]}
            for name in sorted(change["fields"], key=_order)
        ]
        column, _, value = change["key"].partition(" ")
        officer = names.get(change["key"])
        # A new officer, before the apply, is known only by the file's values.
        given = " ".join(str(change["fields"].get(n, [None, ""])[1] or "") for n in ("first_name", "last_name"))
        row = {
            "line": change["line"],
            "key": f"{_label(column)} {value}",
            "officer_id": officer[0] if officer else None,
            "name": officer[1] if officer else given.strip(),
            "fields": fields,
        }
        (created if change["action"] == "create" else updated).append(row)
    return {**report, "updated_rows": updated, "created_rows": created}
