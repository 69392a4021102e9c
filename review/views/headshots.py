"""Headshot import for coordinators and administrators: upload → per-file progress.

The POST takes the files in (faces.services.headshots: names and IDs checked, photos stored)
and queues one task per photo; the batch page then polls its JSON to show each file's
result as the workers finish. Only the department's record editors may (the one check,
review.views.access.require_record_editor; the service asks the same question again).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from departments import policy
from departments.models import Department
from faces import selectors_headshots as selectors
from faces.models import HeadshotBatch
from faces.services.headshot_files import from_uploads, from_zip, read_mapping
from faces.services.headshots import headshot_batch_create, headshot_batch_queue
from faces.throttles import UserUploadThrottle, throttle_wait
from faces.views.access import too_many_requests
from review.forms_headshots import HeadshotUploadForm
from review.views.access import require_record_editor, volunteer_required


@require_http_methods(["GET", "POST"])
@volunteer_required
def headshots_upload(request: HttpRequest, slug: str) -> HttpResponse:
    department = get_object_or_404(Department, slug=slug)
    require_record_editor(request, department)
    if request.method == "GET":
        return _upload_page(request, department, HeadshotUploadForm())
    wait = throttle_wait(request, (UserUploadThrottle,))
    if wait is not None:
        return too_many_requests(request, wait)
    form = HeadshotUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, department, form, status=400)
    data = form.cleaned_data
    # A refusal of the whole batch (limits, unreadable ZIP or mapping) is a DomainError:
    # the middleware shows it on this page; nothing was stored.
    mapping = read_mapping(data["mapping"]) if data.get("mapping") else None
    archive = data.get("archive")
    source = from_zip(archive, archive.name or "archive.zip") if archive else from_uploads(data["photos"])
    batch = headshot_batch_create(department=department, source=source, actor=request.user, mapping=mapping)
    headshot_batch_queue(batch)
    return redirect("review_headshot_batch", pk=batch.pk)


def _batch_for(request: HttpRequest, pk: int) -> HeadshotBatch:
    batch = get_object_or_404(HeadshotBatch.objects.select_related("department", "created_by"), pk=pk)
    require_record_editor(request, batch.department)
    return batch


@require_GET
@volunteer_required
def headshot_batch(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for(request, pk)
    return render(request, "review/headshot_batch.html", {"batch": batch, "progress": selectors.batch_progress(batch)})


@require_GET
@volunteer_required
def headshot_batch_status(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for(request, pk)
    return JsonResponse(selectors.batch_progress(batch))


def _upload_page(
    request: HttpRequest, department: Department, form: HeadshotUploadForm, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "review/headshots_upload.html",
        {
            "department": department,
            "form": form,
            "recognition_allowed": policy.recognition_allowed(department),
            "batches": selectors.recent_batches(department),
            "max_files": settings.HEADSHOTS_MAX_FILES,
            "max_photos_per_request": min(settings.HEADSHOTS_MAX_FILES, settings.DATA_UPLOAD_MAX_NUMBER_FILES),
            "max_mb": settings.HEADSHOTS_MAX_TOTAL_BYTES // (1024 * 1024),
        },
        status=status,
    )
