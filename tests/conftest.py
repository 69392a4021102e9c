"""Shared fixtures: departments, the five users every access test uses, photos on disk."""
from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
import pytest

from departments.models import Department, JurisdictionRule, Officer

DATA = Path(__file__).parent / "data"
FACES = DATA / "faces"


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
    department = Department.objects.create(name="Springfield Police Department", slug="springfield", state="OR")
    Department.objects.filter(pk=department.pk).update(facial_recognition_allowed=True)
    department.refresh_from_db()
    return department


@pytest.fixture
def disallowed_department(db) -> Department:
    return Department.objects.create(name="Riverside Sheriff", slug="riverside", state="CA")


@pytest.fixture
def illinois_department(db) -> Department:
    JurisdictionRule.objects.get_or_create(
        state="IL", defaults={"recognition_forbidden": True, "legal_reason": "Illinois BIPA"}
    )
    return Department.objects.create(name="Chicago Police Department", slug="chicago", state="IL")


@pytest.fixture
def officer(allowed_department) -> Officer:
    return Officer.objects.create(
        department=allowed_department, first_name="Jordan", last_name="Avery", badge_number="1001"
    )


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("admin", "admin@example.org", "admin-pass-123")
