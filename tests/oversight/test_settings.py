"""Settings: the embedded default with no environment, and DATABASE_URL for an external server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL_URL = os.environ.get("EXTERNAL_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "CELERY_", "STORAGE_BACKEND", "DJANGO_", "PYTEST_", "OVERSIGHT_"))
    }
    env.update(extra)
    return env


def run(args: list[str], env: dict[str, str], timeout: int = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def test_the_app_starts_on_the_embedded_default_with_no_environment(tmp_path):
    var = tmp_path / "var"
    env = clean_env(OVERSIGHT_VAR_DIR=str(var))
    try:
        migrate = run(["manage.py", "migrate", "--noinput"], env)
        assert migrate.returncode == 0, migrate.stderr[-2000:]
        probe = run(
            [
                "manage.py",
                "shell",
                "-c",
                "from django.db import connection as c; c.ensure_connection();"
                "cur=c.cursor(); cur.execute(\"select extversion from pg_extension where extname='vector'\");"
                "print('VECTOR', cur.fetchone()[0]); cur.execute('show data_directory');"
                "print('DATADIR', cur.fetchone()[0]); cur.execute('show shared_buffers');"
                "print('SHARED_BUFFERS', cur.fetchone()[0])",
            ],
            env,
        )
        assert probe.returncode == 0, probe.stderr[-2000:]
        assert "VECTOR 0.8" in probe.stdout
        assert f"DATADIR {var / 'pgdata'}" in probe.stdout
        assert "SHARED_BUFFERS 512MB" in probe.stdout  # the search's graph fits (oversight/embedded_db.py)
        assert (var / "pgdata" / "PG_VERSION").exists()
        assert (var / "secret_key").exists()
    finally:
        run(
            [
                "-c",
                "from pathlib import Path; from oversight.embedded_db import stop_embedded_database as s;"
                f"s(Path({str(var / 'pgdata')!r}))",
            ],
            env,
        )


def _external_server_with_pgvector() -> str | None:
    try:
        with psycopg.connect(EXTERNAL_URL, connect_timeout=3) as conn:
            row = conn.execute("select 1 from pg_available_extensions where name = 'vector'").fetchone()
    except psycopg.Error as exc:
        return f"no external PostgreSQL at {EXTERNAL_URL}: {exc}"
    if row is None:
        return "the external PostgreSQL has no pgvector (scripts/install-system-pgvector.sh builds it)"
    return None


def test_database_url_points_the_whole_app_at_an_external_server():
    why_not = _external_server_with_pgvector()
    if why_not:
        pytest.skip(why_not)
    env = clean_env(DATABASE_URL=EXTERNAL_URL)
    # Run a real test module (the policy's, which touches every table it guards) there.
    result = run(
        [
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:xdist",
            "-p",
            "no:cacheprovider",
            "--create-db",
            "tests/departments/test_policy.py",
        ],
        env,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
    probe = run(
        ["manage.py", "shell", "-c", "from django.db import connection as c; print('PORT', c.settings_dict['PORT'])"],
        env,
    )
    assert "PORT 5432" in probe.stdout, probe.stderr[-2000:]


def test_a_non_postgres_database_url_is_refused():
    result = run(["manage.py", "check"], clean_env(DATABASE_URL="sqlite:///tmp/x.db"))
    assert result.returncode != 0
    assert "must point at PostgreSQL" in result.stderr


@pytest.mark.parametrize(
    "role,shown", [("anonymous", False), ("member", False), ("volunteer", True), ("admin", True), ("disabled", False)]
)
def test_the_navigation_offers_review_only_to_volunteers(role, shown, users):
    from tests.conftest import client_for

    page = client_for(users[role]).get("/")
    assert page.status_code == 200
    assert (b'href="/review/"' in page.content) is shown


def test_the_embedded_servers_tuning_file_is_included_once_and_rewritten_on_change(tmp_path):
    from oversight.embedded_db import TUNING_FILE, write_tuning

    (tmp_path / "postgresql.conf").write_text("port = 5432\n")
    write_tuning(tmp_path, shared_buffers="1GB")
    write_tuning(tmp_path, shared_buffers="256MB")
    assert (tmp_path / "postgresql.conf").read_text().count(f"include_if_exists = '{TUNING_FILE}'") == 1
    assert "shared_buffers = '256MB'" in (tmp_path / TUNING_FILE).read_text()
    write_tuning(tmp_path)
    assert "shared_buffers = '512MB'" in (tmp_path / TUNING_FILE).read_text()


@pytest.mark.parametrize("value", ["lots", "512", "1GB'; fsync = off; '", "-1MB"])
def test_a_shared_buffers_value_that_is_not_a_size_is_refused(tmp_path, value):
    from oversight.embedded_db import write_tuning

    (tmp_path / "postgresql.conf").write_text("")
    with pytest.raises(ValueError, match="EMBEDDED_DB_SHARED_BUFFERS"):
        write_tuning(tmp_path, shared_buffers=value)


def test_the_embedded_database_starts_from_a_checkout_too_deep_for_a_unix_socket_path(tmp_path):
    var = tmp_path / ("deep-" * 12) / "var"  # the socket path would exceed 107 bytes
    env = clean_env(OVERSIGHT_VAR_DIR=str(var))
    env.pop("XDG_RUNTIME_DIR", None)
    try:
        probe = run(
            [
                "manage.py",
                "shell",
                "-c",
                "from django.db import connection as c; c.ensure_connection(); print('CONNECTED')",
            ],
            env,
        )
        assert "CONNECTED" in probe.stdout, probe.stderr[-2000:]
    finally:
        run(
            [
                "-c",
                "from pathlib import Path; from oversight.embedded_db import stop_embedded_database as s;"
                f"s(Path({str(var / 'pgdata')!r}))",
            ],
            env,
        )
