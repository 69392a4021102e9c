"""The upload page: one or many photos for one department, each judged on its own."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from departments.models import Department
from departments.selectors import department_picker_groups, forbidding_rules, state_name
from faces.forms import MAX_FILES_PER_REQUEST, UploadForm
from faces.selectors import recognition_notice
from faces.services import image_create
from faces.services.uploads import clean_filename
from faces.throttles import throttle_wait
from faces.uploader import upload_marker
from faces.views.access import too_many_requests, wants_json
from oversight.exceptions import DomainError

logger = logging.getLogger(__name__)


def _upload_one(request: HttpRequest, upload, department: Department, notify_email: str = "") -> dict:
    """Store one file; a failure is reported for this file alone."""
    name = clean_filename(getattr(upload, "name", "")) or "photo"
    try:
        result = image_create(
            upload=upload,
            department=department,
            uploaded_by=request.user,
            filename=name,
            uploader_session=upload_marker(request.user, request.session),
            notify_email=notify_email,
        )
    except DomainError as exc:  # reported for this file alone, not as the page's error
        return {"name": name, "ok": False, "code": exc.code, "message": exc.message, "status": exc.status}
    except Exception:  # one broken file must not cost the rest of the batch
        logger.exception("unexpected error while uploading %r", name)
        return {
            "name": name,
            "ok": False,
            "code": "error",
            "message": "Something went wrong with this file; it was not saved. Please try again.",
        }
    url = reverse("image_detail", args=[result.image.pk])
    if not result.created:
        return {
            "name": name,
            "ok": False,
            "code": "duplicate",
            "url": url,
            "image_id": result.image.pk,
            "message": "This photo was uploaded before.",
        }
    return {
        "name": name,
        "ok": True,
        "code": "created",
        "url": url,
        "image_id": result.image.pk,
        "message": "Uploaded. Faces are being detected.",
    }


def _context(form: UploadForm, selected: Department | None, results: list[dict] | None = None) -> dict:
    groups = department_picker_groups()
    return {
        "form": form,
        "groups": groups,
        "selected": selected,
        "notice": recognition_notice(selected) if selected else None,
        "results": results,
        "rules": [
            {"state": r.state, "state_name": state_name(r.state), "reason": r.legal_reason} for r in forbidding_rules()
        ],
        "picker_data": {
            "departments": {
                str(d.id): {"name": d.name, "state": d.state, "recognition": d.recognition, "rule": d.rule_reason}
                for g in groups
                for d in g.departments
            },
            "max_bytes": settings.UPLOAD_MAX_BYTES,
            "max_files": MAX_FILES_PER_REQUEST,
        },
    }


def submit(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: each file through the upload service, then results per file.

    With JavaScript the page posts one file per request (for a progress bar each) and
    reads JSON; without it, the whole batch posts at once and the page lists the results.
    """
    if request.method != "POST":
        slug = request.GET.get("department", "")
        selected = Department.objects.filter(slug=slug).first() if slug else None
        form = UploadForm(initial={"department": selected})
        return render(request, "faces/submit.html", _context(form, selected))

    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        if wants_json(request):
            errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
            return JsonResponse({"errors": errors}, status=400)
        posted = request.POST.get("department", "")
        selected = Department.objects.filter(pk=int(posted)).first() if posted.isdigit() and len(posted) < 12 else None
        return render(request, "faces/submit.html", _context(form, selected), status=400)

    department = form.cleaned_data["department"]
    results: list[dict] = []
    wait = None
    for upload in form.cleaned_data["photos"]:
        wait = throttle_wait(request)
        if wait is not None:
            break
        results.append(_upload_one(request, upload, department, form.cleaned_data["notify_email"]))
    if wait is not None and not results:
        return too_many_requests(request, wait)
    for upload in form.cleaned_data["photos"][len(results) :]:
        results.append(
            {
                "name": clean_filename(upload.name) or "photo",
                "ok": False,
                "code": "throttled",
                "message": "Not uploaded: you reached the upload limit for now. Please try again later.",
            }
        )
    if wants_json(request):
        # One file per request (the page's script): the status says how that file fared.
        status = results[0].get("status", 200) if len(results) == 1 else 200
        return JsonResponse({"results": results}, status=status)
    return render(
        request, "faces/submit.html", _context(UploadForm(initial={"department": department}), department, results)
    )
