"""A real Celery worker process, Redis, the database: uploads are processed in the background."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from departments.models import Department, Officer
from faces import services
from faces.models import Face, Image, MatchSuggestion
from faces.services.review import face_identify
from tests.conftest import photo
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("worker")]


def allowed(slug: str) -> Department:
    department = Department.objects.create(name=slug, slug=slug, state="WA")
    Department.objects.filter(pk=department.pk).update(facial_recognition_allowed=True)
    return department


def status_of(image_id: int) -> str:
    return Image.objects.get(pk=image_id).status


def test_an_upload_is_processed_by_a_real_worker_and_gets_its_suggestion(celery_on_redis):
    celery_on_redis()
    department = allowed("worker-pd")
    officer = Officer.objects.create(department=department, first_name="J", last_name="A", badge_number="1")
    gallery = services.image_create(upload=SimpleUploadedFile("a.jpg", photo("obama_1.jpg")), department=department)
    wait_for(lambda: status_of(gallery.image.pk) == "done")
    face_identify(gallery.image.faces.get(), officer=officer, actor=None, use_for_recognition=True)

    probe = services.image_create(upload=SimpleUploadedFile("b.jpg", photo("obama_2.jpg")), department=department)
    assert status_of(probe.image.pk) == "queued"  # the request returned before any processing
    wait_for(lambda: status_of(probe.image.pk) == "done")
    suggestion = MatchSuggestion.objects.get(face__image=probe.image)
    assert suggestion.officer == officer and suggestion.rank == 1


def test_a_worker_killed_mid_task_finishes_the_photo_once_after_restart(celery_on_redis):
    worker = celery_on_redis()
    department = allowed("killed-pd")
    result = services.image_create(
        upload=SimpleUploadedFile("g.jpg", photo("group_collage_bald_guys.jpg")), department=department
    )
    wait_for(lambda: status_of(result.image.pk) == "processing", interval=0.01)
    worker.kill()
    assert status_of(result.image.pk) == "processing"
    celery_on_redis()  # a new worker: Redis redelivers the unacknowledged task
    wait_for(lambda: status_of(result.image.pk) == "done", timeout=120)
    image = Image.objects.get(pk=result.image.pk)
    assert image.attempts >= 2
    faces = Face.objects.filter(image=image)
    assert faces.count() == 24
    assert faces.values("x", "y", "w", "h").distinct().count() == 24
    assert faces.filter(embedding__isnull=False).count() == faces.filter(embedding_skipped_reason="").count()
