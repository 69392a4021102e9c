"""The public site in a real browser (Debian's Chromium through Playwright), desktop and phone.

A real Celery worker runs in a thread of this process on an in-memory broker, so the photo
really waits in the queue, then turns "Done" while the page is open, without a reload.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.db import connections
from playwright.sync_api import expect

from faces.models import Face, Image, MatchSuggestion
from tests.conftest import FACES, photo
from tests.faces.test_views_images import gallery_officer
from tests.faces.test_views_submit import bomb_png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OBAMA_BOX = (150, 280, 330, 330)  # around the face in obama_2.jpg (626×1200)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def forget_connections(app) -> None:
    """Drop the connection and producer pools made for the previous broker.

    Even eager tasks acquire a producer, so earlier tests left pools bound to the
    filesystem broker; Celery resets the same two attributes after a fork.
    """
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


@pytest.fixture
def queue():
    """Tasks go to an in-memory broker; `queue.worker()` starts a real worker in a thread."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    from oversight.celery import app

    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"
    forget_connections(app)

    def close_connections(**kwargs):
        connections.close_all()  # the worker thread must not keep the test database open

    task_postrun.connect(close_connections, weak=False)

    class Queue:
        @staticmethod
        @contextmanager
        def worker():
            with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30):
                yield

    yield Queue
    task_postrun.disconnect(close_connections)
    app.conf.task_always_eager, app.conf.broker_url = saved
    forget_connections(app)


def console_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def upload_through_the_form(page, live_server, department, filename: str) -> None:
    page.goto(f"{live_server.url}/submit/")
    page.fill("#department-filter", department.name.split()[0])
    page.select_option("#id_department", str(department.pk))
    page.set_input_files("#id_photos", str(FACES / filename))
    page.click("#upload-button")
    page.wait_for_selector(".upload-item.ok a")
    page.click(".upload-item.ok a")
    page.wait_for_selector("#photo-img")


def draw_with_the_mouse(page, box: tuple[int, int, int, int], size: tuple[int, int]) -> None:
    page.click("#draw-toggle")
    page.evaluate("document.getElementById('box-layer').scrollIntoView({block: 'center'})")
    layer = page.locator("#box-layer").bounding_box()
    assert layer["y"] >= 0 and layer["y"] + layer["height"] <= page.viewport_size["height"], layer
    sx, sy = layer["width"] / size[0], layer["height"] / size[1]
    x, y, w, h = box
    page.mouse.move(layer["x"] + x * sx, layer["y"] + y * sy)
    page.mouse.down()
    page.mouse.move(layer["x"] + (x + w / 2) * sx, layer["y"] + (y + h / 2) * sy, steps=4)
    page.mouse.move(layer["x"] + (x + w) * sx, layer["y"] + (y + h) * sy, steps=4)
    page.mouse.up()
    assert "Box drawn" in page.inner_text("#editor-status")
    page.click("#submit-box")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_upload_watch_it_finish_draw_a_box_and_see_suggestions(
    page, live_server, screenshot, queue, allowed_department
):
    officer = gallery_officer(allowed_department)
    errors = console_errors(page)
    page.goto(f"{live_server.url}/submit/")
    page.select_option("#id_department", str(allowed_department.pk))
    assert "faces will be compared with the officer gallery of departments that allow it" in page.inner_text(
        "#department-notice"
    )
    screenshot("public-upload-1280", 1280)
    screenshot("public-upload-375", 375)
    assert no_horizontal_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    upload_through_the_form(page, live_server, allowed_department, "obama_2.jpg")
    image = Image.objects.get(original_filename="obama_2.jpg")
    assert page.inner_text("#status-label") == "Waiting in line to be processed"
    page.evaluate("window.__sameDocument = true")
    with queue.worker():
        expect(page.locator("#status-label")).to_have_text("Done", timeout=60_000)
        assert page.evaluate("window.__sameDocument") is True  # no reload happened
        page.wait_for_selector("#box-layer .box")
        assert page.locator("#box-layer .box").count() == 1
        page.wait_for_selector("#face-list .suggestion")
        assert officer.full_name in page.inner_text("#face-list")

        draw_with_the_mouse(page, OBAMA_BOX, (image.width, image.height))
        expect(page.locator("#face-list .face-item")).to_have_count(2, timeout=30_000)
        drawn = page.locator("#face-list .face-item").nth(1)
        drawn.locator(".suggestion").wait_for(timeout=60_000)
    text = drawn.inner_text()
    assert "drawn by a person" in text and "Possible match — for volunteers to confirm" in text
    assert officer.full_name in text and "identified" not in text.lower()
    user_face = Face.objects.get(image=image, source=Face.Source.USER)
    assert user_face.embedding is not None
    assert MatchSuggestion.objects.filter(face=user_face, officer=officer).exists()
    assert page.locator("#box-layer .box").count() == 2
    screenshot("public-photo-allowed-1280", 1280)
    screenshot("public-photo-allowed-375", 375)
    assert no_horizontal_scroll(page)
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors


def test_a_disallowed_department_says_no_recognition_and_computes_nothing(
    page, live_server, screenshot, queue, allowed_department, illinois_department
):
    gallery_officer(allowed_department)
    with queue.worker():
        upload_through_the_form(page, live_server, illinois_department, "obama_2.jpg")
        image = Image.objects.get(original_filename="obama_2.jpg")
        expect(page.locator("#status-label")).to_have_text("Done", timeout=60_000)
        notice = page.inner_text("#recognition-notice")
        assert "No facial recognition is used for this jurisdiction." in notice
        assert "State law (IL): Illinois" in notice
        draw_with_the_mouse(page, OBAMA_BOX, (image.width, image.height))
        expect(page.locator("#face-list .face-item")).to_have_count(2, timeout=30_000)
    page.wait_for_selector("#face-list .face-item:nth-child(2) .face-state")
    assert "No facial recognition is used for this jurisdiction." in page.inner_text(
        "#face-list .face-item:nth-child(2)"
    )
    assert page.locator(".suggestion").count() == 0
    assert not Face.objects.filter(image=image, embedding__isnull=False).exists()
    screenshot("public-photo-no-recognition-1280", 1280)
    screenshot("public-photo-no-recognition-375", 375)
    assert no_horizontal_scroll(page)


def test_bad_files_get_a_message_each_while_the_good_one_uploads(
    page, live_server, screenshot, settings, allowed_department
):
    settings.UPLOAD_MAX_BYTES = 150_000
    good = photo("obama_lowres_240p.jpg")
    files = [
        {"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"These are notes, not a photo.\n" * 20},
        {"name": "cut.jpg", "mimeType": "image/jpeg", "buffer": good[:15_000]},
        {"name": "empty.jpg", "mimeType": "image/jpeg", "buffer": b""},
        {"name": "bomb.png", "mimeType": "image/png", "buffer": bomb_png()},
        {"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": photo("obama_1.jpg")},
        {"name": "good.jpg", "mimeType": "image/jpeg", "buffer": good},
    ]
    page.goto(f"{live_server.url}/submit/?department={allowed_department.slug}")
    page.set_input_files("#id_photos", files)
    page.click("#upload-button")
    expect(page.locator("#upload-summary")).to_contain_text("uploaded.", timeout=60_000)
    items = {
        page.locator(".upload-item").nth(i).locator(".file-name").inner_text(): page.locator(".upload-item").nth(i)
        for i in range(6)
    }
    expected = {
        "notes.jpg": "not an image we can read",
        "cut.jpg": "incomplete or damaged",
        "empty.jpg": "The file is empty",
        "bomb.png": "megapixels",
        "huge.jpg": "the largest we accept is 147 KB",
        "good.jpg": "Uploaded.",
    }
    messages = {name: item.locator(".file-message").inner_text() for name, item in items.items()}
    for name, words in expected.items():
        assert words in messages[name], messages
    assert page.inner_text("#upload-summary").startswith("1 of 6 uploaded.")
    assert items["good.jpg"].locator("a").inner_text() == "View the photo"
    assert Image.objects.count() == 1
    screenshot("public-upload-errors-1280", 1280)
    screenshot("public-upload-errors-375", 375)


def test_the_department_picker_filters_by_state_and_the_box_editor_works_from_the_keyboard(
    page, live_server, allowed_department, disallowed_department, illinois_department
):
    from django.core.files.base import ContentFile

    from faces.services import image_create, image_process

    page.goto(f"{live_server.url}/submit/")
    page.fill("#department-filter", "illinois")
    assert page.locator("#id_department option").all_inner_texts() == [
        "Chicago Police Department — no facial recognition"
    ]
    assert "1 of 3 departments match." in page.inner_text("#department-count")
    assert "no facial recognition is used for this jurisdiction" in page.inner_text("#department-notice")

    image = image_create(upload=ContentFile(photo("obama_2.jpg")), department=disallowed_department).image
    image_process(image.pk)
    page.goto(f"{live_server.url}/images/{image.pk}/")
    page.focus("#add-box")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.classList.contains('editing')")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Enter")
    expect(page.locator("#face-list .face-item")).to_have_count(2, timeout=30_000)
    drawn = Face.objects.get(image=image, source=Face.Source.USER)
    assert drawn.w > drawn.h  # Shift+ArrowRight widened it
    # The drawer may delete it again: select with Enter, then Delete.
    page.focus(f"#box-layer .box.own[data-face-id='{drawn.pk}']")
    page.keyboard.press("Enter")
    page.click("#delete-box")
    expect(page.locator("#face-list .face-item")).to_have_count(1, timeout=30_000)
    assert not Face.objects.filter(pk=drawn.pk).exists()
    assert re.search(r"Box deleted", page.inner_text("#editor-status"))
