"""Writes about accounts: disable / re-enable people, approve volunteers."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet

from accounts.models import Profile


@transaction.atomic
def users_set_active(users: QuerySet, *, active: bool, actor) -> int:
    """Disable or re-enable accounts. An administrator cannot disable themselves.

    A disabled account's sessions stop authenticating at once (Django checks is_active
    on every request), and accounts.roles gives it no role.
    """
    users = users.exclude(pk=actor.pk) if not active and getattr(actor, "pk", None) else users
    return get_user_model().objects.filter(pk__in=users.values("pk")).update(is_active=active)


@transaction.atomic
def profiles_approve(profiles: QuerySet) -> int:
    return Profile.objects.filter(pk__in=profiles.values("pk")).update(approved=True)
