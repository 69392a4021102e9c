"""Accounts through django-allauth: sign up, confirm the email, approval, login protection."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts import roles
from accounts.models import Profile, Role

pytestmark = pytest.mark.django_db
PASSWORD = "a-Long-unusual-pass-19"


def _sign_up(client: Client, username: str = "newvolunteer"):
    return client.post(
        reverse("account_signup"),
        {
            "email": f"{username}@example.org",
            "username": username,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def _confirm_email(client: Client) -> None:
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+)", mail.outbox[-1].body).group(1)
    assert client.post(link).status_code == 302


def _log_in(client: Client, login: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def test_signing_up_sends_a_confirmation_and_asks_to_volunteer_awaiting_approval():
    client = Client()
    response = _sign_up(client)
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "newvolunteer@example.org" in mail.outbox[0].to
    user = get_user_model().objects.get(username="newvolunteer")
    assert Profile.objects.get(user=user).role == Role.VOLUNTEER
    assert not Profile.objects.get(user=user).approved
    assert roles.role_of(user) == Role.MEMBER


def test_approval_is_required_by_default():
    import os

    from django.conf import settings

    if os.environ.get("ACCOUNTS_REQUIRE_APPROVAL"):
        pytest.skip("the environment sets ACCOUNTS_REQUIRE_APPROVAL")
    assert settings.ACCOUNTS_REQUIRE_APPROVAL is True


def test_an_unconfirmed_address_cannot_log_in_and_a_confirmed_one_waits_on_the_home_page():
    _sign_up(Client())
    client = Client()
    response = _log_in(client, "newvolunteer")
    assert response.status_code == 302 and "confirm-email" in response["Location"]
    assert client.get(reverse("review_dashboard")).status_code == 302  # not logged in
    _confirm_email(client)
    response = _log_in(client, "newvolunteer")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(reverse("review_dashboard")).status_code == 403


def test_with_approval_turned_off_a_confirmed_sign_up_lands_on_the_dashboard(settings):
    settings.ACCOUNTS_REQUIRE_APPROVAL = False
    _sign_up(Client())
    client = Client()
    _confirm_email(client)
    response = _log_in(client, "newvolunteer")
    assert response.status_code == 302 and response["Location"] == "/review/"
    assert client.get(reverse("review_dashboard")).status_code == 200


def test_with_approval_required_a_new_volunteer_waits_for_an_administrator(settings, admin_user):
    settings.ACCOUNTS_REQUIRE_APPROVAL = True
    client = Client()
    _sign_up(client)
    _confirm_email(client)
    _log_in(client, "newvolunteer")
    user = get_user_model().objects.get(username="newvolunteer")
    assert roles.role_of(user) == Role.MEMBER
    response = client.get(reverse("review_dashboard"))
    assert response.status_code == 403 and b"waiting for an administrator" in response.content

    admin = Client()
    admin.force_login(admin_user)
    admin.post(
        reverse("admin:accounts_profile_changelist"), {"action": "approve", "_selected_action": [user.profile.pk]}
    )
    assert Profile.objects.get(user=user).approved
    assert client.get(reverse("review_dashboard")).status_code == 200


def _verified(user):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def test_the_right_password_logs_a_volunteer_in(users):
    _verified(users["volunteer"])
    client = Client()
    assert _log_in(client, "volunteer", "pass-for-tests-1")["Location"] == "/review/"
    assert client.get(reverse("review_dashboard")).status_code == 200


def test_login_is_locked_after_five_failures_even_with_the_right_password(users):
    _verified(users["volunteer"])
    client = Client()
    statuses = [_log_in(client, "volunteer", "wrong-password").status_code for _ in range(5)]
    assert statuses[-1] == 429  # the fifth failure locks
    _log_in(client, "volunteer", "pass-for-tests-1")  # the right one, too late
    assert client.get(reverse("review_dashboard")).status_code == 302  # still not logged in


def test_a_disabled_account_cannot_log_in(users):
    _verified(users["disabled"])
    client = Client()
    _log_in(client, "disabled", "pass-for-tests-1")
    assert client.get(reverse("review_dashboard"))["Location"].startswith(reverse("account_login"))


def test_the_account_inactive_page_uses_the_sites_layout():
    page = Client().get(reverse("account_inactive")).content.decode()
    assert "This account is disabled" in page and "/static/css/site.css" in page


def test_the_login_page_uses_the_sites_layout_without_inline_script():
    page = Client().get(reverse("account_login")).content.decode()
    assert "/static/css/site.css" in page and "Sign In" in page
    assert "<script>" not in page and "style=" not in page


def test_logins_by_email_address_are_locked_out_too(users):
    _verified(users["volunteer"])
    client = Client()
    for _ in range(5):
        _log_in(client, "volunteer@example.org", "wrong-password")
    _log_in(client, "volunteer@example.org", "pass-for-tests-1")
    assert client.get(reverse("review_dashboard")).status_code == 302
