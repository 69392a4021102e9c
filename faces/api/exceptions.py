"""One error body for the whole API: {"detail": "...", "errors": {field: ["..."]}, "code": "..."}.

Wired as REST_FRAMEWORK["EXCEPTION_HANDLER"]. DRF's own handler still does the work that
matters for clients (status codes, `Retry-After` on 429, `WWW-Authenticate` on 401); this
reshapes the body and maps the errors DRF does not know about. A service's refusal is an
`oversight.exceptions.DomainError`, translated here once: its status, its message as
`detail`, its `code`, and under `errors` its `field` when it names one (e.g. "file").
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.views import exception_handler as drf_exception_handler

from oversight.exceptions import DomainError


class ApiError(APIException):
    """An error with a status, a message for people and optional per-field messages."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    default_detail = "The request could not be processed."
    default_code = "invalid"

    def __init__(
        self,
        detail: str,
        *,
        status_code: int = 400,
        errors: dict[str, list[str]] | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail, code)
        self.status_code = status_code
        self.errors = errors or {}
        self.headers = headers or {}


def payload_too_large(detail: str = "The request body is too large.") -> ApiError:
    return ApiError(detail, status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, code="too_large")


def _first_message(errors: Any) -> str | None:
    if isinstance(errors, dict):
        for key, value in errors.items():
            message = _first_message(value)
            if message:
                return message if key in ("non_field_errors", "__all__") else f"{key}: {message}"
    elif isinstance(errors, (list, tuple)):
        for value in errors:
            message = _first_message(value)
            if message:
                return message
    elif errors:
        return str(errors)
    return None


def from_domain_error(exc: DomainError) -> ApiError:
    """The API form of a service's refusal."""
    field = getattr(exc, "field", None)
    retry_after = getattr(exc, "retry_after", None)
    return ApiError(
        exc.message,
        status_code=exc.status,
        errors={field: [exc.message]} if field else None,
        code=exc.code,
        headers={"Retry-After": str(retry_after)} if retry_after else None,
    )


def _code(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "invalid"
    if isinstance(exc, APIException):
        detail_code = getattr(exc.detail, "code", None)
        return str(detail_code or exc.default_code)
    return "error"


def api_exception_handler(exc: Exception, context: dict) -> Any:
    """Let DRF build the response, then give every error body the same three keys."""
    if isinstance(exc, DomainError):
        exc = from_domain_error(exc)
    elif isinstance(exc, RequestDataTooBig):
        # Django raises this while parsing a body over DATA_UPLOAD_MAX_MEMORY_SIZE.
        exc = payload_too_large()
    elif isinstance(exc, SuspiciousOperation):
        # Too many fields or files, a malformed multipart body: the client's fault, said plainly.
        exc = ApiError(
            "The request could not be read: it is malformed or has too many fields.", code="malformed_request"
        )
    elif isinstance(exc, DjangoValidationError):
        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: Django's 500 handling (and logging) applies
    data = response.data
    detail: str | None
    if isinstance(exc, ValidationError):
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        detail = _first_message(errors) or "Invalid input."
    else:
        detail = data.get("detail", "") if isinstance(data, dict) else _first_message(data)
        errors = getattr(exc, "errors", {}) or {}
    response.data = {"detail": str(detail or "Error."), "errors": errors, "code": _code(exc)}
    for name, value in getattr(exc, "headers", {}).items():
        response[name] = value
    return response
