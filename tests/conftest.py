"""Shared fixtures: departments, the five users every access test uses, photos on disk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from departments.models import Department, Officer
from tests import factories

DATA = Path(__file__).parent / "data"
FACES = DATA / "faces"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """A test database per pytest process: several runs may share the embedded server."""
    from pytest_django.fixtures import _set_suffix_to_test_databases

    _set_suffix_to_test_databases(suffix=f"p{os.getpid()}")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache: one test's uploads must not throttle the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 is slow on purpose; tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    """Each test stores files under its own temporary folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media"), "base_url": "/media/"},
        },
    }
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Unit tests run tasks in-process; integration tests start a real worker instead."""
    from oversight.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def photo(name: str) -> bytes:
    return (FACES / name).read_bytes()


@pytest.fixture
def allowed_department(db) -> Department:
    return factories.allowed_department(name="Springfield Police Department", slug="springfield")


@pytest.fixture
def disallowed_department(db) -> Department:
    return factories.disallowed_department(name="Riverside Sheriff", slug="riverside")


@pytest.fixture
def illinois_department(db) -> Department:
    return factories.illinois_department(name="Chicago Police Department", slug="chicago")


@pytest.fixture
def officer(allowed_department) -> Officer:
    return factories.officer(allowed_department, first_name="Jordan", last_name="Avery", badge_number="1001")


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("admin", "admin@example.org", "admin-pass-123")


# --- The users every access test runs as -------------------------------------------------
make_user = factories.user  # the name the tests import from here


@pytest.fixture
def other_department(db) -> Department:
    return factories.allowed_department(name="Salem Police Department", slug="salem")


@pytest.fixture
def users(allowed_department, other_department) -> dict:
    """anonymous (None), member, volunteer, coordinator (of allowed_department),
    other_coordinator (of other_department), admin, disabled (a volunteer whose account is off)."""
    return {
        "anonymous": None,
        "member": make_user("member"),
        "volunteer": make_user("volunteer", role="volunteer"),
        "coordinator": make_user("coordinator", role="coordinator", department=allowed_department),
        "other_coordinator": make_user("other_coordinator", role="coordinator", department=other_department),
        "admin": make_user("administrator", role="administrator"),
        "disabled": make_user("disabled", role="volunteer", active=False),
    }


def client_for(user):
    """A Django test client logged in as `user` (None: anonymous)."""
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user)
    return client
