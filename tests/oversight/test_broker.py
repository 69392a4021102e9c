"""The embedded broker: a half-written or corrupt message file never kills the consumer.

kombu 5.7's filesystem transport created the message file in the queue folder, then wrote
it; a consumer listing the folder could take it empty or half-written, and the JSON error
stopped the worker for good. These tests put such files where the old writer left them.
"""

from __future__ import annotations

import fcntl
import json
import logging
import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from queue import Empty

import pytest
from kombu import Connection

from benchmarks.env import Worker
from oversight import broker as oversight_broker
from tests.integration.conftest import database_url

TRANSPORT = "oversight.broker:Transport"


@dataclass
class Broker:
    root: Path
    options: dict[str, object]
    queue: str

    def folder(self, name: str) -> Path:
        return self.root / name

    def connection(self) -> Connection:
        return Connection("filesystem://", transport=TRANSPORT, transport_options=self.options)

    def files(self, name: str) -> list[str]:
        return sorted(p.name for p in self.folder(name).iterdir() if p.is_file())


@pytest.fixture
def broker(tmp_path: Path) -> Broker:
    for name in ("queue", "processed", "control", "tmp", "corrupt"):
        (tmp_path / name).mkdir()
    options: dict[str, object] = {
        "data_folder_in": str(tmp_path / "queue"),
        "data_folder_out": str(tmp_path / "queue"),
        "processed_folder": str(tmp_path / "processed"),
        "control_folder": str(tmp_path / "control"),
        "tmp_folder": str(tmp_path / "tmp"),
        "corrupt_folder": str(tmp_path / "corrupt"),
        "store_processed": False,
        "polling_interval": 0.01,
    }
    # kombu keeps queue bindings in one state per process: a fresh name needs a fresh binding.
    return Broker(tmp_path, options, f"jobs{uuid.uuid4().hex[:8]}")


@pytest.fixture
def connection(broker: Broker) -> Iterator[Connection]:
    with broker.connection() as conn:
        yield conn


def a_message_file(broker: Broker, connection: Connection) -> bytes:
    """The bytes of one real message as the producer writes it (taken out of the queue)."""
    connection.SimpleQueue(broker.queue).put({"n": "template"})
    (name,) = broker.files("queue")
    path = broker.folder("queue") / name
    raw = path.read_bytes()
    path.unlink()
    return raw


def drain(broker: Broker, connection: Connection, expected: int, timeout: float = 10) -> list[dict]:
    queue = connection.SimpleQueue(broker.queue)
    received: list[dict] = []
    deadline = time.monotonic() + timeout
    while len(received) < expected and time.monotonic() < deadline:
        try:
            message = queue.get(block=True, timeout=0.5)
        except Empty:
            continue
        received.append(message.payload)
        message.ack()
    return received


def test_filesystem_urls_use_the_project_transport(broker: Broker) -> None:
    with Connection("filesystem://", transport_options=broker.options) as conn:
        assert isinstance(conn.transport, oversight_broker.Transport)


def test_a_put_leaves_one_whole_message_in_the_queue_folder_and_nothing_in_tmp(
    broker: Broker, connection: Connection
) -> None:
    connection.SimpleQueue(broker.queue).put({"n": 1})
    (name,) = broker.files("queue")
    assert name.endswith(f".{broker.queue}.msg")
    assert json.loads((broker.folder("queue") / name).read_bytes())["properties"]
    assert broker.files("tmp") == []


def test_a_consumer_sets_aside_an_empty_and_a_half_written_file_and_delivers_the_good_messages(
    broker: Broker, connection: Connection, caplog: pytest.LogCaptureFixture
) -> None:
    raw = a_message_file(broker, connection)
    queue = connection.SimpleQueue(broker.queue)
    # What the old writer left between creating the file and finishing it; the leading
    # zeros sort them before every real message (named after a millisecond clock).
    (broker.folder("queue") / f"0_empty.{broker.queue}.msg").write_bytes(b"")
    (broker.folder("queue") / f"00_half.{broker.queue}.msg").write_bytes(raw[: len(raw) // 2])
    queue.put({"n": 1})
    queue.put({"n": 2})

    with caplog.at_level(logging.ERROR, logger="oversight.broker"):
        assert drain(broker, connection, 2) == [{"n": 1}, {"n": 2}]
        with pytest.raises(Empty):
            queue.get(block=False)

    assert broker.files("corrupt") == [f"00_half.{broker.queue}.msg", f"0_empty.{broker.queue}.msg"]
    assert broker.files("queue") == [] and broker.files("processed") == []
    assert sum("could not be decoded" in r.getMessage() for r in caplog.records) == 2


@pytest.mark.parametrize(
    "content",
    [b"", b"{", b"\xff\xfe\x00", b"null", b"[]", b'"text"', b"42", b'{"body": "x"}', b'{"properties": 1}'],
    ids=["empty", "truncated", "not-utf8", "null", "list", "string", "number", "no-properties", "bad-properties"],
)
def test_a_file_that_is_not_a_message_is_moved_to_corrupt_and_the_next_one_delivered(
    broker: Broker, connection: Connection, content: bytes
) -> None:
    queue = connection.SimpleQueue(broker.queue)
    (broker.folder("queue") / f"0_bad.{broker.queue}.msg").write_bytes(content)
    queue.put({"n": 1})
    assert drain(broker, connection, 1) == [{"n": 1}]
    assert broker.files("corrupt") == [f"0_bad.{broker.queue}.msg"]
    assert (broker.folder("corrupt") / f"0_bad.{broker.queue}.msg").read_bytes() == content


def test_a_consumer_waits_for_an_old_writer_still_holding_its_lock_and_reads_the_whole_message(
    broker: Broker, connection: Connection
) -> None:
    raw = a_message_file(broker, connection)
    path = broker.folder("queue") / f"0_old-writer.{broker.queue}.msg"
    result: dict[str, object] = {}

    def consume() -> None:
        try:
            result["messages"] = drain(broker, connection, 1, timeout=5)
        except Exception as exc:  # the assertion below reports it
            result["error"] = exc

    with open(path, "wb", buffering=0) as f:
        # kombu's writer: create, lock exclusively, write, unlock.
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        f.write(raw[:10])
        consumer = threading.Thread(target=consume)
        consumer.start()
        deadline = time.monotonic() + 5
        while path.exists() and time.monotonic() < deadline:
            time.sleep(0.005)
        assert not path.exists(), "the consumer never claimed the file"
        time.sleep(0.2)  # the consumer has claimed it and now reads (or waits for the lock)
        f.write(raw[10:])
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    consumer.join(10)

    assert "error" not in result, result.get("error")
    assert result["messages"] == [{"n": "template"}]
    assert broker.files("corrupt") == []


def produce(broker: Broker, writer: int, count: int) -> None:
    with broker.connection() as conn:
        queue = conn.SimpleQueue(broker.queue)
        for n in range(count):
            # Large messages: the old writer's window was the time to encode and write them.
            queue.put({"id": f"{writer}-{n}", "padding": "x" * 1_000_000})


def test_messages_put_by_several_processes_while_a_consumer_drains_arrive_exactly_once(broker: Broker) -> None:
    writers, per_writer = 3, 40
    broker.options["polling_interval"] = 0
    with broker.connection() as consumer_connection:
        consumer_connection.SimpleQueue(broker.queue)  # declared before the first put
        context = multiprocessing.get_context("fork")
        processes = [context.Process(target=produce, args=(broker, w, per_writer)) for w in range(writers)]
        for process in processes:
            process.start()
        try:
            received = drain(broker, consumer_connection, writers * per_writer, timeout=30)
        finally:
            for process in processes:
                process.join(10)

    assert [process.exitcode for process in processes] == [0] * writers
    ids = [message["id"] for message in received]
    assert len(ids) == len(set(ids)) == writers * per_writer
    assert set(ids) == {f"{w}-{n}" for w in range(writers) for n in range(per_writer)}
    assert broker.files("corrupt") == [] and broker.files("tmp") == [] and broker.files("queue") == []


@pytest.fixture
def celery_on_filesystem(settings, transactional_db, tmp_path: Path) -> Iterator[tuple[Worker, Path, str]]:
    """A real worker and this process's producer on the embedded broker, in a folder of their own."""
    from oversight.celery import app

    var = tmp_path / "var"
    folders = var / "broker"
    queue = f"oversight-test-{uuid.uuid4().hex[:8]}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
        "DATABASE_URL": database_url(),
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "OVERSIGHT_VAR_DIR": str(var),  # its broker folders are var/broker/*
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MEDIA_ROOT": str(settings.STORAGES["default"]["OPTIONS"]["location"]),
        "DJANGO_SETTINGS_MODULE": "oversight.settings",
    }
    options = {
        "store_processed": False,
        "data_folder_in": str(folders / "queue"),
        "data_folder_out": str(folders / "queue"),
        "processed_folder": str(folders / "processed"),
        "control_folder": str(folders / "control"),
        "tmp_folder": str(folders / "tmp"),
        "corrupt_folder": str(folders / "corrupt"),
    }
    keys = ("broker_url", "task_default_queue", "task_always_eager", "broker_transport_options")
    saved = {k: app.conf[k] for k in keys}
    worker = Worker(env, tmp_path / "worker.log").start()  # creates the folders (settings)
    app.conf.update(
        broker_url="filesystem://", task_default_queue=queue, task_always_eager=False, broker_transport_options=options
    )
    app._pool = None
    app.amqp._producer_pool = None
    yield worker, folders, queue
    worker.stop()
    app.conf.update(saved)
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.integration
@pytest.mark.xdist_group("worker")
def test_a_real_worker_survives_half_written_messages_and_still_processes_the_next_upload(
    celery_on_filesystem: tuple[Worker, Path, str],
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from departments.models import Department
    from faces import services
    from faces.models import Image
    from tests.conftest import photo
    from tests.integration.conftest import wait_for

    worker, folders, queue = celery_on_filesystem
    (folders / "queue" / f"0_empty.{queue}.msg").write_bytes(b"")
    (folders / "queue" / f"00_half.{queue}.msg").write_bytes(b'{"body": "eyJ')
    wait_for(lambda: len(list((folders / "corrupt").iterdir())) == 2, timeout=30)

    department = Department.objects.create(name="Broker PD", slug="broker-fs-pd", state="WA")
    result = services.image_create(upload=SimpleUploadedFile("a.jpg", photo("obama_1.jpg")), department=department)
    wait_for(lambda: Image.objects.get(pk=result.image.pk).status == "done")

    assert worker.process is not None and worker.process.poll() is None, "the worker exited"
    log = worker.log.read_text(errors="replace")
    assert "Unrecoverable error" not in log
    assert log.count("could not be decoded") == 2


def test_messages_put_within_one_millisecond_are_delivered_in_the_order_they_were_put(
    broker: Broker, connection: Connection
) -> None:
    queue = connection.SimpleQueue(broker.queue)
    for n in range(50):
        queue.put({"n": n})
    assert drain(broker, connection, 50) == [{"n": n} for n in range(50)]
