"""The next item of a department's queue, claimed for this volunteer."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from departments.models import Department
from review import services
from review.models import QueueKind
from review.views.access import volunteer_required

# Each queue's item page, and the word the empty-queue page uses.
ITEM_PAGE: dict[str, tuple[str, str]] = {
    QueueKind.SORT: ("review_sort", "sort"),
    QueueKind.IDENTIFY: ("review_identify", "identify"),
    QueueKind.GROUP: ("review_group", "identify in groups"),
    QueueKind.SEQUENCE: ("review_sequence", "identify in video sequences"),
}


@require_GET
@volunteer_required
def queue_next(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    department = get_object_or_404(Department, slug=slug)
    item_id = services.claim_next(user=request.user, department=department, kind=kind)
    page, queue = ITEM_PAGE[kind]
    if item_id is None:
        return render(request, "review/queue_empty.html", {"department": department, "queue": queue})
    return redirect(page, pk=item_id)
