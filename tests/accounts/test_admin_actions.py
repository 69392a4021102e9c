"""Administrators disable, re-enable and approve people from the admin."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.conftest import client_for

User = get_user_model()


def _act(admin_user, action: str, users):
    client = Client()
    client.force_login(admin_user)
    return client.post(
        reverse("admin:auth_user_changelist"), {"action": action, "_selected_action": [u.pk for u in users]}
    )


def test_disabling_logs_the_person_out_of_the_dashboard_and_enabling_brings_them_back(admin_user, users):
    volunteer = users["volunteer"]
    session = client_for(volunteer)
    assert session.get(reverse("review_dashboard")).status_code == 200
    assert _act(admin_user, "disable_users", [volunteer]).status_code == 302
    assert not User.objects.get(pk=volunteer.pk).is_active
    assert session.get(reverse("review_dashboard"))["Location"].startswith(reverse("account_login"))
    _act(admin_user, "enable_users", [volunteer])
    assert User.objects.get(pk=volunteer.pk).is_active
    assert client_for(User.objects.get(pk=volunteer.pk)).get(reverse("review_dashboard")).status_code == 200


def test_an_administrator_cannot_disable_themselves(admin_user, users):
    _act(admin_user, "disable_users", [admin_user, users["member"]])
    assert User.objects.get(pk=admin_user.pk).is_active
    assert not User.objects.get(pk=users["member"].pk).is_active


def test_only_staff_reach_the_actions(users):
    client = client_for(users["admin"])  # a reviewing administrator, not Django staff
    response = client.post(
        reverse("admin:auth_user_changelist"), {"action": "disable_users", "_selected_action": [users["volunteer"].pk]}
    )
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert User.objects.get(pk=users["volunteer"].pk).is_active
