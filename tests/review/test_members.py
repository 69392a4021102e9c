"""The approval queue: a new account is a member until a coordinator or administrator approves it."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import roles
from accounts.models import MembershipDecision, Profile, Role
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db
PASSWORD = "a-Long-unusual-pass-19"
QUEUE = "/review/members/"


def _signed_up(username: str = "newcomer", *, confirm: bool = True) -> tuple[Client, object]:
    """Sign up through allauth's own form, confirm the address from the e-mail, log in."""
    client = Client()
    response = client.post(
        reverse("account_signup"),
        {"email": f"{username}@example.org", "username": username, "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    if confirm:
        link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+)", mail.outbox[-1].body).group(1)
        assert client.post(link).status_code == 302
        assert client.post(reverse("account_login"), {"login": username, "password": PASSWORD}).status_code == 302
    return client, get_user_model().objects.get(username=username)


@pytest.fixture
def pending(db):
    """An account waiting for approval, as a sign-up leaves it (address confirmed)."""
    user = factories.user("waiting")
    Profile.objects.create(user=user, role=Role.VOLUNTEER, approved=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


# --- Who may open the queue -----------------------------------------------------------------
@pytest.mark.parametrize(
    "role, expected",
    [
        ("anonymous", 302),
        ("member", 403),
        ("unapproved", 403),
        ("volunteer", 403),
        ("coordinator", 200),
        ("other_coordinator", 200),
        ("admin", 200),
        ("disabled", 302),
    ],
)
def test_only_coordinators_and_administrators_open_the_queue(users, pending, role, expected):
    user = pending if role == "unapproved" else users[role]
    response = client_for(user).get(QUEUE)
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    "role, expected",
    [
        ("anonymous", 302),
        ("member", 403),
        ("unapproved", 403),
        ("volunteer", 403),
        ("disabled", 302),
    ],
)
@pytest.mark.parametrize("action", ["approve", "decline"])
def test_nobody_else_can_approve_or_decline(users, pending, role, expected, action):
    other = factories.user("second")
    Profile.objects.create(user=other, role=Role.VOLUNTEER, approved=False)
    actor = pending if role == "unapproved" else users[role]
    response = client_for(actor).post(f"{QUEUE}{other.pk}/{action}/")
    assert response.status_code == expected
    assert Profile.objects.get(user=other).approved is False
    assert not MembershipDecision.objects.exists()


def test_the_dashboard_links_the_queue_for_coordinators_and_administrators_only(users):
    assert QUEUE in client_for(users["coordinator"]).get("/review/").content.decode()
    assert QUEUE in client_for(users["admin"]).get("/review/").content.decode()
    assert QUEUE not in client_for(users["volunteer"]).get("/review/").content.decode()


def test_the_queue_lists_waiting_accounts_with_sign_up_date_and_whether_the_address_is_confirmed(users, pending):
    unconfirmed = factories.user("unconfirmed")
    Profile.objects.create(user=unconfirmed, role=Role.VOLUNTEER, approved=False)
    page = client_for(users["coordinator"]).get(QUEUE).content.decode()
    assert "waiting" in page and "unconfirmed" in page
    assert pending.date_joined.strftime("%Y-%m-%d") in page
    assert "confirmed</span>" in page and "(not confirmed)" in page
    assert "volunteer@example.org" not in page  # approved people are not in the queue
    assert 'name="csrfmiddlewaretoken"' in page


# --- A fresh sign-up, before and after approval -------------------------------------------
def test_a_confirmed_sign_up_reaches_nothing_private_until_a_coordinator_approves_it(
    users, allowed_department, officer
):
    image = factories.image(allowed_department, "obama_1.jpg")
    face = factories.face(image)
    client, newcomer = _signed_up()
    token, _ = Token.objects.get_or_create(user=newcomer)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    identify = f"/api/v1/faces/{face.pk}/identify/"

    assert roles.role_of(newcomer) == Role.MEMBER
    assert client.get(reverse("image_original", args=[image.pk])).status_code == 403
    assert client.get("/review/").status_code == 403
    assert api.post(identify, {"officer": officer.pk}, format="json").status_code == 403
    face.refresh_from_db()
    assert face.officer_id is None

    coordinator = client_for(users["coordinator"])
    assert "newcomer" in coordinator.get(QUEUE).content.decode()
    response = coordinator.post(f"{QUEUE}{newcomer.pk}/approve/")
    assert response.status_code == 302 and response["Location"] == QUEUE

    assert client.get(reverse("image_original", args=[image.pk])).status_code == 200
    assert client.get("/review/").status_code == 200
    assert api.post(identify, {"officer": officer.pk}, format="json").status_code == 200
    assert newcomer.profile not in coordinator.get(QUEUE).context["pending"]


def test_approval_is_recorded_with_who_approved_whom_and_when(users, pending):
    client_for(users["admin"]).post(f"{QUEUE}{pending.pk}/approve/")
    record = MembershipDecision.objects.get()
    assert record.kind == MembershipDecision.Kind.APPROVE
    assert (record.member, record.actor) == (pending, users["admin"])
    assert (record.member_username, record.actor_username) == ("waiting", "administrator")
    assert record.created_at is not None
    profile = Profile.objects.get(user=pending)
    assert (profile.role, profile.approved) == (Role.VOLUNTEER, True)
    page = client_for(users["admin"]).get(QUEUE).content.decode()
    assert "administrator" in page and "Approved as a volunteer" in page


def test_a_declined_account_stays_a_member_and_leaves_the_queue(users, pending):
    client = client_for(pending)
    response = client_for(users["coordinator"]).post(f"{QUEUE}{pending.pk}/decline/")
    assert response.status_code == 302
    profile = Profile.objects.get(user=pending)
    assert (profile.role, profile.approved) == (Role.MEMBER, True)
    assert roles.role_of(pending) == Role.MEMBER
    assert client.get("/review/").status_code == 403
    record = MembershipDecision.objects.get()
    assert (record.kind, record.actor) == (MembershipDecision.Kind.DECLINE, users["coordinator"])
    page = client_for(users["coordinator"]).get(QUEUE).content.decode()
    assert "Nobody is waiting for approval." in page


def test_approval_makes_a_volunteer_never_more_whatever_the_profile_held(users, pending):
    Profile.objects.filter(user=pending).update(role=Role.ADMINISTRATOR)
    client_for(users["coordinator"]).post(f"{QUEUE}{pending.pk}/approve/")
    assert roles.role_of(get_user_model().objects.get(pk=pending.pk)) == Role.VOLUNTEER


# --- Hostile input --------------------------------------------------------------------------
@pytest.mark.parametrize("action", ["approve", "decline"])
def test_a_missing_account_is_a_404(users, action):
    response = client_for(users["admin"]).post(f"{QUEUE}999999/{action}/")
    assert response.status_code == 404
    assert not MembershipDecision.objects.exists()


@pytest.mark.parametrize("first, second", [("approve", "approve"), ("approve", "decline"), ("decline", "approve")])
def test_a_second_decision_is_refused_with_409(users, pending, first, second):
    coordinator = client_for(users["coordinator"])
    assert coordinator.post(f"{QUEUE}{pending.pk}/{first}/").status_code == 302
    response = coordinator.post(f"{QUEUE}{pending.pk}/{second}/")
    assert response.status_code == 409
    assert "not waiting for approval" in response.content.decode()
    assert MembershipDecision.objects.count() == 1


@pytest.mark.parametrize("target", ["volunteer", "member", "coordinator"])
def test_accounts_that_are_not_waiting_cannot_be_approved(users, target):
    before = roles.role_of(users[target])
    response = client_for(users["admin"]).post(f"{QUEUE}{users[target].pk}/approve/")
    assert response.status_code == 409
    assert roles.role_of(users[target]) == before
    assert not MembershipDecision.objects.exists()


def test_a_disabled_waiting_account_is_neither_listed_nor_approved(users, pending):
    get_user_model().objects.filter(pk=pending.pk).update(is_active=False)
    admin = client_for(users["admin"])
    assert not admin.get(QUEUE).context["pending"].exists()
    assert admin.post(f"{QUEUE}{pending.pk}/approve/").status_code == 409
    assert Profile.objects.get(user=pending).approved is False


def test_approving_needs_the_csrf_token(users, pending):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["admin"])
    assert client.post(f"{QUEUE}{pending.pk}/approve/").status_code == 403
    assert Profile.objects.get(user=pending).approved is False


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_decisions_are_posts_only(users, pending, method):
    response = getattr(client_for(users["admin"]), method)(f"{QUEUE}{pending.pk}/approve/")
    assert response.status_code == 405
    assert Profile.objects.get(user=pending).approved is False


@pytest.mark.parametrize("bad", ["abc", "-1", "1.5", "%00", "9" * 30])
def test_malformed_ids_are_refused(users, bad):
    assert client_for(users["admin"]).post(f"{QUEUE}{bad}/approve/").status_code in (400, 404)
