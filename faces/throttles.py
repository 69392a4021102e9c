"""Rate limits shared by the pages and the API (DRF throttles, backed by Django's cache).

One set of classes serves both: the API lists them on its views, and the HTML views call
`throttle_wait` so a form cannot be used to get around the API's limits. Anonymous clients
are told apart by `oversight.client_ip.client_ip` (X-Forwarded-For only from the site's own
proxies), the same rule django-axes and allauth use.
"""

from __future__ import annotations

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from oversight.client_ip import client_ip


class ClientIpMixin:
    """A forged X-Forwarded-For must not buy a fresh allowance."""

    def get_ident(self, request) -> str:
        return client_ip(request)


class AnonUploadThrottle(ClientIpMixin, AnonRateThrottle):
    scope = "anon_upload"


class UserUploadThrottle(ClientIpMixin, UserRateThrottle):
    scope = "user_upload"


class AnonReadThrottle(ClientIpMixin, AnonRateThrottle):
    scope = "anon_read"


class RecognitionThrottle(ClientIpMixin, SimpleRateThrottle):
    """Anything that runs a gallery search, for everyone (logged in or not)."""

    scope = "recognition"

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        ident = user.pk if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


UPLOAD_THROTTLES = (AnonUploadThrottle, UserUploadThrottle)


def throttle_wait(request, throttle_classes=UPLOAD_THROTTLES) -> float | None:
    """For plain Django views: None if allowed, else the seconds to wait (for Retry-After)."""
    waits = []
    for throttle_class in throttle_classes:
        throttle = throttle_class()
        if not throttle.allow_request(request, None):
            waits.append(throttle.wait() or 1.0)
    return max(waits) if waits else None
