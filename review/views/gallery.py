"""Gallery curation: an officer's faces, which feed recognition, which one is featured."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from departments import policy
from departments.models import Officer
from review import selectors, services
from review.forms import GalleryForm
from review.views.access import volunteer_required


@require_http_methods(["GET", "POST"])
@volunteer_required
def gallery(request: HttpRequest, pk: int) -> HttpResponse:
    officer = get_object_or_404(Officer.objects.select_related("department"), pk=pk)
    if request.method == "POST":
        return _update(request, officer)
    return _render(request, officer)


def _update(request: HttpRequest, officer: Officer) -> HttpResponse:
    form = GalleryForm(request.POST)
    if not form.is_valid():
        return _render(request, officer, errors=[e for errs in form.errors.values() for e in errs], status=400)
    action, face_id = form.cleaned_data["action"], form.cleaned_data.get("face")
    face = officer.faces.filter(pk=face_id).first() if face_id else None
    if action != "unfeature" and face is None:
        return _render(request, officer, errors=["That face is not identified as this officer."], status=400)
    if action in ("use", "unuse"):
        assert face is not None  # refused above for every action but "unfeature"
        services.face_set_gallery_use(face, use=action == "use", actor=request.user)
    else:
        services.officer_set_featured_face(officer, face if action == "feature" else None, actor=request.user)
    messages.success(request, "Gallery updated.")
    return redirect("review_gallery", pk=officer.pk)


def _render(request: HttpRequest, officer: Officer, *, errors=(), status: int = 200) -> HttpResponse:
    officer.refresh_from_db(fields=["featured_face"])
    return render(
        request,
        "review/gallery.html",
        {
            "officer": officer,
            "faces": selectors.officer_faces_for_curation(officer),
            "recognition_allowed": policy.recognition_allowed(officer.department),
            "errors": errors,
        },
        status=status,
    )
