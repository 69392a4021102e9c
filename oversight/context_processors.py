from __future__ import annotations

from django.http import HttpRequest

from accounts.roles import is_volunteer


def roles(request: HttpRequest) -> dict[str, bool]:
    """What the navigation may offer this person."""
    return {"can_review": is_volunteer(getattr(request, "user", None))}
