"""Redis down (stopped, or frozen) when a photo is uploaded: the upload succeeds and the
photo is processed once Redis is back, through the periodic sweep."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from departments.models import Department
from faces.models import Image
from faces.tasks import sweep_stuck_images
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("reliability")]


@pytest.fixture
def redis_url(private_redis) -> str:
    """Overrides the shared Redis: these tests stop and freeze theirs."""
    return private_redis.url


@pytest.fixture
def producer_timeouts(celery_on_redis):
    """The producer with the broker timeouts of oversight/settings.py (the shared fixture drops them)."""
    from django.conf import settings as django_settings

    from oversight.celery import app

    app.conf.broker_transport_options = {
        **app.conf.broker_transport_options,
        "socket_timeout": django_settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("socket_timeout", 2.0),
        "socket_connect_timeout": 2.0,
    }
    app._pool = None
    app.amqp._producer_pool = None
    return celery_on_redis


def department() -> Department:
    department = Department.objects.create(name="Broker PD", slug="broker-pd", state="WA")
    Department.objects.filter(pk=department.pk).update(facial_recognition_allowed=True)
    return department


def api_upload(department: Department, name: str) -> tuple[int, dict, float]:
    started = time.monotonic()
    with open(__import__("tests.conftest", fromlist=["FACES"]).FACES / name, "rb") as handle:
        response = Client().post("/api/v1/images/", {"file": handle, "department": department.pk})
    return response.status_code, response.json(), time.monotonic() - started


def sweep_then_process(start_worker, settings, image_ids: list[int]) -> None:
    settings.SWEEP_QUEUED_AFTER_SECONDS = 0
    assert sweep_stuck_images() >= len(image_ids)
    start_worker()
    wait_for(
        lambda: set(Image.objects.filter(pk__in=image_ids).values_list("status", flat=True)) == {"done"}, timeout=120
    )


def test_an_upload_while_redis_is_stopped_succeeds_and_is_processed_after_it_returns(
    producer_timeouts, private_redis, settings
):
    dept = department()
    private_redis.stop()
    status, body, elapsed = api_upload(dept, "obama_1.jpg")
    assert status == 201, body
    assert elapsed < 5, f"the upload waited {elapsed:.1f}s for a broker that is down"
    assert Image.objects.get(pk=body["id"]).status == "queued"

    private_redis.start()
    sweep_then_process(producer_timeouts, settings, [body["id"]])
    assert Image.objects.get(pk=body["id"]).faces.count() == 1


def test_an_upload_while_redis_is_frozen_returns_in_bounded_time_and_is_processed_later(
    producer_timeouts, private_redis, settings
):
    dept = department()
    private_redis.freeze()  # accepts TCP connections, answers nothing: the worst case
    try:
        status, body, elapsed = api_upload(dept, "biden_1.jpg")
    finally:
        private_redis.thaw()
    assert status == 201, body
    assert elapsed < 12, f"the upload waited {elapsed:.1f}s for a frozen broker"
    assert Image.objects.get(pk=body["id"]).status == "queued"
    # The publish may or may not have reached Redis before the freeze: either way the sweep
    # (and the idempotent task) ends with exactly one processed photo.
    sweep_then_process(producer_timeouts, settings, [body["id"]])
    image = Image.objects.get(pk=body["id"])
    assert image.faces.count() == 1


def test_nothing_stays_queued_after_a_burst_of_uploads_during_an_outage(producer_timeouts, private_redis, settings):
    dept = department()
    private_redis.stop()
    ids = []
    for name in ("obama_2.jpg", "kit_harington_1.jpg", "rose_leslie_1.jpg", "noface_dogs.jpg"):
        status, body, _ = api_upload(dept, name)
        assert status == 201, body
        ids.append(body["id"])
    private_redis.start()
    sweep_then_process(producer_timeouts, settings, ids)
    assert not Image.objects.filter(status__in=["queued", "processing"]).exists()
