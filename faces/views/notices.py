"""An uploader deletes the address they left for their photo's notices (the link in each e-mail)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from faces.models import UploadNotice
from faces.services.notifications import notice_delete as delete_notice

TOKEN_MAX_LENGTH = 64


@require_http_methods(["GET", "POST"])
def notice_delete(request: HttpRequest, token: str) -> HttpResponse:
    """GET: ask to confirm (a mail scanner following the link deletes nothing). POST: delete."""
    known = len(token) <= TOKEN_MAX_LENGTH and UploadNotice.objects.filter(token=token).exists()
    if request.method == "POST" and known:
        delete_notice(token)
        return render(request, "faces/notice_delete.html", {"deleted": True})
    return render(request, "faces/notice_delete.html", {"known": known}, status=200 if known else 404)
