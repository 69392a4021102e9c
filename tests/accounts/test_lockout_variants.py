"""The login lockout holds for the ACCOUNT, whatever identifier names it (issue 12, finding 6).

Five wrong passwords for `sp_lock2`, then the right password sent as `Sp_lock2`, as the
e-mail address, or with a forged X-Forwarded-For: refused, on the web form and on the API
token endpoint. Another account is untouched; the owner is locked out from every address
only after the higher per-account threshold.
"""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.lockout import canonical_username
from tests.conftest import make_user

pytestmark = pytest.mark.django_db
PASSWORD = "pass-for-tests-1"
TOKEN_URL = "/api/v1/auth/token/"

# (id, identifier sent with the right password, extra request headers)
VARIANTS = [
    ("same", "sp_lock2", {}),
    ("upper", "SP_LOCK2", {}),
    ("mixed", "Sp_Lock2", {}),
    ("email", "sp_lock2@example.org", {}),
    ("email_upper", "SP_LOCK2@EXAMPLE.ORG", {}),
    ("forged_forwarded_for", "Sp_lock2", {"HTTP_X_FORWARDED_FOR": "203.0.113.77"}),
]


@pytest.fixture
def locked_user():
    user = make_user("sp_lock2", role="volunteer")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def bystander():
    user = make_user("bystander", role="volunteer")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def web_login(client: Client, login: str, password: str, **headers):
    return client.post(reverse("account_login"), {"login": login, "password": password}, **headers)


def api_token(client: APIClient, username: str, password: str, **headers):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json", **headers)


def web_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def assert_web_lockout(response) -> None:
    """Refused with a lockout message: axes' 429, or allauth's own failed-login limit (the
    form again, 200), which answers first when the same login was just mistyped five times."""
    page = response.content.decode()
    assert (response.status_code == 429 and "too many login attempts" in page) or (
        response.status_code == 200 and "Too many failed login attempts" in page
    ), response.status_code


def fail_five_times_on_the_web(client: Client, login: str = "sp_lock2") -> None:
    for _ in range(5):
        assert web_login(client, login, "wrong-password").status_code in (200, 429)


def fail_five_times_on_the_api(client: APIClient, login: str = "sp_lock2") -> None:
    for _ in range(5):
        assert api_token(client, login, "wrong-password").status_code in (400, 429)


@pytest.mark.parametrize(("variant", "login", "headers"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_the_web_form_refuses_every_name_of_a_locked_account(locked_user, variant, login, headers):
    client = Client()
    fail_five_times_on_the_web(client)
    response = web_login(client, login, PASSWORD, **headers)
    assert_web_lockout(response)
    assert not web_signed_in(client)


@pytest.mark.parametrize(("variant", "login", "headers"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_the_token_endpoint_refuses_every_name_of_a_locked_account(locked_user, variant, login, headers):
    client = APIClient()
    fail_five_times_on_the_api(client)
    response = api_token(client, login, PASSWORD, **headers)
    assert response.status_code == 429
    body = response.json()
    assert "too many login attempts" in body["detail"] and "token" not in body
    assert int(response["Retry-After"]) > 0
    assert not Token.objects.filter(user=locked_user).exists()


@pytest.mark.parametrize("surface", ["web", "api"])
def test_failures_under_different_names_add_up_to_one_lock(locked_user, surface):
    names = ["sp_lock2", "SP_LOCK2", "Sp_Lock2", "sp_lock2@example.org", "SP_LOCK2@example.ORG"]
    if surface == "web":
        client = Client()
        for name in names:
            web_login(client, name, "wrong-password")
        assert_web_lockout(web_login(client, "sp_lock2", PASSWORD))
        assert not web_signed_in(client)
    else:
        client = APIClient()
        for name in names:
            api_token(client, name, "wrong-password")
        assert api_token(client, "sp_lock2", PASSWORD).status_code == 429


def test_a_lock_on_the_web_holds_on_the_api_and_the_other_way_round(locked_user):
    fail_five_times_on_the_web(Client(), "SP_LOCK2@EXAMPLE.ORG")
    assert api_token(APIClient(), "Sp_lock2", PASSWORD).status_code == 429


def test_another_account_is_not_affected(locked_user, bystander):
    client = Client()
    fail_five_times_on_the_web(client)
    assert web_login(client, "bystander", PASSWORD).status_code == 302
    assert web_signed_in(client)
    assert api_token(APIClient(), "Bystander@Example.org", PASSWORD).status_code == 200


def test_the_owner_elsewhere_is_locked_only_after_the_account_threshold(locked_user, settings):
    """Five failures lock one address; the account from everywhere only after AXES_ACCOUNT_FAILURE_LIMIT.

    Through the token endpoint, which allauth's own per-login rate limit does not cover, so
    this measures axes alone.
    """
    fail_five_times_on_the_api(APIClient(REMOTE_ADDR="198.51.100.1"))
    owner = APIClient(REMOTE_ADDR="192.0.2.50")
    assert api_token(owner, "sp_lock2", PASSWORD).status_code == 200  # a stranger cannot lock them out cheaply
    # That success reset the count; now an attacker spreads guesses over many addresses.
    for attempt in range(settings.AXES_ACCOUNT_FAILURE_LIMIT):
        api_token(APIClient(REMOTE_ADDR=f"198.51.100.{10 + attempt}"), "SP_lock2", "wrong-password")
    assert api_token(APIClient(REMOTE_ADDR="192.0.2.51"), "sp_lock2", PASSWORD).status_code == 429
    elsewhere = Client(REMOTE_ADDR="192.0.2.52")
    assert_web_lockout(web_login(elsewhere, "sp_lock2@example.org", PASSWORD))
    assert not web_signed_in(elsewhere)


def test_the_locked_out_answer_does_not_reveal_the_username_behind_an_address(locked_user):
    fail_five_times_on_the_api(APIClient(), "sp_lock2@example.org")
    response = web_login(Client(), "sp_lock2@example.org", PASSWORD, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code == 429 and "too many login attempts" in response.json()["detail"]
    assert "sp_lock2" not in response.content.decode().replace("sp_lock2@example.org", "")


@pytest.mark.parametrize(
    ("credentials", "expected"),
    [
        ({"username": "sp_lock2"}, "sp_lock2"),
        ({"username": "SP_LOCK2"}, "sp_lock2"),
        ({"username": "  Sp_Lock2 "}, "sp_lock2"),
        ({"username": "sp_lock2@example.org", "email": "sp_lock2@example.org"}, "sp_lock2"),
        ({"email": "SP_LOCK2@EXAMPLE.ORG"}, "sp_lock2"),
        ({"username": "Nobody-Here"}, "nobody-here"),
        ({"username": "ghost@Example.org"}, "ghost@example.org"),
        ({"username": "sp_lock2\x00"}, "sp_lock2"),
        ({"username": "x" * 10_000}, "x" * 255),
        ({"username": ""}, None),
        ({}, None),
    ],
)
def test_every_identifier_is_counted_under_its_accounts_username(locked_user, credentials, expected):
    assert canonical_username(None, credentials) == expected


def test_accounts_whose_names_differ_only_in_case_share_one_key_so_none_dodges_the_lock(locked_user):
    """`Twin` and `twin` can both exist (Django's user model allows it): every spelling counts under `twin`."""
    make_user("Twin")
    make_user("twin")
    assert {canonical_username(None, {"username": name}) for name in ("TWIN", "Twin", "twin")} == {"twin"}
