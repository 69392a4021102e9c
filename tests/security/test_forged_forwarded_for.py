"""A forged X-Forwarded-For buys nothing (issue 12, finding 5).

Anonymous limits (API uploads, the /submit/ form, anything that runs a gallery search) and
the login lockout all tell clients apart by `oversight.client_ip.client_ip`: with
NUM_PROXIES = 0 the header is ignored, with N proxies only the Nth address from the right
(the one our outermost proxy saw) counts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from itertools import count
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from faces import throttles
from oversight.client_ip import client_ip
from tests import factories
from tests.api.conftest import API
from tests.conftest import make_user, photo

ROOT = Path(__file__).resolve().parents[2]
_fresh = count(1)
PHOTOS = ["obama_1.jpg", "obama_2.jpg", "biden_1.jpg", "biden_2.jpg", "kit_harington_1.jpg", "kit_harington_2.jpg"]


def fresh_forwarded_for() -> dict[str, str]:
    """A new address per request, as the attacker sent it."""
    return {"HTTP_X_FORWARDED_FOR": f"203.0.113.{next(_fresh) % 250 + 1}"}


@pytest.mark.parametrize(
    ("num_proxies", "remote_addr", "forwarded_for", "expected"),
    [
        (0, "192.0.2.1", None, "192.0.2.1"),
        (0, "192.0.2.1", "203.0.113.9", "192.0.2.1"),  # nobody vouches for the header
        (0, "192.0.2.1", "203.0.113.9, 198.51.100.4", "192.0.2.1"),
        (1, "10.0.0.2", "203.0.113.9", "203.0.113.9"),
        (1, "10.0.0.2", "1.2.3.4, 203.0.113.9", "203.0.113.9"),  # the left part is the client's claim
        (1, "10.0.0.2", " 1.2.3.4 ,  203.0.113.9 ", "203.0.113.9"),
        (2, "10.0.0.2", "1.2.3.4, 203.0.113.9, 10.0.0.3", "203.0.113.9"),
        (2, "10.0.0.2", "203.0.113.9", "203.0.113.9"),  # fewer entries than proxies: DRF's rule
        (1, "10.0.0.2", None, "10.0.0.2"),
        (1, "10.0.0.2", "", "10.0.0.2"),
        (1, "10.0.0.2", "not-an-address", "10.0.0.2"),  # garbage never reaches an inet column
        (1, "10.0.0.2", "2001:db8::1", "2001:db8::1"),
        (0, "", None, "0.0.0.0"),
    ],
)
def test_the_client_is_the_address_our_own_proxies_vouch_for(
    settings, num_proxies, remote_addr, forwarded_for, expected
):
    settings.NUM_PROXIES = num_proxies
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    assert client_ip(RequestFactory().get("/", **headers)) == expected


def test_the_api_and_the_helper_trust_the_same_number_of_proxies(settings):
    assert settings.NUM_PROXIES == 0  # the default: nothing in front of the site
    assert api_settings.NUM_PROXIES == settings.NUM_PROXIES


def _settings_with(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OVERSIGHT_", "DJANGO_"))}
    # An external URL keeps the import from starting the embedded server; nothing connects.
    clean.update(DATABASE_URL="postgres://nobody@127.0.0.1:1/none", OVERSIGHT_VAR_DIR=str(tmp_path), **env)
    code = "import oversight.settings as s; print(s.NUM_PROXIES, s.REST_FRAMEWORK['NUM_PROXIES'])"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_the_number_of_proxies_comes_from_the_environment_and_serves_drf_too(tmp_path):
    assert _settings_with(tmp_path).stdout.split()[-2:] == ["0", "0"]
    assert _settings_with(tmp_path, OVERSIGHT_NUM_PROXIES="2").stdout.split()[-2:] == ["2", "2"]
    refused = _settings_with(tmp_path, OVERSIGHT_NUM_PROXIES="-1")
    assert refused.returncode != 0 and "OVERSIGHT_NUM_PROXIES must be 0 or more" in refused.stderr


def _api_upload(client: APIClient, department, name: str, **headers):
    file = SimpleUploadedFile(name, photo(name), content_type="image/jpeg")
    return client.post(f"{API}images/", {"file": file, "department": department.pk}, format="multipart", **headers)


def _form_upload(client: Client, department, name: str, **headers):
    return client.post(
        reverse("submit"), {"department": department.pk, "photos": [SimpleUploadedFile(name, photo(name))]}, **headers
    )


UPLOADERS = {"api": (APIClient, _api_upload), "form": (Client, _form_upload)}


@pytest.mark.parametrize("surface", sorted(UPLOADERS))
def test_anonymous_uploads_stay_throttled_with_a_fresh_forwarded_for_each_time(
    db, allowed_department, monkeypatch, surface
):
    monkeypatch.setattr(throttles.AnonUploadThrottle, "rate", "2/hour", raising=False)
    make_client, upload = UPLOADERS[surface]
    client = make_client()
    assert [upload(client, allowed_department, PHOTOS[i]).status_code < 400 for i in range(2)] == [True, True]
    for name in PHOTOS[2:]:
        response = upload(client, allowed_department, name, **fresh_forwarded_for())
        assert response.status_code == 429 and int(response["Retry-After"]) > 0


@pytest.mark.parametrize("surface", sorted(UPLOADERS))
def test_behind_one_proxy_the_right_most_forwarded_address_is_the_client(
    db, allowed_department, monkeypatch, settings, surface
):
    settings.NUM_PROXIES = 1
    monkeypatch.setattr(throttles.AnonUploadThrottle, "rate", "1/hour", raising=False)
    make_client, upload = UPLOADERS[surface]
    client = make_client(REMOTE_ADDR="10.0.0.2")  # our proxy
    assert upload(client, allowed_department, PHOTOS[0], HTTP_X_FORWARDED_FOR="198.51.100.7").status_code < 400
    # The same client prepending made-up addresses is still the same client.
    for forged in ("203.0.113.1, 198.51.100.7", "203.0.113.2,198.51.100.7"):
        assert upload(client, allowed_department, PHOTOS[1], HTTP_X_FORWARDED_FOR=forged).status_code == 429
    # Another client behind the same proxy has its own allowance.
    assert upload(client, allowed_department, PHOTOS[2], HTTP_X_FORWARDED_FOR="198.51.100.8").status_code < 400


def _api_box(client, image, **headers):
    box = {"box": {"x": 100, "y": 100, "w": 80, "h": 80}}
    return client.post(f"{API}images/{image.pk}/faces/", box, format="json", **headers)


def _form_box(client, image, **headers):
    return client.post(
        reverse("face_create", kwargs={"image_id": image.pk}), {"x": 100, "y": 100, "w": 80, "h": 80}, **headers
    )


@pytest.mark.parametrize(
    ("surface", "make_client", "draw"), [("api", APIClient, _api_box), ("form", Client, _form_box)]
)
def test_gallery_searches_stay_throttled_with_a_fresh_forwarded_for_each_time(
    allowed_department, monkeypatch, surface, make_client, draw
):
    monkeypatch.setattr(throttles.RecognitionThrottle, "rate", "1/hour", raising=False)
    image = factories.image(allowed_department, "obama_1.jpg")
    client = make_client()
    assert draw(client, image).status_code < 400
    for _ in range(3):
        assert draw(client, image, **fresh_forwarded_for()).status_code == 429


def test_behind_one_proxy_gallery_searches_count_per_right_most_address(allowed_department, monkeypatch, settings):
    settings.NUM_PROXIES = 1
    monkeypatch.setattr(throttles.RecognitionThrottle, "rate", "1/hour", raising=False)
    image = factories.image(allowed_department, "obama_1.jpg")
    client = APIClient(REMOTE_ADDR="10.0.0.2")
    assert _api_box(client, image, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code < 400
    assert _api_box(client, image, HTTP_X_FORWARDED_FOR="203.0.113.5, 198.51.100.7").status_code == 429
    assert _api_box(client, image, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code < 400


def test_a_forged_forwarded_for_neither_escapes_nor_resets_a_lockout(db):
    make_user("sp_lock3", role="volunteer")
    client = APIClient()
    for _ in range(5):
        client.post(
            f"{API}auth/token/",
            {"username": "sp_lock3", "password": "wrong"},
            format="json",
            **fresh_forwarded_for(),
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}
    response = client.post(
        f"{API}auth/token/",
        {"username": "sp_lock3", "password": "pass-for-tests-1"},
        format="json",
        **fresh_forwarded_for(),
    )
    assert response.status_code == 429


def test_behind_one_proxy_the_lockout_records_the_right_most_address(db, settings):
    settings.NUM_PROXIES = 1
    make_user("sp_lock4", role="volunteer")
    client = APIClient(REMOTE_ADDR="10.0.0.2")
    for forged in ("203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4", "203.0.113.5"):
        client.post(
            f"{API}auth/token/",
            {"username": "sp_lock4", "password": "wrong"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"{forged}, 198.51.100.9",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.9"}
    response = client.post(
        f"{API}auth/token/",
        {"username": "sp_lock4", "password": "pass-for-tests-1"},
        format="json",
        HTTP_X_FORWARDED_FOR="203.0.113.99, 198.51.100.9",
    )
    assert response.status_code == 429
