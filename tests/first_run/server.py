"""The site started the way `make run` starts it: `manage.py runserver HOST:PORT --noreload`.

Same command, same settings module, DEBUG off, nothing collected beforehand. Only what
must differ for a test differs: a free port, the pytest process's test database (so the
test can create what the pages show), and a scratch var/ directory (static root, broker,
secret key) so nothing depends on, or lands in, the developer's var/.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
# The exact words of the Makefile's run target (checked by test_make_run_serves_static).
RUNSERVER = ["manage.py", "runserver", "{host}:{port}", "--noreload"]
MAKEFILE_RUNSERVER = "$(PY) manage.py runserver $(HOST):$(PORT) --noreload"
WORKER = ["-A", "oversight", "worker", "--beat", "--loglevel=INFO", "--concurrency=1", "--schedule={schedule}"]
MAKEFILE_WORKER = "$(VENV)/bin/celery -A oversight worker --beat --loglevel=INFO --concurrency=1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tests_database_url() -> str:
    """The URL of the database this pytest process uses (the embedded server's socket or TCP)."""
    s = connection.settings_dict
    host = s["HOST"] or s.get("OPTIONS", {}).get("host", "")
    if host.startswith("/"):
        return f"postgresql://{s['USER']}:{s['PASSWORD'] or ''}@/{s['NAME']}?host={host}"
    return f"postgresql://{s['USER']}:{s['PASSWORD'] or ''}@{host}:{s['PORT'] or 5432}/{s['NAME']}"


def site_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The developer's environment as `make run` sees it, minus what pytest added."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "DJANGO_", "OVERSIGHT_", "STATIC_", "MEDIA_", "CELERY_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "oversight.settings",  # manage.py's default
            "OVERSIGHT_VAR_DIR": str(var_dir),
            # The same key as this process, so a session made here is valid there.
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "DATABASE_URL": tests_database_url(),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


@dataclass
class Site:
    url: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@contextlib.contextmanager
def running_site(var_dir: Path, **extra_env: str) -> Iterator[Site]:
    """Start runserver as `make run` does and wait until it answers; stop it afterwards."""
    var_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = var_dir / f"runserver-{port}.log"
    command = [sys.executable, *(part.format(host="127.0.0.1", port=port) for part in RUNSERVER)]
    with open(log, "w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=site_env(var_dir, **extra_env), stdout=out, stderr=subprocess.STDOUT
        )
    site = Site(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"runserver exited with {process.returncode}:\n{site.output()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"runserver did not answer within 90 s:\n{site.output()}") from None
                time.sleep(0.2)
        yield site
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def running_worker(var_dir: Path, **extra_env: str) -> Iterator[subprocess.Popen]:
    """The Celery worker (with beat) `make run` starts beside the server, on the same var/."""
    var_dir.mkdir(parents=True, exist_ok=True)
    celery = Path(sys.executable).with_name("celery")
    command = [str(celery), *(part.format(schedule=var_dir / "celerybeat-schedule") for part in WORKER)]
    with open(var_dir / "worker.log", "w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=site_env(var_dir, **extra_env), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 90
        while "ready." not in (var_dir / "worker.log").read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (var_dir / "worker.log").read_text(errors="replace")[-4000:]
                raise RuntimeError(f"the Celery worker did not start:\n{log}")
            time.sleep(0.3)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def fetch(url: str, cookie: str = "") -> tuple[int, str, bytes]:
    """(status, content type, body) without raising on 4xx/5xx."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


class AssetParser(HTMLParser):
    """Collects every <link rel=stylesheet href> and <script src> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.stylesheets: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "link" and "stylesheet" in (attributes.get("rel") or "").lower().split() and attributes.get("href"):
            self.stylesheets.append(attributes["href"] or "")
        if tag == "script" and attributes.get("src"):
            self.scripts.append(attributes["src"] or "")


def assets_of(html: str) -> AssetParser:
    parser = AssetParser()
    parser.feed(html)
    return parser
