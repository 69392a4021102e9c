"""POST auth/token/: exchange a username and password for an API token.

django-axes guards this door too: `authenticate()` goes through AxesStandaloneBackend, so
every wrong password is recorded and, once locked out, even the right password is
refused here with 429 and Retry-After (the same lock as the login page). Failures count
against the account, whichever name was sent: the username in any case or the e-mail
address (accounts.lockout).
"""

from __future__ import annotations

from axes.helpers import get_cool_off, get_lockout_message
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer

from faces.api.exceptions import ApiError
from faces.throttles import AnonReadThrottle


class TokenView(ObtainAuthToken):
    renderer_classes = [JSONRenderer]
    throttle_classes = [AnonReadThrottle]

    @extend_schema(
        responses={200: inline_serializer("Token", {"token": serializers.CharField()})},
        summary="Exchange a username and password for an API token",
    )
    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            if getattr(request, "axes_locked_out", False) or getattr(request._request, "axes_locked_out", False):
                cool_off = get_cool_off(request._request)
                seconds = int(cool_off.total_seconds()) if cool_off else 3600
                raise ApiError(
                    str(get_lockout_message()),
                    status_code=429,
                    code="locked_out",
                    headers={"Retry-After": str(max(seconds, 1))},
                ) from None
            raise
