"""What every API view shares: authentication order, read throttle, a bound on body size."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, TokenAuthentication
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from faces.api.exceptions import payload_too_large
from faces.throttles import AnonReadThrottle

# TokenAuthentication first: DRF answers 401 + "WWW-Authenticate: Token" for anonymous
# requests only when the first authenticator names a scheme (SessionAuthentication does not).
AUTHENTICATION: list[type[BaseAuthentication]] = [TokenAuthentication, SessionAuthentication]
READ_THROTTLES: list[type[BaseThrottle]] = [AnonReadThrottle]


def declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class ApiViewMixin(APIView):
    """Listed first in an API view's bases, so these settings win over DRF's defaults."""

    authentication_classes: Sequence[type[BaseAuthentication]] = AUTHENTICATION
    throttle_classes: Sequence[type[BaseThrottle]] = READ_THROTTLES

    def initial(self, request, *args, **kwargs) -> None:
        """After authentication, permissions and throttles: refuse an oversize body unread.

        Django only enforces DATA_UPLOAD_MAX_MEMORY_SIZE on form fields (and we map its
        RequestDataTooBig to 413 too); DRF's JSON parser reads the raw stream, so the
        declared length is checked here for every endpoint, uploads included.
        """
        super().initial(request, *args, **kwargs)
        if declared_length(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise payload_too_large(
                f"The request is larger than the {settings.UPLOAD_MAX_BYTES // (1024 * 1024)} MB limit."
            )
