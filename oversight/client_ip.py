"""Who is the client? One rule for every rate limit and lockout (DRF, the forms, axes, allauth).

`X-Forwarded-For` is written by whoever sends the request, so it is believed only as far as
the site's own proxies vouch for it: with `settings.NUM_PROXIES` = 0 (the default, nothing
in front of the site) it is ignored and REMOTE_ADDR is the client; with N proxies, each
proxy appends the address it received the request from, so the Nth address from the right
is the one the outermost trusted proxy saw: the client. Anything left of it is the
client's own claim and never used. This is DRF's `NUM_PROXIES` rule, kept here so the
form throttles, django-axes and allauth cannot drift from the API.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's address; a garbled forwarded entry falls back to the nearest proxy's."""
    remote_addr = request.META.get("REMOTE_ADDR") or ""
    num_proxies: int = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if num_proxies > 0 and forwarded:
        addresses = forwarded.split(",")
        # Fewer entries than proxies: the left-most is the best anyone vouched for (DRF's rule).
        claimed = _valid_ip(addresses[-min(num_proxies, len(addresses))])
        if claimed is not None:
            return claimed
    # axes stores the address in an `inet` column: never hand it something PostgreSQL refuses.
    return _valid_ip(remote_addr) or "0.0.0.0"
