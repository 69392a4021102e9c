"""django-allauth adapter: optional administrator approval of new volunteers.

With settings.ACCOUNTS_REQUIRE_APPROVAL, a new account can log in but has no reviewing
rights (accounts.roles treats an unapproved profile as a member of the public) until an
administrator approves it in the admin.
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib import messages


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if request is not None and getattr(settings, "ACCOUNTS_REQUIRE_APPROVAL", False):
            messages.info(
                request,
                "Thank you for volunteering. An administrator will approve your account before you can review photos.",
            )
        return user
