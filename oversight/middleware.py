"""The pages' half of the one domain error: a service's refusal becomes a response here, once.

Views call services and let a `DomainError` propagate; the API maps it in
faces.api.exceptions, and every other path comes through `DomainErrorMiddleware`:
1. a script's request (Accept: application/json, or XMLHttpRequest) gets JSON
   {"error": message, "code": code} with the error's status, as the page scripts expect;
2. a form POST whose Referer is a page of this site gets the message as `messages.error`
   and a redirect back to that page, so the person sees the refusal where they acted
   (the form pages re-check their item and move on if it was decided meanwhile);
3. anything else renders templates/errors/refused.html (extends base.html) with the
   message and the error's status.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from oversight import errors
from oversight.exceptions import DomainError

TITLES = {403: "Not allowed", 409: "Already changed", 503: "Unavailable for now"}


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "") or (
        request.headers.get("X-Requested-With") == "XMLHttpRequest"
    )


def _same_site_referer(request: HttpRequest) -> str | None:
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return None


def _with_retry_after(response: HttpResponse, exc: DomainError) -> HttpResponse:
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Django's require_POST answers an empty 405; pages get the site's own (the API its JSON).
        if response.status_code == 405 and not response.content and not request.path_info.startswith("/api/"):
            return errors.method_not_allowed(request, response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        if _wants_json(request):
            body = {"error": exception.message, "code": exception.code}
            return _with_retry_after(JsonResponse(body, status=exception.status), exception)
        back = _same_site_referer(request)
        if request.method == "POST" and back is not None:
            messages.error(request, exception.message)
            return HttpResponseRedirect(back)
        context = {
            "title": TITLES.get(exception.status, "Not possible"),
            "message": exception.message,
            "back_url": back,
        }
        response = render(request, "errors/refused.html", context, status=exception.status)
        return _with_retry_after(response, exception)
