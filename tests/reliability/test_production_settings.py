"""Production mode passes `manage.py check --deploy` with no warning, and pages carry the CSP."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from django.test import Client

from tests.integration.conftest import ROOT


def production_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_", "OVERSIGHT_"))}
    env.update(
        {
            "OVERSIGHT_PRODUCTION": "true",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": "example.org",
            "DJANGO_SETTINGS_MODULE": "oversight.settings",
        }
    )
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_in_production_mode():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stderr[-3000:]
    assert "no issues" in result.stdout


def test_check_deploy_would_catch_a_development_configuration():
    env = production_env(OVERSIGHT_PRODUCTION="false")
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "security.W004" in result.stderr  # no HSTS outside production mode


def test_production_mode_needs_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0 and "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_mode_sets_secure_cookies_hsts_and_https():
    script = (
        "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SESSION_COOKIE_HTTPONLY, s.SECURE_CONTENT_TYPE_NOSNIFF, s.X_FRAME_OPTIONS, s.DEBUG)"
    )
    result = manage("shell", "-c", script, env=production_env())
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "True True True True True True True DENY False"


def test_pages_carry_a_strict_content_security_policy(db):
    for path in ("/", "/officers/", "/submit/", "/accounts/login/"):
        response = Client().get(path)
        assert response.status_code in (200, 302), path
        policy = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy and "object-src 'none'" in policy, (path, policy)
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
