"""Refuse NUL bytes in a request's path, query, headers, cookies and form fields with a 400.

PostgreSQL cannot store or compare text containing NUL (psycopg raises before the query
is sent), so a `%00` reaching any lookup was a 500 on whatever route it hit
(`/submit/?department=%00`). No legitimate client sends one: refusing it once here
protects every route, present and future, instead of each form field.

The body is checked only for views behind the CSRF check, whose form fields Django parses
anyway; API views (csrf-exempt) are left to DRF, whose string fields already refuse NUL
and whose upload views refuse an oversize body before reading it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.urls import get_resolver

MESSAGE = "The request contains a NUL character, which is never valid here."


def _has_nul(items: Iterable[tuple[str, str]]) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in items)


def _query_has_nul(query: QueryDict) -> bool:
    return _has_nul((key, value) for key, values in query.lists() for value in values)


class RefuseNulBytesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        headers = ((key, value) for key, value in request.META.items() if key.startswith("HTTP_"))
        if (
            "\x00" in request.path_info
            or _query_has_nul(request.GET)
            or _has_nul(headers)  # e.g. an API token is looked up as sent
            or _has_nul(request.COOKIES.items())  # a quoted cookie may spell NUL as \000
        ):
            return self._refuse(request)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict):
        if request.method == "POST" and not getattr(view_func, "csrf_exempt", False) and _query_has_nul(request.POST):
            return self._refuse(request)
        return None

    @staticmethod
    def _refuse(request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            # The API's one error shape (faces.api.exceptions).
            return JsonResponse({"detail": MESSAGE, "errors": {}, "code": "invalid"}, status=400)
        # The site's own 400 page (handler400), without the traceback a raised BadRequest
        # would log for every hostile request.
        handler = get_resolver().resolve_error_handler(400)
        # Error handlers take (request, exception); the stub's Callable names only the request.
        return handler(request, BadRequest(MESSAGE))  # type: ignore[call-arg]
