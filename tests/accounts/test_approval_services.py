"""accounts.services: approving and declining new accounts, from the queue and from the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts import roles, services
from accounts.models import MembershipDecision, Profile, Role
from oversight.exceptions import Conflict, DomainError, NotPermitted
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(db):
    user = factories.user("waiting")
    Profile.objects.create(user=user, role=Role.VOLUNTEER, approved=False)
    return get_user_model().objects.get(pk=user.pk)


@pytest.mark.parametrize("role", ["member", "volunteer", "disabled"])
@pytest.mark.parametrize("service", [services.member_approve, services.member_decline])
def test_it_refuses_actors_who_are_neither_coordinators_nor_administrators(users, waiting, role, service):
    with pytest.raises(NotPermitted):
        service(waiting, actor=users[role])
    assert Profile.objects.get(user=waiting).approved is False
    assert not MembershipDecision.objects.exists()


def test_it_refuses_an_unapproved_account_approving_another(waiting):
    other = factories.user("other")
    Profile.objects.create(user=other, role=Role.VOLUNTEER, approved=False)
    with pytest.raises(NotPermitted):
        services.member_approve(other, actor=waiting)


def test_its_refusals_are_domain_errors_with_an_http_status(users, waiting):
    services.member_approve(waiting, actor=users["coordinator"])
    with pytest.raises(Conflict) as refused:
        services.member_decline(waiting, actor=users["admin"])
    assert isinstance(refused.value, DomainError) and refused.value.status == 409
    assert refused.value.code == "not_pending"


def test_an_account_without_a_profile_is_not_waiting(users):
    bare = factories.user("bare")
    with pytest.raises(Conflict):
        services.member_approve(bare, actor=users["admin"])


def test_the_admin_bulk_approval_is_audited_too(users, waiting, admin_user):
    client = Client()
    client.force_login(admin_user)
    client.post(
        reverse("admin:accounts_profile_changelist"), {"action": "approve", "_selected_action": [waiting.profile.pk]}
    )
    assert roles.role_of(get_user_model().objects.get(pk=waiting.pk)) == Role.VOLUNTEER
    record = MembershipDecision.objects.get()
    assert (record.kind, record.member, record.actor) == (MembershipDecision.Kind.APPROVE, waiting, admin_user)


def test_the_admin_lists_the_record_read_only(users, waiting, admin_user):
    services.member_approve(waiting, actor=users["coordinator"])
    client = Client()
    client.force_login(admin_user)
    page = client.get(reverse("admin:accounts_membershipdecision_changelist"))
    assert page.status_code == 200 and "coordinator" in page.content.decode()
    assert client.get(reverse("admin:accounts_membershipdecision_add")).status_code == 403


def test_the_record_survives_the_deletion_of_both_accounts(users, waiting):
    services.member_approve(waiting, actor=users["coordinator"])
    waiting.delete()
    users["coordinator"].delete()
    record = MembershipDecision.objects.get()
    assert (record.member, record.actor) == (None, None)
    assert str(record) == "coordinator: Approved as a volunteer waiting"
