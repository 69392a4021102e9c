"""Reports are CAPTCHA-free but rate-limited: per account, or per address when anonymous."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from accountability.models import ProblemReport
from tests.conftest import client_for

LIMIT = 3


@pytest.fixture(autouse=True)
def _small_allowance(monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "reports": f"{LIMIT}/hour"}
    )


def _form(client, scene):
    return client.post(reverse("report_new"), {"image": scene.photo.pk, "kind": "other"})


def _api(client, scene):
    return client.post(
        reverse("api_report_create"), {"image": scene.photo.pk, "kind": "other"}, content_type="application/json"
    )


@pytest.mark.parametrize("role", ["anonymous", "member", "admin"])
@pytest.mark.parametrize("send", [_form, _api])
def test_the_report_over_the_limit_is_refused_clearly_and_not_stored(role, send, users, scene):
    client = client_for(users[role])
    for _ in range(LIMIT):
        assert send(client, scene).status_code in (201, 302)
    refused = send(client, scene)
    assert refused.status_code == 429
    assert "many reports" in refused.content.decode()
    assert int(refused["Retry-After"]) >= 1
    assert ProblemReport.objects.count() == LIMIT


def test_the_form_and_the_api_share_one_allowance(client, scene):
    for _ in range(LIMIT - 1):
        _form(client, scene)
    assert _api(client, scene).status_code == 201
    assert _form(client, scene).status_code == 429
    assert _api(client, scene).status_code == 429
    assert ProblemReport.objects.count() == LIMIT


def test_a_throttled_form_goes_back_to_the_form_with_the_message(client, scene):
    for _ in range(LIMIT):
        _form(client, scene)
    form_url = f"{reverse('report_new')}?image={scene.photo.pk}"
    response = client.post(
        reverse("report_new"),
        {"image": scene.photo.pk, "kind": "other"},
        HTTP_REFERER=f"http://testserver{form_url}",
        follow=True,
    )
    assert "many reports" in response.content.decode()
    assert ProblemReport.objects.count() == LIMIT


def test_a_forged_forwarded_for_does_not_buy_a_new_allowance(client, scene):
    for n in range(LIMIT):
        client.post(
            reverse("report_new"), {"image": scene.photo.pk, "kind": "other"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"
        )
    response = client.post(
        reverse("report_new"), {"image": scene.photo.pk, "kind": "other"}, HTTP_X_FORWARDED_FOR="10.9.9.9"
    )
    assert response.status_code == 429


def test_signed_in_people_have_their_own_allowance(users, scene):
    for _ in range(LIMIT):
        _form(client_for(users["member"]), scene)
    assert _form(client_for(users["volunteer"]), scene).status_code == 302
