"""Sorting hints come after the suggestions, in their own task, and never fail a photo."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone

from faces.models import Face, Image, MatchSuggestion
from faces.pipeline.label import LabelerError, TransientLabelerError
from faces.services import labels as label_service
from faces.services import processing
from faces.tasks import label_image, sweep_stuck_images
from tests import factories


class RecordingLabeler:
    """Notes what the database held when it was asked, then answers like the offline backend."""

    def __init__(self, image: Image) -> None:
        self.image = image
        self.seen: list[dict] = []

    def label(self, rgb: np.ndarray, *, jpeg_bytes: bytes | None = None, face_count: int = 0) -> dict:
        self.seen.append(
            {
                "status": Image.objects.values_list("status", flat=True).get(pk=self.image.pk),
                "suggestions": MatchSuggestion.objects.filter(face__image=self.image).count(),
                "embedded": Face.objects.filter(image=self.image, embedding__isnull=False).count(),
                "face_count": face_count,
            }
        )
        return {"backend": "recording", "people": [], "people_count": 0, "face_count": face_count}


class FailingLabeler:
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.calls = 0

    def label(self, rgb: np.ndarray, *, jpeg_bytes: bytes | None = None, face_count: int = 0) -> dict:
        self.calls += 1
        raise self.error


def use_labeler(monkeypatch, labeler) -> None:
    monkeypatch.setattr(label_service, "get_labeler", lambda: labeler)


def lose_the_label_task(monkeypatch) -> None:
    """The broker refuses the label task (Redis down right after the photo was done)."""

    def refuse(image_id: int) -> None:
        raise ConnectionError("broker unavailable")

    monkeypatch.setattr(label_image, "delay", refuse)


def probe_with_suggestion(department) -> Image:
    """obama_2 uploaded (not processed yet) where obama_1 is in the gallery: it will get one suggestion."""
    factories.gallery_officer(department, "obama_1.jpg", last_name="Obama", badge_number="1")
    return factories.image(department, "obama_2.jpg")


def test_the_labeller_runs_after_the_suggestions_are_written_and_the_photo_is_done(allowed_department, monkeypatch):
    image = probe_with_suggestion(allowed_department)
    recorder = RecordingLabeler(image)
    use_labeler(monkeypatch, recorder)
    assert processing.image_process(image.pk) == "done"
    assert recorder.seen == [{"status": "done", "suggestions": 1, "embedded": 1, "face_count": 1}]
    image.refresh_from_db()
    assert image.labels["backend"] == "recording" and image.labels["face_count"] == 1


def test_a_labeller_that_refuses_leaves_the_suggestions_and_the_photo_done(allowed_department, monkeypatch):
    image = probe_with_suggestion(allowed_department)
    use_labeler(monkeypatch, FailingLabeler(LabelerError("image refused")))
    assert processing.image_process(image.pk) == "done"
    image.refresh_from_db()
    assert image.status == Image.Status.DONE and image.error == ""
    assert MatchSuggestion.objects.filter(face__image=image).count() == 1
    assert image.labels == {"face_count": 1, "error": "image refused"}


def test_a_labeller_that_crashes_leaves_the_photo_done_and_records_why(allowed_department, monkeypatch):
    image = probe_with_suggestion(allowed_department)
    use_labeler(monkeypatch, FailingLabeler(RuntimeError("segfault-ish")))
    assert processing.image_process(image.pk) == "done"
    image.refresh_from_db()
    assert image.status == Image.Status.DONE
    assert MatchSuggestion.objects.filter(face__image=image).exists()
    assert image.labels["error"] == "Labelling failed: RuntimeError: segfault-ish"


def test_a_labeller_that_keeps_timing_out_is_retried_then_given_up_without_failing_the_photo(
    allowed_department, monkeypatch
):
    image = probe_with_suggestion(allowed_department)
    labeler = FailingLabeler(TransientLabelerError("throttled"))
    use_labeler(monkeypatch, labeler)
    assert processing.image_process(image.pk) == "done"  # the label task is left to retry
    image.refresh_from_db()
    assert image.status == Image.Status.DONE and MatchSuggestion.objects.filter(face__image=image).exists()
    assert image.labels == {} and labeler.calls == 1
    with pytest.raises(TransientLabelerError):
        label_image.apply(args=[image.pk], retries=label_image.max_retries)  # the last attempt
    image.refresh_from_db()
    assert image.status == Image.Status.DONE
    assert image.labels == {"face_count": 1, "error": "Labelling kept failing because a service was unavailable."}


def test_a_lost_label_task_leaves_the_photo_done_and_the_sweep_queues_it_again(allowed_department, monkeypatch):
    image = probe_with_suggestion(allowed_department)
    with monkeypatch.context() as patch:
        lose_the_label_task(patch)
        assert processing.image_process(image.pk) == "done"
    image.refresh_from_db()
    assert image.status == Image.Status.DONE and image.labels == {}
    assert MatchSuggestion.objects.filter(face__image=image).exists()
    assert sweep_stuck_images() == 0  # too recent: its task may still be on its way
    Image.objects.filter(pk=image.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert sweep_stuck_images() == 1
    image.refresh_from_db()
    assert image.labels["face_count"] == 1 and image.labels["backend"] == "opencv-hog"
    Image.objects.filter(pk=image.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    assert sweep_stuck_images() == 0  # labelled now: nothing to queue


def test_the_sweep_leaves_failed_and_long_past_photos_unlabelled(allowed_department):
    old = timezone.now() - timedelta(days=30)
    failed = factories.image(allowed_department, status=Image.Status.FAILED)
    ancient = factories.image(allowed_department, status=Image.Status.DONE)
    Image.objects.filter(pk__in=[failed.pk, ancient.pk]).update(updated_at=old)
    Image.objects.filter(pk=ancient.pk).update(created_at=old)
    assert sweep_stuck_images() == 0


def test_a_disallowed_department_still_gets_labels_but_no_embeddings(disallowed_department):
    image = factories.image(disallowed_department, "group_obama_biden.jpg", processed=True)
    assert image.status == Image.Status.DONE
    assert image.labels["face_count"] == 2 and image.labels["backend"] == "opencv-hog"
    assert not Face.objects.filter(image=image, embedding__isnull=False).exists()
    assert set(image.faces.values_list("embedding_skipped_reason", flat=True)) == {processing.NOT_ALLOWED_REASON}


def test_labelling_twice_stores_the_same_labels(disallowed_department):
    image = factories.image(disallowed_department, "group_obama_biden.jpg", processed=True)
    first = image.labels
    assert label_service.image_label(image.pk) == "done"
    image.refresh_from_db()
    assert image.labels == first


@pytest.mark.parametrize("status", [Image.Status.QUEUED, Image.Status.PROCESSING, Image.Status.FAILED])
def test_a_photo_that_is_not_done_is_not_labelled(allowed_department, status):
    image = factories.image(allowed_department, status=status)
    assert label_service.image_label(image.pk) == "skipped"
    image.refresh_from_db()
    assert image.labels == {}


def test_the_status_json_says_whether_labels_are_still_coming(client, allowed_department, monkeypatch):
    image = probe_with_suggestion(allowed_department)
    url = reverse("image_status", args=[image.pk])
    assert client.get(url).json()["labels_pending"] is True  # queued
    with monkeypatch.context() as patch:
        lose_the_label_task(patch)
        processing.image_process(image.pk)
    data = client.get(url).json()
    assert data["status"] == "done" and data["pending"] is False and data["labels_pending"] is True
    label_service.image_label(image.pk)
    assert client.get(url).json()["labels_pending"] is False


def test_a_failed_photo_has_no_labels_pending(client, allowed_department):
    image = factories.image(allowed_department, status=Image.Status.FAILED)
    assert client.get(reverse("image_status", args=[image.pk])).json()["labels_pending"] is False
