"""A new allauth sign-up asks to volunteer: unapproved (a member) until someone approves it.

With ACCOUNTS_REQUIRE_APPROVAL off (small deployments), the sign-up is a volunteer at once.
"""

from __future__ import annotations

from allauth.account.signals import user_signed_up
from django.conf import settings
from django.dispatch import receiver

from accounts.models import Profile, Role


@receiver(user_signed_up, dispatch_uid="accounts_profile_on_signup")
def create_volunteer_profile(sender, request, user, **kwargs) -> None:
    Profile.objects.get_or_create(
        user=user, defaults={"role": Role.VOLUNTEER, "approved": not settings.ACCOUNTS_REQUIRE_APPROVAL}
    )
