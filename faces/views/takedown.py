"""The coordinators' "take down this photo" page: a reason, then everything of the photo goes."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from faces.forms import TakedownForm
from faces.models import Image
from faces.services.takedown import can_take_down, image_takedown
from oversight.exceptions import NotPermitted


@require_http_methods(["GET", "POST"])
def image_takedown_page(request: HttpRequest, image_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    image = get_object_or_404(Image.objects.select_related("department"), pk=image_id)
    if not can_take_down(request.user, image.department_id):
        raise NotPermitted("Only an administrator or a coordinator of this department can take a photo down.")
    form = TakedownForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        takedown = image_takedown(image, actor=request.user, reason=form.cleaned_data["reason"])
        return render(request, "faces/image_takedown.html", {"takedown": takedown, "department": image.department})
    return render(
        request, "faces/image_takedown.html", {"form": form, "image": image}, status=400 if form.is_bound else 200
    )
