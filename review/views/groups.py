"""The groups queue: faces that look like one person, identified at once (each its own decision)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from departments.models import Officer
from faces.models import FaceGroup
from review import selectors, services
from review.forms_groups import GroupDecisionForm
from review.models import QueueKind
from review.services.groups import GROUP_GONE, GroupUnavailable
from review.views.access import volunteer_required
from review.views.item_page import form_errors, officer_search


def _group(pk: int) -> FaceGroup:
    group = FaceGroup.objects.select_related("department").filter(pk=pk).first()
    # Only groups the queue would offer: two or more faces, where recognition is allowed now.
    if group is None or not selectors.group_queue(group.department_id).filter(pk=pk).exists():
        raise Http404("No such group.")
    return group


@require_http_methods(["GET", "POST"])
@volunteer_required
def group_page(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "POST":
        group = FaceGroup.objects.select_related("department").filter(pk=pk).first()
        if group is None:  # decided already (a double submit) or dissolved
            raise GroupUnavailable(GROUP_GONE)
        return _decide(request, group)
    group = _group(pk)
    department = group.department
    if not services.claim_hold(user=request.user, kind=QueueKind.GROUP, item_id=group.pk, department_id=department.pk):
        messages.info(request, "Another volunteer is working on that group; here is the next one.")
        return redirect("review_group_next", slug=department.slug)
    return render_group(request, group)


def _decide(request: HttpRequest, group: FaceGroup) -> HttpResponse:
    members = list(selectors.group_faces(group).values_list("pk", flat=True))
    form = GroupDecisionForm(request.POST, ids=members)
    if not form.is_valid():
        errors = form_errors(form)
        if not members:
            raise GroupUnavailable(GROUP_GONE)
        return render_group(request, group, errors=errors, status=400)
    data = form.cleaned_data
    officer = None
    if data["officer"] is not None:
        officer = Officer.objects.filter(pk=data["officer"], department_id=group.department_id).first()
        if officer is None:
            return render_group(request, group, errors=["Choose an officer of this department."], status=400)
    # Refusals (gone, changed, held by another, already decided) are shown by oversight.middleware.
    decided = services.group_decide(
        group,
        action=data["action"],
        actor=request.user,
        shown=data["shown"],
        remove=data["remove"],
        officer=officer,
        use_for_recognition=data["use_for_recognition"],
    )
    if decided:
        who = officer.full_name if officer else "not an officer"
        messages.success(request, f"{len(decided)} face{'' if len(decided) == 1 else 's'} identified: {who}.")
    return redirect("review_group_next", slug=group.department.slug)


def render_group(request: HttpRequest, group: FaceGroup, *, errors=(), status: int = 200) -> HttpResponse:
    department = group.department
    return render(
        request,
        "review/group.html",
        {
            "group": group,
            "department": department,
            "faces": list(selectors.group_faces(group)),
            **officer_search(request, department),
            "errors": errors,
        },
        status=status,
    )
