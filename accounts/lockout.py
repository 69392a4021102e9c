"""django-axes, keyed on the account rather than on what was typed.

People sign in with their username in any letter case or with their e-mail address
(allauth accepts all of them, on the login page and through `authenticate()` for the API
token). Counting failures per typed string let `Sp_lock2` or `sp_lock2@example.org` walk
past a lockout of `sp_lock2`. `canonical_username` (AXES_USERNAME_CALLABLE) names the
account every variant resolves to, so one counter holds for all of them.

`AccountLockoutHandler` (AXES_HANDLER) adds the second threshold of
AXES_LOCKOUT_PARAMETERS: one client (account + address) is locked after
AXES_FAILURE_LIMIT failures, the account from every address after the higher
AXES_ACCOUNT_FAILURE_LIMIT (why both: see the settings).
"""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from axes.conf import settings
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import (
    get_client_username,
    get_cool_off,
    get_failure_limit,
    get_lockout_message,
    get_lockout_parameters,
)
from django.contrib.auth import get_user_model
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse

USERNAME_MAX = 255  # AccessAttempt.username


def _submitted_login(request: HttpRequest | None, credentials: dict | None) -> str | None:
    if credentials:
        value = credentials.get("username") or credentials.get("email")
    else:
        data: Any = getattr(request, "data", None) or getattr(request, "POST", {})
        value = data.get("login") or data.get("username") or data.get("email")
    return value if isinstance(value, str) and value.strip() else None


def _account_for(login: str) -> str | None:
    """The username of the one account `login` names, in the order allauth tries them."""
    User = get_user_model()
    if "@" in login:
        user_ids = set(EmailAddress.objects.filter(email__iexact=login).values_list("user_id", flat=True))
        user_ids |= set(User.objects.filter(email__iexact=login).values_list("pk", flat=True))
        if len(user_ids) == 1:
            return User.objects.get(pk=user_ids.pop()).get_username()
        if user_ids:
            return None  # shared address: the address itself is the key for all its accounts
    matches = list(User.objects.filter(username__iexact=login).values_list("username", flat=True)[:2])
    return matches[0] if len(matches) == 1 else None


def canonical_username(request: HttpRequest | None, credentials: dict | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: the account's username; an unknown login, lower-cased."""
    login = _submitted_login(request, credentials)
    if login is None:
        return None
    # PostgreSQL refuses NUL in text and axes stores at most 255 characters.
    login = login.replace("\x00", "").strip()[:USERNAME_MAX]
    memo: dict[str, str] = getattr(request, "_oversight_canonical_logins", None) or {}
    if login not in memo:
        memo[login] = (_account_for(login) if login else None) or login.lower()
        if request is not None:
            request._oversight_canonical_logins = memo  # type: ignore[attr-defined]  # a per-request memo
    return memo[login]


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with Retry-After, and never the resolved username.

    axes' own JSON answer echoes the username it counted, which would turn an e-mail
    address into the account's username for anyone who fails five times.
    """
    message = str(get_lockout_message())
    if request.META.get("HTTP_X_REQUESTED_WITH") == "XMLHttpRequest" or request.path_info.startswith("/api/"):
        # The API's one error shape (faces.api.exceptions), also for the login page's script.
        response: HttpResponse = JsonResponse({"detail": message, "errors": {}, "code": "locked_out"}, status=429)
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    cool_off = get_cool_off(request)
    response["Retry-After"] = str(max(int(cool_off.total_seconds()), 1) if cool_off else 3600)
    return response


class AccountLockoutHandler(AxesDatabaseHandler):
    """Two thresholds: per client (account + address) and per account from anywhere."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        limit = get_failure_limit(request, credentials)
        account_limit = max(settings.AXES_ACCOUNT_FAILURE_LIMIT, limit)
        has_username = get_client_username(request, credentials) is not None
        scaled = []
        parameters = get_lockout_parameters(request, credentials)
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            if parameter == "username":
                # Axes compares one number with one limit: scale the account's count so it
                # reaches `limit` exactly when it reaches `account_limit`.
                failures = failures * limit // account_limit if has_username else 0
            scaled.append(failures)
        return max(scaled, default=0)
