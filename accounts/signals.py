"""A new allauth signup becomes a volunteer (approved unless ACCOUNTS_REQUIRE_APPROVAL)."""

from __future__ import annotations

from allauth.account.signals import user_signed_up
from django.conf import settings
from django.dispatch import receiver

from accounts.models import Profile, Role


@receiver(user_signed_up, dispatch_uid="accounts_profile_on_signup")
def create_volunteer_profile(sender, request, user, **kwargs) -> None:
    Profile.objects.get_or_create(
        user=user,
        defaults={"role": Role.VOLUNTEER, "approved": not getattr(settings, "ACCOUNTS_REQUIRE_APPROVAL", False)},
    )
