"""Identify: faces waiting for an identity, with suggestions only where recognition is allowed."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import roles
from departments import policy
from departments.models import Officer
from faces.models import Face
from faces.selectors import visible_suggestions
from review import selectors, services
from review.forms import FaceDecisionForm, NewOfficerForm
from review.models import QueueKind
from review.views.access import forbidden, volunteer_required
from review.views.item_page import form_errors, officer_search, suggestion_items


def _face(pk: int) -> Face:
    return get_object_or_404(Face.objects.select_related("image__department", "officer"), pk=pk)


@require_http_methods(["GET", "POST"])
@volunteer_required
def identify_face(request: HttpRequest, pk: int) -> HttpResponse:
    face = _face(pk)
    department = face.image.department
    if request.method == "POST":
        return _decide(request, face)
    if face.officer_id is not None or face.is_civilian:
        messages.info(request, "That face was identified already.")
        return redirect("review_identify_next", slug=department.slug)
    if not services.claim_hold(
        user=request.user, kind=QueueKind.IDENTIFY, item_id=face.pk, department_id=department.pk
    ):
        messages.info(request, "Another volunteer is identifying that face; here is the next one.")
        return redirect("review_identify_next", slug=department.slug)
    return render_identify(request, face)


def _decide(request: HttpRequest, face: Face) -> HttpResponse:
    form = FaceDecisionForm(request.POST)
    if not form.is_valid():
        return render_identify(request, face, errors=form_errors(form), status=400)
    data = form.cleaned_data
    officer = None
    if data["action"] == "identify":
        # Only officers of the photo's own department can be chosen.
        officer = Officer.objects.filter(pk=data["officer"], department_id=face.image.department_id).first()
        if officer is None:
            return render_identify(request, face, errors=["Choose an officer of this department."], status=400)
    # A refusal (decided already, held by another, suggestion hidden) is shown by oversight.middleware.
    services.face_decide(
        face,
        action=data["action"],
        actor=request.user,
        suggestion_id=data.get("suggestion"),
        officer=officer,
        use_for_recognition=data["use_for_recognition"],
    )
    if data["action"] == "reject":
        messages.success(request, "Suggestion rejected; it will not be suggested for this face again.")
        return redirect("review_identify", pk=face.pk)
    return redirect("review_identify_next", slug=face.image.department.slug)


@require_POST
@volunteer_required
def new_officer(request: HttpRequest, pk: int) -> HttpResponse:
    face = _face(pk)
    if not roles.can_edit_officers(request.user, face.image.department):
        return forbidden(request, "Only a coordinator of this department or an administrator can add officers.")
    form = NewOfficerForm(request.POST)
    if not form.is_valid():
        return render_identify(request, face, new_officer_form=form, status=400)
    data = dict(form.cleaned_data)
    use = data.pop("use_for_recognition")
    try:
        services.face_identify_new_officer(face, actor=request.user, use_for_recognition=use, **data)
    except ValidationError as exc:  # shown on the form's fields, not as a refusal
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return render_identify(request, face, new_officer_form=form, status=400)
    messages.success(request, "Officer added and the face identified.")
    return redirect("review_identify_next", slug=face.image.department.slug)


def render_identify(request: HttpRequest, face: Face, *, errors=(), new_officer_form=None, status: int = 200):
    department = face.image.department
    can_add = roles.can_edit_officers(request.user, department)
    return render(
        request,
        "review/identify.html",
        {
            "face": face,
            "image": face.image,
            "department": department,
            "faces": list(face.image.faces.all()),
            "recognition_allowed": policy.recognition_allowed(department),
            "suggestions": suggestion_items(visible_suggestions(face)),
            **officer_search(request, department),
            "use_default": selectors.default_gallery_use(face),
            "can_add_officer": can_add,
            "new_officer_form": new_officer_form or (NewOfficerForm() if can_add else None),
            "errors": errors,
        },
        status=status,
    )
