"""The 500 handler: a database outage is a clean 503 ("try again"), anything else the usual 500.

A handler (not a middleware) because an exception raised inside another middleware —
the session or auth lookup is often the first query of a request — never reaches
`process_exception`; every uncaught exception does reach handler500. The 503 is plain
text or JSON and renders no template: templates and context processors may query the
database that is down.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

DATABASE_DOWN = "The site is temporarily unavailable (database maintenance). Please try again in a minute."


def server_error(request: HttpRequest) -> HttpResponse:
    exc = sys.exc_info()[1]
    if isinstance(exc, (OperationalError, InterfaceError)):
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse({"detail": DATABASE_DOWN, "code": "database_unavailable"}, status=503)
        else:
            response = HttpResponse(DATABASE_DOWN, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "30"
        return response
    return defaults.server_error(request)
