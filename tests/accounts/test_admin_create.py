"""`make admin` (manage.py admin_create): an administrator who can sign in through the normal form."""

from __future__ import annotations

import io

import pytest
from allauth.account.models import EmailAddress
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client

from accounts import roles
from accounts.management.commands import admin_create
from accounts.models import Profile, Role

pytestmark = pytest.mark.django_db
PASSWORD = "Harbour-lantern-42-quiet"


def run(monkeypatch, username="chief", email="chief@example.org", password=PASSWORD) -> str:
    for name, value in (("USERNAME", username), ("EMAIL", email), ("PASSWORD", password)):
        monkeypatch.setenv(f"ADMIN_{name}", value)
    out = io.StringIO()
    call_command("admin_create", stdout=out)
    return out.getvalue()


def sign_in(login: str, password: str = PASSWORD) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": login, "password": password})
    assert response.status_code == 302 and response["Location"] == "/review/", response.content[:500]
    return client


def test_it_creates_an_administrator_with_a_verified_address_and_says_where_to_sign_in(monkeypatch):
    output = run(monkeypatch)
    user = get_user_model().objects.get(username="chief")
    assert user.is_staff and user.is_superuser and user.is_active and user.check_password(PASSWORD)
    profile = Profile.objects.get(user=user)
    assert profile.role == Role.ADMINISTRATOR and profile.approved and roles.is_administrator(user)
    address = EmailAddress.objects.get(user=user)
    assert address.email == "chief@example.org" and address.verified and address.primary
    assert "Created administrator chief" in output
    assert "http://127.0.0.1:8000/accounts/login/" in output and "/review/jurisdictions/" in output


@pytest.mark.parametrize("login", ["chief", "chief@example.org"])
def test_the_new_administrator_signs_in_through_the_form_and_reaches_the_jurisdictions_page(monkeypatch, login):
    run(monkeypatch)
    client = sign_in(login)
    assert client.get("/review/jurisdictions/").status_code == 200


def test_it_updates_an_existing_account_resets_the_password_and_verifies_the_address(monkeypatch):
    # What `createsuperuser` used to leave: an unverified address, no profile.
    user = get_user_model().objects.create_user("chief", "old@example.org", "an-old-password-1")
    EmailAddress.objects.create(user=user, email="old@example.org", verified=False, primary=True)
    assert Client().post("/accounts/login/", {"login": "chief", "password": "an-old-password-1"})["Location"] != (
        "/review/"
    )
    output = run(monkeypatch)
    assert "Updated administrator chief" in output
    assert get_user_model().objects.filter(username__iexact="chief").count() == 1
    user.refresh_from_db()
    assert user.is_superuser and user.email == "chief@example.org" and not user.check_password("an-old-password-1")
    primary = EmailAddress.objects.get(user=user, primary=True)
    assert primary.email == "chief@example.org" and primary.verified
    assert sign_in("chief@example.org").get("/review/jurisdictions/").status_code == 200


def test_running_it_twice_changes_nothing_but_the_password(monkeypatch):
    run(monkeypatch)
    run(monkeypatch, password="Another-harbour-lantern-43")
    assert get_user_model().objects.count() == 1 and EmailAddress.objects.count() == 1
    sign_in("chief", "Another-harbour-lantern-43")


def test_updating_lifts_a_lockout_from_earlier_failed_sign_ins(monkeypatch, settings):
    run(monkeypatch)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        Client().post("/accounts/login/", {"login": "chief", "password": "wrong-guess"})
    locked = Client().post("/accounts/login/", {"login": "chief", "password": PASSWORD})
    assert locked.status_code != 302 or locked["Location"] != "/review/"
    assert AccessAttempt.objects.filter(username="chief").exists()
    run(monkeypatch)
    assert not AccessAttempt.objects.filter(username="chief").exists()
    # allauth's own short limit (5 failures per 5 minutes) lives in the web process's cache,
    # out of the command's reach with the embedded default; it expires by itself.
    cache.clear()
    sign_in("chief")


@pytest.mark.parametrize(
    "username,email,password,message",
    [
        ("chief", "not-an-address", PASSWORD, "not a valid e-mail address"),
        ("chief", "chief@example.org", "123", "too weak"),
        ("chief", "chief@example.org", "password", "too weak"),
        ("chief", "chief@example.org", "chief-example", "too weak"),  # too similar to the username
        ("chief boss!", "chief@example.org", PASSWORD, "Username"),
        ("chief", "taken@example.org", PASSWORD, "already belongs to another account"),
        ("chief", "<script>@example.org", PASSWORD, "not a valid e-mail address"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_creates_nothing(monkeypatch, username, email, password, message):
    get_user_model().objects.create_user("someone", "taken@example.org", "pass-for-tests-1")
    with pytest.raises(CommandError, match=message) as refused:
        run(monkeypatch, username=username, email=email, password=password)
    assert "Nothing was changed" in str(refused.value)
    assert not get_user_model().objects.filter(username="chief").exists()
    assert not EmailAddress.objects.exists() and not Profile.objects.exists()


def test_a_refused_update_leaves_the_existing_account_as_it_was(monkeypatch):
    run(monkeypatch)
    with pytest.raises(CommandError, match="too weak"):
        run(monkeypatch, email="new@example.org", password="123")
    user = get_user_model().objects.get(username="chief")
    assert user.email == "chief@example.org" and user.check_password(PASSWORD)


def interactive(monkeypatch, answers: list[str], passwords: list[str]) -> str:
    for name in ("USERNAME", "EMAIL", "PASSWORD"):
        monkeypatch.delenv(f"ADMIN_{name}", raising=False)
    monkeypatch.setattr(admin_create.sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt="": answers.pop(0))
    monkeypatch.setattr(admin_create.getpass, "getpass", lambda prompt="": passwords.pop(0))
    out = io.StringIO()
    call_command("admin_create", "--site-url", "http://localhost:9000/", stdout=out)
    return out.getvalue()


def test_it_asks_for_what_the_environment_does_not_give(monkeypatch):
    output = interactive(monkeypatch, ["chief", "chief@example.org"], [PASSWORD, PASSWORD])
    assert "http://localhost:9000/accounts/login/" in output
    sign_in("chief")


def test_two_different_passwords_are_refused_and_create_nothing(monkeypatch):
    with pytest.raises(CommandError, match="do not match"):
        interactive(monkeypatch, ["chief", "chief@example.org"], [PASSWORD, PASSWORD + "x"])
    assert not get_user_model().objects.exists()


def test_without_a_terminal_it_names_the_missing_variables(monkeypatch):
    monkeypatch.setenv("ADMIN_USERNAME", "chief")
    monkeypatch.delenv("ADMIN_EMAIL", raising=False)
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    monkeypatch.setattr(admin_create.sys.stdin, "isatty", lambda: False, raising=False)
    with pytest.raises(CommandError, match="ADMIN_EMAIL, ADMIN_PASSWORD"):
        call_command("admin_create")
    assert not get_user_model().objects.exists()


def test_everyone_else_still_has_to_confirm_their_address(monkeypatch):
    run(monkeypatch)
    client = Client()
    client.post(
        "/accounts/signup/",
        {"email": "new@example.org", "username": "newcomer", "password1": PASSWORD, "password2": PASSWORD},
    )
    response = Client().post("/accounts/login/", {"login": "newcomer", "password": PASSWORD})
    assert response.status_code == 302 and "confirm-email" in response["Location"]
    assert not EmailAddress.objects.get(email="new@example.org").verified
