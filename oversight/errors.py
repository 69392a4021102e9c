"""The error handlers: styled pages for people, JSON under /api/, and a 503 for a database outage.

handler500 (not a middleware) catches the outage because an exception raised inside
another middleware — the session or auth lookup is often the first query of a request —
never reaches `process_exception`; every uncaught exception does reach handler500.

The 500 and 503 pages are rendered WITHOUT the request: no context processor runs, so
no session, user or role lookup touches the database that may be what failed. base.html
needs nothing else (it shows the signed-out navigation). If even that rendering fails,
the answer is plain text. The 403 and 404 pages are rendered with the request (the
database is fine there), so the navigation shows who is signed in.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

logger = logging.getLogger(__name__)

DATABASE_DOWN = "The site is temporarily unavailable (database maintenance). Please try again in a minute."
SERVER_ERROR = "Something went wrong on our side. The error has been logged; please try again."


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _page_without_request(template_name: str, status: int, fallback: str, **context: str) -> HttpResponse:
    """A template rendered with only `context`: no context processors, so no database query."""
    try:
        body = loader.get_template(template_name).render(context)
    except Exception:  # the error page must answer whatever broke
        logger.exception("the %s error page could not be rendered", status)
        return HttpResponse(fallback, status=status, content_type="text/plain; charset=utf-8")
    return HttpResponse(body, status=status)


BAD_REQUEST = "The request could not be read: a part of the address or the form is malformed."


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400: rendered without the request, which may be the malformed thing (a NUL byte in a
    cookie would reach the session lookup)."""
    if _is_api(request):
        return JsonResponse({"detail": BAD_REQUEST, "errors": {}, "code": "invalid"}, status=400)
    return _page_without_request("400.html", 400, BAD_REQUEST, message=BAD_REQUEST)


def method_not_allowed(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A styled 405 for pages (Django's is empty), keeping the Allow header."""
    page = HttpResponse(loader.render_to_string("405.html", {"method": request.method}, request), status=405)
    if "Allow" in response:
        page["Allow"] = response["Allow"]
    return page


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        body = {"detail": "You do not have permission to perform this action.", "code": "permission_denied"}
        return JsonResponse(body, status=403)
    return defaults.permission_denied(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    exc = sys.exc_info()[1]
    if isinstance(exc, (OperationalError, InterfaceError)):
        response: HttpResponse
        if _is_api(request):
            response = JsonResponse({"detail": DATABASE_DOWN, "code": "database_unavailable"}, status=503)
        elif request.path == "/healthz":  # probes read the status line, not a page
            response = HttpResponse(DATABASE_DOWN, status=503, content_type="text/plain; charset=utf-8")
        else:
            response = _page_without_request("503.html", 503, DATABASE_DOWN, message=DATABASE_DOWN)
        response["Retry-After"] = "30"
        return response
    if _is_api(request):
        return JsonResponse({"detail": SERVER_ERROR, "code": "server_error"}, status=500)
    return _page_without_request("500.html", 500, SERVER_ERROR)
