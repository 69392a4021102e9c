import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_axes(db):
    """Lockouts and rate limits are remembered; start each test with none."""
    from axes.models import AccessAttempt, AccessFailureLog
    from django.core.cache import cache

    AccessAttempt.objects.all().delete()
    AccessFailureLog.objects.all().delete()
    cache.clear()  # allauth's rate limits (e.g. one confirmation email per address per 3 min) live here
