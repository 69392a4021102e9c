"""The worker pipeline on real photos: detection everywhere, recognition only behind the gate."""

from __future__ import annotations

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from departments.models import Department, Officer
from faces import services
from faces.models import Face, Image, MatchSuggestion, RecognitionEvent
from faces.services import processing, recognition
from faces.services.review import face_identify, suggestion_reject
from tests import factories
from tests.conftest import photo


def upload(name: str, department: Department) -> Image:
    return factories.image(department, name, processed=True)


def gallery_officer(department: Department, name: str, badge: str = "1001") -> Officer:
    """An officer whose gallery holds the single face of `name`."""
    return factories.gallery_officer(department, name, last_name=name, badge_number=badge)


def embedded_faces(department: Department) -> int:
    return Face.objects.filter(image__department=department, embedding__isnull=False).count()


def test_the_same_person_in_another_photo_becomes_the_top_suggestion(allowed_department):
    officer = gallery_officer(allowed_department, "obama_1.jpg")
    gallery_officer(allowed_department, "biden_1.jpg", badge="1002")
    image = upload("obama_2.jpg", allowed_department)
    assert image.status == Image.Status.DONE
    face = image.faces.get()
    suggestions = list(face.suggestions.order_by("rank"))
    assert suggestions[0].officer == officer
    assert suggestions[0].distance < 0.6
    assert all(s.officer != officer for s in suggestions[1:])
    assert RecognitionEvent.objects.filter(face=face, outcome="searched", result_count=len(suggestions)).exists()


def test_a_different_person_is_not_suggested_under_the_threshold(allowed_department):
    gallery_officer(allowed_department, "obama_1.jpg")
    face = upload("biden_2.jpg", allowed_department).faces.get()
    assert face.embedding is not None
    assert not face.suggestions.exists()


def test_a_rejected_officer_is_never_suggested_again_for_that_face(allowed_department):
    officer = gallery_officer(allowed_department, "obama_1.jpg")
    face = upload("obama_2.jpg", allowed_department).faces.get()
    suggestion = face.suggestions.get(officer=officer)
    suggestion_reject(suggestion, actor=None)
    services.face_process(face.pk)
    assert list(face.suggestions.values_list("status", flat=True)) == ["rejected"]


@pytest.mark.parametrize("name", ["noface_dogs.jpg", "noface_cars.jpg"])
def test_photos_without_a_face_give_no_faces(allowed_department, name):
    image = upload(name, allowed_department)
    assert image.status == Image.Status.DONE
    assert image.faces.count() == 0
    assert image.labels["face_count"] == 0


@pytest.mark.parametrize(
    "name,count",
    [
        ("group_obama_biden.jpg", 2),
        ("group_kit_harington_rose_leslie.jpg", 2),
        ("group_voc_2008_002470.jpg", 6),
    ],
)
def test_group_photos_give_the_expected_number_of_faces(disallowed_department, name, count):
    image = upload(name, disallowed_department)
    assert image.faces.count() == count
    assert image.labels["face_count"] == count


def test_a_disallowed_department_gets_boxes_and_labels_and_no_biometric_data(allowed_department, disallowed_department):
    gallery_officer(allowed_department, "obama_1.jpg")
    image = upload("group_obama_biden.jpg", disallowed_department)
    assert image.status == Image.Status.DONE
    assert image.faces.count() == 2
    assert image.labels["backend"]
    assert embedded_faces(disallowed_department) == 0
    assert not MatchSuggestion.objects.filter(face__image=image).exists()
    assert set(image.faces.values_list("embedding_skipped_reason", flat=True)) == {processing.NOT_ALLOWED_REASON}


def test_illinois_gets_no_biometric_data_even_with_its_flag_forced_on(illinois_department):
    Department.objects.filter(pk=illinois_department.pk).update(facial_recognition_allowed=True)
    image = upload("obama_1.jpg", illinois_department)
    assert image.faces.count() == 1
    assert embedded_faces(illinois_department) == 0


def test_a_small_face_keeps_its_box_but_is_not_embedded(allowed_department, settings):
    settings.FACES_MIN_FACE_PX = 100
    face = upload("obama_lowres_240p.jpg", allowed_department).faces.get()
    assert face.embedding is None
    assert "smaller than 100 px" in face.embedding_skipped_reason


def test_a_box_drawn_by_a_person_is_embedded_and_searched(allowed_department):
    officer = gallery_officer(allowed_department, "obama_1.jpg")
    image = upload("obama_2.jpg", allowed_department)
    detected = image.faces.get()
    Face.objects.filter(pk=detected.pk).delete()
    face = services.face_box_create(
        image=image, x=detected.x - 5, y=detected.y - 5, w=detected.w + 10, h=detected.h + 10
    )
    services.face_process(face.pk)
    face.refresh_from_db()
    assert face.source == "user" and face.embedding is not None
    assert face.suggestions.get().officer == officer


def test_processing_twice_leaves_the_same_rows(allowed_department):
    gallery_officer(allowed_department, "obama_1.jpg")
    image = upload("group_obama_biden.jpg", allowed_department)
    before = sorted(Face.objects.filter(image=image).values_list("x", "y", "w", "h"))
    suggestions = MatchSuggestion.objects.filter(face__image=image).count()
    # A redelivered task finds the photo in `processing` and runs again.
    Image.objects.filter(pk=image.pk).update(status=Image.Status.PROCESSING)
    assert services.image_process(image.pk) == "done"
    Face.objects.filter(image=image).update(embedding=None)
    Image.objects.filter(pk=image.pk).update(status=Image.Status.QUEUED)
    services.image_process(image.pk)
    assert sorted(Face.objects.filter(image=image).values_list("x", "y", "w", "h")) == before
    assert MatchSuggestion.objects.filter(face__image=image).count() == suggestions
    assert services.image_process(image.pk) == "skipped"  # done photos are left alone


def test_a_corrupt_stored_file_ends_as_failed_with_a_reason(allowed_department):
    image = upload("obama_1.jpg", allowed_department)
    with image.file.open("wb") as handle:
        handle.write(b"not an image any more")
    Image.objects.filter(pk=image.pk).update(status=Image.Status.QUEUED)
    from faces.tasks import process_image

    assert process_image.delay(image.pk).get() == "failed"
    image.refresh_from_db()
    assert image.status == Image.Status.FAILED
    assert "could not be decoded" in image.error


def test_a_flag_turned_off_while_the_photo_is_queued_leaves_no_embedding(allowed_department):
    gallery_officer(allowed_department, "obama_1.jpg")
    result = services.image_create(
        upload=SimpleUploadedFile("o.jpg", photo("obama_2.jpg")), department=allowed_department
    )
    recognition.department_set_recognition(allowed_department, allowed=False, actor=None, reason="court order")
    services.image_process(result.image.pk)
    assert embedded_faces(allowed_department) == 0
    assert not MatchSuggestion.objects.filter(status="pending").exists()


def _turn_off_from_another_connection(department: Department) -> None:
    def switch():
        try:
            recognition.department_set_recognition(department, allowed=False, actor=None, reason="mid-run")
        finally:
            connection.close()

    thread = threading.Thread(target=switch)
    thread.start()
    thread.join(30)


@pytest.mark.django_db(transaction=True)
def test_a_flag_turned_off_between_computing_and_storing_leaves_no_embedding(monkeypatch, tmp_path):
    department = Department.objects.create(name="Mid PD", slug="mid", state="WA")
    Department.objects.filter(pk=department.pk).update(facial_recognition_allowed=True)
    real = processing.compute_embeddings

    def compute_then_flag_goes_off(*args, **kwargs):
        vectors = real(*args, **kwargs)
        _turn_off_from_another_connection(department)
        return vectors

    monkeypatch.setattr(processing, "compute_embeddings", compute_then_flag_goes_off)
    image = upload("obama_1.jpg", department)
    assert image.status == Image.Status.DONE
    assert image.faces.count() == 1
    assert embedded_faces(department) == 0
    assert image.faces.get().embedding_skipped_reason == processing.NOT_ALLOWED_REASON


@pytest.mark.django_db(transaction=True)
def test_a_result_naming_a_department_turned_off_mid_search_is_discarded_whole(monkeypatch):
    gallery_department = Department.objects.create(name="Gallery PD", slug="gallery", state="WA")
    probe_department = Department.objects.create(name="Probe PD", slug="probe", state="WA")
    Department.objects.filter(pk__in=[gallery_department.pk, probe_department.pk]).update(
        facial_recognition_allowed=True
    )
    gallery_officer(gallery_department, "obama_1.jpg")
    real = processing.search_gallery

    def search_then_gallery_goes_off(*args, **kwargs):
        matches = real(*args, **kwargs)
        assert matches, "the probe must match the gallery for this race to mean anything"
        _turn_off_from_another_connection(gallery_department)
        return matches

    monkeypatch.setattr(processing, "search_gallery", search_then_gallery_goes_off)
    image = upload("obama_2.jpg", probe_department)
    face = image.faces.get()
    assert not face.suggestions.exists()
    event = RecognitionEvent.objects.get(face=face)
    assert event.outcome == "discarded"
    assert event.result_count == 1
    assert "crossed the gate" in event.detail


def test_a_gallery_face_of_a_department_turned_off_is_never_returned(allowed_department, other_department):
    gallery_officer(other_department, "obama_1.jpg")
    recognition.department_set_recognition(other_department, allowed=False, actor=None, reason="repeal")
    face = upload("obama_2.jpg", allowed_department).faces.get()
    assert face.embedding is not None
    assert not face.suggestions.exists()


def test_an_officer_of_a_disallowed_department_never_enters_the_gallery(allowed_department, disallowed_department):
    """An allowed department's photo identified as an officer of a disallowed one loses its vector."""
    image = upload("obama_1.jpg", allowed_department)
    outsider = Officer.objects.create(department=disallowed_department, first_name="A", last_name="B", badge_number="9")
    face = image.faces.get()
    Face.objects.filter(pk=face.pk).update(officer=outsider, use_for_recognition=True)
    # Identification itself refuses cross-department officers, so write it as a bug would:
    # the database's gate (faces migration 0005) drops the vector all the same.
    assert Face.objects.get(pk=face.pk).embedding is None
    probe = upload("obama_2.jpg", allowed_department).faces.get()
    assert not probe.suggestions.exists()


def test_backfill_embeds_existing_faces_after_recognition_is_enabled(
    disallowed_department, admin_user, django_capture_on_commit_callbacks
):
    image = upload("obama_1.jpg", disallowed_department)
    assert embedded_faces(disallowed_department) == 0
    with django_capture_on_commit_callbacks(execute=True):
        result = recognition.department_set_recognition(
            disallowed_department, allowed=True, actor=admin_user, reason="Council approved use"
        )
    assert embedded_faces(disallowed_department) == 1
    result.audit.refresh_from_db()
    assert result.audit.backfill_done_at is not None
    assert image.faces.get().embedding_skipped_reason == ""


def test_backfill_does_nothing_for_a_department_that_is_off(disallowed_department):
    upload("obama_1.jpg", disallowed_department)
    assert services.department_backfill(disallowed_department.pk) == 0
    assert embedded_faces(disallowed_department) == 0


def test_a_suggestion_from_another_allowed_department_can_be_confirmed(allowed_department, other_department):
    from faces.services.review import suggestion_confirm

    officer = gallery_officer(other_department, "obama_1.jpg")
    face = upload("obama_2.jpg", allowed_department).faces.get()
    suggestion = face.suggestions.get(officer=officer)
    suggestion_confirm(suggestion, actor=None)
    face.refresh_from_db()
    assert face.officer == officer and face.embedding is not None
    suggestion.refresh_from_db()
    assert suggestion.status == MatchSuggestion.Status.CONFIRMED


def test_identifying_a_face_as_another_departments_officer_without_a_suggestion_is_refused(
    allowed_department, other_department
):
    from faces.services.review import ReviewError

    stranger = Officer.objects.create(department=other_department, first_name="S", last_name="T", badge_number="7")
    face = upload("obama_2.jpg", allowed_department).faces.get()
    with pytest.raises(ReviewError, match="photo's department"):
        face_identify(face, officer=stranger, actor=None)


def test_the_search_can_be_scoped_to_the_photos_own_department(allowed_department, other_department, settings):
    gallery_officer(other_department, "obama_1.jpg")
    settings.FACES_SEARCH_SCOPE = "department"
    face = upload("obama_2.jpg", allowed_department).faces.get()
    assert face.embedding is not None and not face.suggestions.exists()
    settings.FACES_SEARCH_SCOPE = "allowed"
    services.face_process(face.pk)
    assert face.suggestions.count() == 1


def test_processing_a_refused_photo_twice_records_one_refusal_per_face(disallowed_department):
    image = upload("group_obama_biden.jpg", disallowed_department)
    faces = list(image.faces.values_list("pk", flat=True))
    assert len(faces) == 2
    # A redelivered task, or a reprocess: the photo runs through the pipeline again.
    Image.objects.filter(pk=image.pk).update(status=Image.Status.QUEUED)
    assert services.image_process(image.pk) == "done"
    refusals = RecognitionEvent.objects.filter(outcome=RecognitionEvent.Outcome.REFUSED)
    assert sorted(refusals.values_list("face_id", flat=True)) == sorted(faces)
