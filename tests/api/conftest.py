"""API fixtures: token clients for every role, a photo with a face and a pending suggestion."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from faces.models import Face, MatchSuggestion
from faces.services.uploads import image_create
from tests.conftest import photo

API = "/api/v1/"
ROLES = ["anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin", "disabled"]
VECTOR = [0.01 * (i % 7) for i in range(128)]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Seven users per test: a fast hasher keeps the role tables quick (not a security test)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counters live in the cache, which outlives a test's database."""
    cache.clear()
    yield
    cache.clear()


def token_client(user) -> APIClient:
    """A client that authenticates with a real API token (None: anonymous)."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def clients(users) -> dict[str, APIClient]:
    return {role: token_client(user) for role, user in users.items()}


def upload_file(name: str, content: bytes | None = None, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, photo(name) if content is None else content, content_type=content_type)


def make_image(department, name: str = "obama_1.jpg"):
    """A stored photo, not processed (its on_commit task never runs inside a test transaction)."""
    return image_create(upload=upload_file(name), department=department).image


def make_face(image, *, x: int = 10, y: int = 10, w: int = 60, h: int = 60, **fields) -> Face:
    return Face.objects.create(image=image, x=x, y=y, w=w, h=h, source=Face.Source.USER, **fields)


@pytest.fixture
def image(allowed_department):
    return make_image(allowed_department)


@pytest.fixture
def face(image) -> Face:
    return make_face(image)


@pytest.fixture
def suggestion(face, officer) -> MatchSuggestion:
    return MatchSuggestion.objects.create(face=face, officer=officer, distance=0.42, rank=1)


def error_body_ok(response) -> bool:
    body = response.json()
    return set(body) == {"detail", "errors"} and isinstance(body["detail"], str) and body["detail"]
