"""API fixtures: token clients for every role, a photo with a face and a pending suggestion."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from faces.models import Face, MatchSuggestion
from tests import factories
from tests.conftest import photo

API = "/api/v1/"
ROLES = ["anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin", "disabled"]
VECTOR = [0.01 * (i % 7) for i in range(128)]


# The fast password hasher and the cleared throttle cache come from tests/conftest.py (autouse).


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


@pytest.fixture
def image(allowed_department):
    """A stored photo, not processed (its on_commit task never runs inside a test transaction)."""
    return factories.image(allowed_department, "obama_1.jpg")


@pytest.fixture
def face(image) -> Face:
    return factories.face(image)


@pytest.fixture
def suggestion(face, officer) -> MatchSuggestion:
    return factories.suggestion(face, officer)


def error_body_ok(response) -> bool:
    body = response.json()
    return set(body) == {"detail", "errors", "code"} and isinstance(body["detail"], str) and body["detail"]
