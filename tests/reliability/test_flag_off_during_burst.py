"""The recognition flag turned off while two real workers process a burst of uploads:
afterwards no embedding of the department and no pending suggestion remains (rule 4,
under a race), checked in the database."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q

from departments.models import Department, Officer
from faces import services
from faces.models import Face, Image, MatchSuggestion
from faces.services.recognition import department_set_recognition
from faces.services.review import face_identify
from tests.conftest import photo
from tests.integration.conftest import wait_for
from tests.reliability.photos import photo_variants

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("reliability")]
BURST = 30


def embeddings_of(department: Department) -> int:
    return Face.objects.filter(
        Q(image__department=department) | Q(officer__department=department), embedding__isnull=False
    ).count()


def pending_suggestions_of(department: Department) -> int:
    return MatchSuggestion.objects.filter(
        Q(face__image__department=department) | Q(officer__department=department),
        status=MatchSuggestion.Status.PENDING,
    ).count()


def test_turning_recognition_off_mid_burst_leaves_zero_embeddings_and_no_pending_suggestion(celery_on_redis):
    celery_on_redis(concurrency=1)
    celery_on_redis(concurrency=1)  # two worker processes racing the toggle
    department = Department.objects.create(name="Burst PD", slug="burst-pd", state="WA")
    Department.objects.filter(pk=department.pk).update(facial_recognition_allowed=True)
    # A gallery for every identity in the burst, so processed photos get suggestions.
    gallery = []
    for n, name in enumerate(
        ["obama_lowres_240p.jpg", "biden_lfw_2.jpg", "kit_harington_2.jpg", "rose_leslie_2.jpg", "alex_lacamoire_1.png"]
    ):
        officer = Officer.objects.create(
            department=department, first_name="G", last_name=str(n), badge_number=str(100 + n)
        )
        image = services.image_create(upload=SimpleUploadedFile(name, photo(name)), department=department).image
        gallery.append((image.pk, officer))
    wait_for(
        lambda: Image.objects.filter(pk__in=[pk for pk, _ in gallery], status="done").count() == len(gallery),
        timeout=120,
    )
    for image_id, officer in gallery:
        face = Face.objects.filter(image_id=image_id).order_by("-w").first()
        face_identify(face, officer=officer, actor=None, use_for_recognition=True)

    ids = [
        services.image_create(upload=SimpleUploadedFile(name, data), department=department).image.pk
        for name, data in photo_variants(BURST)
    ]
    # Let part of the burst finish with embeddings and suggestions, then pull the plug.
    wait_for(lambda: Image.objects.filter(pk__in=ids, status="done").count() >= 4, timeout=120, interval=0.02)
    before = {
        "embeddings": embeddings_of(department),
        "suggestions": pending_suggestions_of(department),
        "unfinished": Image.objects.filter(pk__in=ids).exclude(status="done").count(),
    }
    result = department_set_recognition(department, allowed=False, actor=None, reason="court order (test)")

    assert before["embeddings"] > 0 and before["suggestions"] > 0, before
    assert before["unfinished"] > 0, "the burst finished before the toggle: the race was not exercised"
    assert result.purged_embeddings > 0
    wait_for(lambda: Image.objects.filter(pk__in=ids, status="done").count() == BURST, timeout=300)

    assert embeddings_of(department) == 0
    assert pending_suggestions_of(department) == 0
    assert Face.objects.filter(image__department=department).count() >= BURST  # detection went on
    after_toggle = Face.objects.filter(image_id__in=ids, embedding__isnull=True).exclude(embedding_skipped_reason="")
    assert after_toggle.exists()
