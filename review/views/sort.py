"""Sort: "Are there police officers in this photo?" — yes / no / skip (keys y / n / s)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from faces.models import Image
from faces.selectors import labels_pending
from review import services
from review.forms import SortForm
from review.models import QueueKind
from review.views.access import volunteer_required


@require_http_methods(["GET", "POST"])
@volunteer_required
def sort_image(request: HttpRequest, pk: int) -> HttpResponse:
    image = get_object_or_404(Image.objects.select_related("department"), pk=pk)
    department = image.department
    if request.method == "POST":
        form = SortForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Answer yes, no or skip.")
            return _render(request, image, status=400)
        # A refusal (sorted already, held by another) is shown by oversight.middleware.
        services.image_sort_decide(image, answer=form.cleaned_data["answer"], actor=request.user)
        return redirect("review_sort_next", slug=department.slug)
    if image.contains_officers is not None:
        messages.info(request, "That photo was sorted already.")
        return redirect("review_sort_next", slug=department.slug)
    if not services.claim_hold(user=request.user, kind=QueueKind.SORT, item_id=image.pk, department_id=department.pk):
        messages.info(request, "Another volunteer is sorting that photo; here is the next one.")
        return redirect("review_sort_next", slug=department.slug)
    return _render(request, image)


def _render(request: HttpRequest, image: Image, status: int = 200) -> HttpResponse:
    labels = image.labels or {}
    return render(
        request,
        "review/sort.html",
        {
            "image": image,
            "department": image.department,
            "faces": list(image.faces.all()),
            "hints": {
                "people_count": labels.get("people_count"),
                "face_count": labels.get("face_count"),
                "likely_officers": labels.get("likely_officers"),
                # Labels arrive in their own task after the faces; the queue never waits for them.
                "pending": labels_pending(image),
            },
        },
        status=status,
    )
