"""What every benchmark needs: a throw-away database, Django, real Celery workers, photos.

The benchmark database is created fresh on the same PostgreSQL server the site uses
(the embedded one unless DATABASE_URL is set), migrated, and dropped at the end, so a
benchmark never touches the development data. Workers are real `celery worker` processes
on Redis (redis://127.0.0.1:6379/14 unless BENCH_REDIS_URL is set), on a queue of their own.
"""

from __future__ import annotations

import io
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image as PILImage

ROOT = Path(__file__).resolve().parent.parent
FACES = ROOT / "tests" / "data" / "faces"
DOC = ROOT / "docs" / "benchmarks.md"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def server_url() -> str:
    """The PostgreSQL server to create the benchmark database on."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from oversight.embedded_db import embedded_database_url

    var = Path(os.environ.get("OVERSIGHT_VAR_DIR", ROOT / "var"))
    return embedded_database_url(var / "pgdata")


def _with_dbname(url: str, name: str) -> str:
    return re.sub(r"^(postgres(?:ql)?://[^/]*/)[^?]*", lambda m: m.group(1) + name, url)


@contextmanager
def bench_environment(label: str, broker: str = "redis") -> Iterator[dict[str, str]]:
    """Create a database, point this process (and the workers it starts) at it, migrate.

    Yields the environment for worker processes. Django is set up inside; on exit the
    database, the media folder and the Redis queue are removed. `broker="filesystem"` uses
    the embedded default's `filesystem://` broker instead, in a folder of its own.
    """
    import psycopg

    base = server_url()
    name = f"oversight_bench_{label}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    media = tempfile.mkdtemp(prefix=f"bench-{label}-media-")
    queue = f"oversight-bench-{label}-{uuid.uuid4().hex[:8]}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
        "DATABASE_URL": _with_dbname(base, name),
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_REDIS_KEY_PREFIX": f"{queue}:",  # its own keys on a Redis others may share
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MEDIA_ROOT": media,
        "DJANGO_SETTINGS_MODULE": "oversight.settings",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    if broker == "filesystem":
        # The broker's folders live under OVERSIGHT_VAR_DIR; the database is DATABASE_URL's.
        env.update(CELERY_BROKER_URL="filesystem://", OVERSIGHT_VAR_DIR=tempfile.mkdtemp(prefix=f"bench-{label}-var-"))
    os.environ.update(env)
    try:
        import django

        django.setup()
        import logging

        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)  # eager tasks log every run
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        yield env
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        import shutil

        shutil.rmtree(media, ignore_errors=True)
        if broker == "filesystem":
            shutil.rmtree(env["OVERSIGHT_VAR_DIR"], ignore_errors=True)
        try:
            import redis

            client = redis.Redis.from_url(REDIS_URL)
            keys = list(client.scan_iter(match=f"{queue}:*"))
            if keys:
                client.delete(*keys)
        except Exception:
            pass


def require_redis() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        raise SystemExit(f"Redis is not available at {REDIS_URL}: {exc}") from None


class Worker:
    """One real `celery worker` (prefork) in its own process group; tests use it too."""

    def __init__(self, env: dict[str, str], log: Path, cpus: set[int] | None = None, concurrency: int = 1) -> None:
        self.env, self.log, self.cpus, self.concurrency = env, log, cpus, concurrency
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> Worker:
        cpus = self.cpus
        # The child inherits its own copy of the log descriptor; the parent's copy can close at once.
        with open(self.log, "ab") as handle:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "oversight",
                    "worker",
                    "--loglevel=INFO",
                    f"--concurrency={self.concurrency}",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-Q",
                    self.env["CELERY_TASK_DEFAULT_QUEUE"],
                    "-n",
                    f"bench-{uuid.uuid4().hex[:6]}@%h",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if b" ready." in self.log.read_bytes():
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log.read_text()[-3000:]}")
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"worker did not start: {self.log.read_text()[-3000:]}")

    def task_runtimes(self) -> list[float]:
        """Seconds each process_image task took, from the worker's own log, in order."""
        text = self.log.read_text(errors="replace")
        return [float(s) for s in re.findall(r"process_image\[[^\]]+\] succeeded in ([0-9.e-]+)s", text)]

    def kill(self) -> None:
        """SIGKILL the whole worker: no chance to acknowledge, requeue or clean up."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def variant(data: bytes, seed: int, *, megapixels: float | None = None) -> bytes:
    """A slightly different photo (crop, resize, re-encode) so SHA-256 de-duplication
    treats it as new; `megapixels` resizes it to about that many pixels."""
    rng = random.Random(seed)
    with PILImage.open(io.BytesIO(data)) as im:
        im = im.convert("RGB")
        w, h = im.size
        left, top = rng.randint(0, max(1, w // 50)), rng.randint(0, max(1, h // 50))
        right, bottom = w - rng.randint(0, max(1, w // 50)), h - rng.randint(0, max(1, h // 50))
        im = im.crop((left, top, right, bottom))
        if megapixels:
            scale = (megapixels * 1e6 * rng.uniform(0.95, 1.05) / (im.width * im.height)) ** 0.5
            im = im.resize((round(im.width * scale), round(im.height * scale)), PILImage.LANCZOS)
        out = io.BytesIO()
        im.save(out, "JPEG", quality=rng.randint(88, 94))
        return out.getvalue()


def manifest() -> list[dict[str, str]]:
    import csv

    with open(FACES / "MANIFEST.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def percentile(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(values, q)) if values else float("nan")


def machine_note() -> str:
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    return f"{os.cpu_count()} CPUs; load average (1, 5, 15 min) at the end of the run: {load}"


def replace_section(heading: str, body: str, path: Path = DOC) -> None:
    """Replace the `## heading` section of the report (or append it), keeping the others.

    The generated text ends at the next heading of any level: hand-written `###` subsections
    under a generated section (a before/after comparison, say) survive a re-run.
    """
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    section = f"{heading}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^##+ |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def allowed_department(slug: str = "bench"):
    from departments.models import Department

    department = Department.objects.create(name=f"Benchmark {slug}", slug=slug, state="WA")
    Department.objects.filter(pk=department.pk).update(facial_recognition_allowed=True)
    department.refresh_from_db()
    return department


def analyze() -> None:
    """Refresh the planner's statistics, as autovacuum would on a database in use.

    Right after a bulk load the planner believes the tables are nearly empty and may
    nest-loop the gallery search instead of using the HNSW index (2 s instead of 12 ms
    per search at 5,000 gallery faces, measured here).
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def build_gallery(department, only: tuple[str, ...] = ()) -> dict[str, object]:
    """The first photo of each identity with several (or of `only` those), processed
    in-process and identified by a person (face_identify) so it enters the gallery.
    Returns identity -> Officer."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from departments.models import Officer
    from faces import services
    from faces.services.review import face_identify
    from oversight.celery import app

    rows = [r for r in manifest() if r["num_faces"] == "1" and r["identity"] not in ("group", "none")]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["identity"]] = counts.get(r["identity"], 0) + 1
    officers: dict[str, object] = {}
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        for r in rows:
            who = r["identity"]
            if counts[who] < 2 or who in officers or (only and who not in only):
                continue
            officer = Officer.objects.create(
                department=department, first_name=who, last_name="Bench", badge_number=str(len(officers) + 1)
            )
            result = services.image_create(
                upload=SimpleUploadedFile(r["file"], (FACES / r["file"]).read_bytes()), department=department
            )
            face = result.image.faces.get()
            face_identify(face, officer=officer, actor=None, use_for_recognition=True)
            officers[who] = officer
    finally:
        app.conf.task_always_eager = eager
    return officers
