"""A test-only URLconf: the site's own URLs and handlers, plus views that fail on purpose."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path

from oversight import urls as site_urls

handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500

# Set by a test: run just before the view raises (e.g. to take the database down).
before_raising: Callable[[], None] | None = None


def boom(request: HttpRequest) -> HttpResponse:
    if before_raising is not None:
        before_raising()
    raise RuntimeError("a bug in a view: internals that must not reach the page")


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("Only coordinators may open this page.")


urlpatterns = [
    path("test-errors/boom/", boom),
    path("api/v1/test-errors/boom/", boom),
    path("test-errors/forbidden/", forbidden),
    *site_urls.urlpatterns,
]
