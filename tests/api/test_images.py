"""Photos through the API: upload, duplicates, hostile files, detail, face boxes, sorting."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from faces.models import Decision, Face, Image
from tests import factories
from tests.api.conftest import API, error_body_ok, upload_file


def _png(width: int = 64, height: int = 48) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), (120, 30, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def test_an_anonymous_upload_is_created_with_its_facts(clients, allowed_department):
    response = clients["anonymous"].post(
        f"{API}images/", {"file": upload_file("obama_1.jpg"), "department": allowed_department.pk}, format="multipart"
    )
    assert response.status_code == 201
    body = response.json()
    image = Image.objects.get(pk=body["id"])
    assert body == {
        "id": image.pk,
        "status": "queued",
        "sha256": image.sha256,
        "width": image.width,
        "height": image.height,
        "url": body["url"],
        "duplicate": False,
    }
    assert str(image.pk) in body["url"]
    assert image.uploaded_by is None and image.department == allowed_department


def test_a_duplicate_upload_answers_200_with_the_existing_photo(clients, allowed_department, other_department):
    first = clients["volunteer"].post(
        f"{API}images/", {"file": upload_file("obama_1.jpg"), "department": allowed_department.pk}, format="multipart"
    )
    second = clients["anonymous"].post(
        f"{API}images/", {"file": upload_file("obama_1.jpg"), "department": other_department.pk}, format="multipart"
    )
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"] and second.json()["duplicate"] is True
    assert Image.objects.count() == 1


@pytest.mark.parametrize(
    "name, content, expected, code",
    [
        ("notes.jpg", b"these are not pixels", 415, None),
        ("doc.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", 415, None),
        ("empty.jpg", b"", 400, None),
        ("cut.jpg", None, 400, None),  # a truncated JPEG
    ],
)
def test_it_refuses_files_that_are_not_usable_photos(clients, allowed_department, name, content, expected, code):
    if content is None:
        whole = upload_file("obama_1.jpg").read()
        content = whole[: len(whole) // 2]
    response = clients["anonymous"].post(
        f"{API}images/",
        {
            "file": SimpleUploadedFile(name, content, content_type="image/jpeg"),
            "department": allowed_department.pk,
        },
        format="multipart",
    )
    assert response.status_code == expected, response.json()
    assert error_body_ok(response) and response.json()["errors"]["file"]
    assert not Image.objects.exists()


def test_a_file_over_the_limit_is_413(clients, allowed_department, settings):
    settings.UPLOAD_MAX_BYTES = 10_000
    response = clients["anonymous"].post(
        f"{API}images/", {"file": upload_file("obama_1.jpg"), "department": allowed_department.pk}, format="multipart"
    )
    assert response.status_code == 413 and error_body_ok(response)
    assert not Image.objects.exists()


def test_a_body_over_the_request_limit_is_413_before_it_is_read(clients, allowed_department, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 5_000
    response = clients["anonymous"].post(
        f"{API}images/", {"file": upload_file("obama_1.jpg"), "department": allowed_department.pk}, format="multipart"
    )
    assert response.status_code == 413 and error_body_ok(response)
    assert not Image.objects.exists()


def test_djangos_request_data_too_big_becomes_413_with_the_error_body():
    # Django raises it while parsing a body without a trustworthy length (chunked uploads).
    from django.core.exceptions import RequestDataTooBig

    from faces.api.exceptions import api_exception_handler

    response = api_exception_handler(RequestDataTooBig("too big"), {})
    assert response.status_code == 413 and set(response.data) == {"detail", "errors", "code"}


def test_too_many_form_fields_is_a_400_with_the_error_body(clients, allowed_department, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    data = {f"extra{i}": "x" for i in range(10)}
    response = clients["anonymous"].post(
        f"{API}images/",
        {"file": SimpleUploadedFile("a.png", _png()), "department": allowed_department.pk, **data},
        format="multipart",
    )
    assert response.status_code == 400 and error_body_ok(response)


@pytest.mark.parametrize(
    "data, field",
    [
        ({}, "file"),
        ({"department": "abc"}, "department"),
        ({"department": 999999}, "department"),
    ],
)
def test_it_refuses_an_upload_without_a_file_or_a_real_department(clients, allowed_department, data, field):
    payload = {"file": SimpleUploadedFile("a.png", _png(), content_type="image/png"), **data}
    if field == "file":
        payload = {"department": allowed_department.pk}
    response = clients["anonymous"].post(f"{API}images/", payload, format="multipart")
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not Image.objects.exists()


def test_json_is_not_an_upload(clients, allowed_department):
    response = clients["anonymous"].post(f"{API}images/", {"department": allowed_department.pk}, format="json")
    assert response.status_code == 415 and error_body_ok(response)


def test_the_storage_being_down_is_a_503_and_nothing_is_half_saved(clients, allowed_department, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": "/proc/oversight-cannot-write-here"},
        },
    }
    response = clients["anonymous"].post(
        f"{API}images/", {"file": upload_file("obama_1.jpg"), "department": allowed_department.pk}, format="multipart"
    )
    assert response.status_code == 503 and error_body_ok(response)
    assert not Image.objects.exists()


def test_the_detail_shows_faces_without_any_vector(clients, image, officer):
    face = factories.face(image, officer=officer)
    Face.objects.filter(pk=face.pk).update(embedding=[0.1] * 128)
    body = clients["anonymous"].get(f"{API}images/{image.pk}/").json()
    assert set(body) >= {
        "id",
        "status",
        "error",
        "department",
        "width",
        "height",
        "labels",
        "contains_officers",
        "faces",
    }
    [shown] = body["faces"]
    assert set(shown) >= {"id", "box", "source", "officer", "embedded", "suggestions"}
    assert shown["embedded"] is True and shown["officer"]["id"] == officer.pk
    assert "embedding" not in str(body) and "0.1" not in str(body)


def test_a_drawn_box_becomes_a_user_face_and_is_queued(clients, image, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = clients["anonymous"].post(
            f"{API}images/{image.pk}/faces/", {"box": {"x": 300, "y": 200, "w": 250, "h": 300}}, format="json"
        )
    assert response.status_code == 201
    face = Face.objects.get(pk=response.json()["id"])
    assert face.source == Face.Source.USER and face.box == {"x": 300, "y": 200, "w": 250, "h": 300}
    assert len(callbacks) == 1  # processing queued once the row is committed


@pytest.mark.parametrize(
    "box",
    [
        {"x": 0, "y": 0, "w": 5, "h": 5},  # too small
        {"x": 900, "y": 0, "w": 100, "h": 100},  # outside the photo
        {"x": -1, "y": 0, "w": 10, "h": 10},
        {"x": "a", "y": 0, "w": 10, "h": 10},
        {"x": 1.5, "y": 0, "w": 10, "h": 10},
        {"x": 10**30, "y": 0, "w": 10, "h": 10},
        {"x": 0, "y": 0, "w": 0, "h": 10},
        {"x": 0, "y": 0},
        "not a box",
        None,
    ],
)
def test_it_refuses_a_bad_box_without_saving_anything(clients, image, box):
    response = clients["anonymous"].post(f"{API}images/{image.pk}/faces/", {"box": box}, format="json")
    assert response.status_code == 400 and error_body_ok(response)
    assert "box" in response.json()["errors"]
    assert not Face.objects.exists()


def test_a_box_on_a_missing_photo_is_404(clients, db, users):
    response = clients["anonymous"].post(
        f"{API}images/999999/faces/", {"box": {"x": 0, "y": 0, "w": 9, "h": 9}}, format="json"
    )
    assert response.status_code == 404


def test_a_volunteer_sorts_a_photo_and_the_decision_is_recorded(clients, image):
    response = clients["volunteer"].post(f"{API}images/{image.pk}/sort/", {"contains_officers": False}, format="json")
    assert response.status_code == 200 and response.json()["contains_officers"] is False
    decision = Decision.objects.get(image=image)
    assert decision.kind == Decision.Kind.SORT and decision.actor.username == "volunteer"


@pytest.mark.parametrize("body", [{}, {"contains_officers": "maybe"}, {"contains_officers": None}])
def test_sorting_needs_a_yes_or_no(clients, image, body):
    response = clients["volunteer"].post(f"{API}images/{image.pk}/sort/", body, format="json")
    assert response.status_code == 400 and "contains_officers" in response.json()["errors"]
    assert not Decision.objects.exists()
