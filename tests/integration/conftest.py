"""Real services: a Celery worker process against Redis on localhost and the test database.

Skipped, with the reason shown, only where Redis does not answer (CI has it).
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection

from benchmarks.env import Worker  # one way to run a real worker, for tests and benchmarks

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(scope="session")
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not available at {REDIS_URL}: {exc}")
    return REDIS_URL


def database_url() -> str:
    s = connection.settings_dict
    host = s["HOST"] or s.get("OPTIONS", {}).get("host", "")
    if host.startswith("/"):
        return f"postgresql://{s['USER']}:{s['PASSWORD'] or ''}@/{s['NAME']}?host={host}"
    return f"postgresql://{s['USER']}:{s['PASSWORD'] or ''}@{host}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def celery_on_redis(redis_url, settings, transactional_db, tmp_path):
    """Point this process's Celery producer and a worker factory at Redis and the test DB."""
    from oversight.celery import app

    queue = f"oversight-test-{uuid.uuid4().hex[:8]}"
    media = settings.STORAGES["default"]["OPTIONS"]["location"]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_VISIBILITY_TIMEOUT": "4",
        "CELERY_UNACKED_RESTORE_INTERVAL": "0.2",
        # Tests run side by side on one Redis: their own keys, unacknowledged tasks included.
        "CELERY_REDIS_KEY_PREFIX": f"{queue}:",
        "MEDIA_ROOT": str(media),
        "DJANGO_SETTINGS_MODULE": "oversight.settings",
    }
    saved = {
        k: app.conf[k] for k in ("broker_url", "task_default_queue", "task_always_eager", "broker_transport_options")
    }
    app.conf.update(
        broker_url=redis_url,
        task_default_queue=queue,
        task_always_eager=False,
        broker_transport_options={"visibility_timeout": 4, "global_keyprefix": f"{queue}:"},
    )
    app._pool = None  # the producer pool was built for the old broker
    app.amqp._producer_pool = None  # and so was this one (as Celery's own _after_fork resets)
    workers: list[Worker] = []

    def start_worker(concurrency: int = 1) -> Worker:
        worker = Worker(env, tmp_path / f"worker-{len(workers)}.log", concurrency=concurrency).start()
        workers.append(worker)
        return worker

    yield start_worker
    for worker in workers:
        worker.stop()
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{queue}:*"))
    if keys:
        client.delete(*keys)


def wait_for(predicate, timeout: float = 90, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")
