"""django-allauth adapter: administrator or coordinator approval of new volunteers.

With settings.ACCOUNTS_REQUIRE_APPROVAL (the default), a new account can log in but has no
reviewing rights (accounts.roles treats an unapproved profile as a member of the public)
until a coordinator or administrator approves it on /review/members/ (or in the admin).
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib import messages

from accounts import roles
from oversight.client_ip import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if request is not None and settings.ACCOUNTS_REQUIRE_APPROVAL:
            messages.info(
                request,
                "Thank you for volunteering. A coordinator or administrator will approve your account "
                "before you can review photos.",
            )
        return user

    def get_login_redirect_url(self, request) -> str:
        # The review dashboard would only answer 403 to someone still waiting for approval.
        if not roles.is_volunteer(request.user):
            return "/"
        return super().get_login_redirect_url(request)

    def get_client_ip(self, request) -> str:
        # allauth's own rate limits tell clients apart by the same rule as the throttles and axes.
        return client_ip(request)
