"""The rate limit of problem reports: one allowance per account, or per address when anonymous.

CAPTCHA-free on purpose (reporting must stay easy), so this limit is what stands between the
coordinators' queue and a flood. The form and the API count against the same allowance.
"""

from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle

from faces.throttles import ClientIpMixin


class ReportThrottle(ClientIpMixin, SimpleRateThrottle):
    scope = "reports"

    def get_cache_key(self, request, view) -> str:
        user = getattr(request, "user", None)
        ident = f"user-{user.pk}" if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


REPORT_THROTTLES = (ReportThrottle,)
