"""The headshot import page: who may use it, a batch from upload to per-file results, hostile uploads."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from departments.models import RecordChange
from faces.models import HeadshotBatch, HeadshotItem, Image
from faces.services.headshot_files import from_uploads
from faces.services.headshots import headshot_batch_create
from tests import factories
from tests.conftest import client_for, photo
from tests.hostile import BIDI_CONTROLS, HOSTILE_FILENAMES, is_safe_filename

ROLES = ["anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin", "disabled"]
# Per role, in ROLES order: "login" is a redirect to the login page.
EDITORS = ["login", 403, 403, 200, 403, 200, "login"]
EDITORS_POST = ["login", 403, 403, 302, 403, 302, "login"]

Status = HeadshotItem.Status


def not_an_image(name: str = "1001.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"this is not a photo", content_type="image/jpeg")


def zip_upload(files: dict[str, bytes], name: str = "headshots.zip") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry, data in files.items():
            archive.writestr(entry, data)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/zip")


@pytest.fixture
def batch(allowed_department, officer):
    source = from_uploads([not_an_image()])
    return headshot_batch_create(department=allowed_department, source=source, actor=factories.user(superuser=True))


def _request(name: str, department, batch):
    return {
        "upload_page": ("get", reverse("review_headshots", args=[department.slug]), None),
        "upload": ("post", reverse("review_headshots", args=[department.slug]), {"photos": [not_an_image()]}),
        "batch_page": ("get", reverse("review_headshot_batch", args=[batch.pk]), None),
        "batch_status": ("get", reverse("review_headshot_batch_status", args=[batch.pk]), None),
    }[name]


TABLE = {"upload_page": EDITORS, "upload": EDITORS_POST, "batch_page": EDITORS, "batch_status": EDITORS}
CASES = [(view, role, expected[i]) for view, expected in TABLE.items() for i, role in enumerate(ROLES)]


@pytest.mark.parametrize(("view", "role", "expected"), CASES, ids=[f"{v}-{r}" for v, r, _ in CASES])
def test_each_role_gets_what_the_table_says(users, allowed_department, batch, view, role, expected):
    method, url, data = _request(view, allowed_department, batch)
    response = getattr(client_for(users[role]), method)(url, data or {})
    if expected == "login":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == expected
    if expected == 403 and view == "upload":
        assert HeadshotBatch.objects.count() == 1  # only the fixture's


def test_a_coordinator_imports_three_files_and_reads_each_result(
    users, allowed_department, django_capture_on_commit_callbacks
):
    obama = factories.officer(allowed_department, last_name="Obama", employee_id="1001")
    biden = factories.officer(allowed_department, last_name="Biden", badge_number="1002")
    client = client_for(users["coordinator"])
    with django_capture_on_commit_callbacks(execute=True):  # the queued tasks run (eagerly) after commit
        response = client.post(
            reverse("review_headshots", args=[allowed_department.slug]),
            {
                "photos": [
                    SimpleUploadedFile("1001.jpg", photo("obama_1.jpg")),
                    SimpleUploadedFile("1002.jpg", photo("biden_1.jpg")),
                    not_an_image("1003.jpg"),
                ]
            },
        )
    batch = HeadshotBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("review_headshot_batch", args=[batch.pk])
    data = client.get(reverse("review_headshot_batch_status", args=[batch.pk])).json()
    assert data["finished"] and data["total"] == 3 and data["settled"] == 3
    rows = {row["file_name"]: row for row in data["items"]}
    assert rows["1001.jpg"]["status"] == Status.DONE and rows["1001.jpg"]["officer"] == obama.full_name
    assert rows["1002.jpg"]["status"] == Status.DONE and rows["1002.jpg"]["officer"] == biden.full_name
    assert rows["1003.jpg"]["status"] == Status.UNKNOWN_OFFICER
    page = client.get(reverse("review_headshot_batch", args=[batch.pk])).content.decode()
    assert "1003.jpg" in page and "headshots.js" in page and "<script>" not in page
    assert RecordChange.objects.get(what="headshots.import").actor == users["coordinator"]
    assert batch.items.get(file_name="1001.jpg").face.identified_by == users["coordinator"]


class RawUpload(io.BytesIO):
    """An uploaded file whose name is exactly what a client sent (Django's own classes clean it)."""

    def __init__(self, name: str, data: bytes) -> None:
        super().__init__(data)
        self.name, self.size = name, len(data)


@pytest.mark.parametrize(("case", "filename"), HOSTILE_FILENAMES, ids=[c for c, _ in HOSTILE_FILENAMES])
def test_hostile_file_names_are_shown_and_stored_safely(users, allowed_department, case, filename):
    factories.officer(allowed_department, badge_number="1001")
    source = from_uploads([RawUpload(filename, photo("obama_lowres_240p.jpg"))])
    headshot_batch_create(department=allowed_department, source=source, actor=users["coordinator"])
    item = HeadshotItem.objects.get()
    assert all(ch.isprintable() for ch in item.file_name) and not (BIDI_CONTROLS & set(item.file_name))
    assert len(item.file_name) <= 255 and "/" not in item.file_name and "\\" not in item.file_name
    for image in Image.objects.all():
        assert is_safe_filename(image.original_filename)


def test_a_zip_with_unsafe_names_and_non_images_is_reported_entry_by_entry(users, allowed_department):
    factories.officer(allowed_department, badge_number="1001")
    client = client_for(users["coordinator"])
    archive = zip_upload({"../../1001.jpg": photo("obama_1.jpg"), "notes.txt": b"hello", "dir/": b""})
    response = client.post(reverse("review_headshots", args=[allowed_department.slug]), {"archive": archive})
    assert response.status_code == 302
    statuses = dict(HeadshotItem.objects.values_list("file_name", "status"))
    assert statuses == {"../../1001.jpg": Status.BAD_IMAGE, "notes.txt": Status.UNKNOWN_OFFICER}
    assert not Image.objects.exists()


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({}, "Choose the photos"),
        ({"archive": SimpleUploadedFile("a.zip", b"PK\x03\x04 not a zip")}, "not a ZIP archive"),
        ({"archive": SimpleUploadedFile("a.zip", b"plain text")}, "not a ZIP archive"),
        (
            {"photos": [not_an_image()], "archive": SimpleUploadedFile("a.zip", b"x")},
            "either photos or one ZIP",
        ),
        ({"photos": [not_an_image()], "mapping": SimpleUploadedFile("m.csv", b"\xff\xfe\x00")}, "not UTF-8"),
        ({"photos": [not_an_image()], "mapping": SimpleUploadedFile("m.csv", b"only-a-name\n")}, "line 1"),
        ({"photos": [not_an_image()], "mapping": SimpleUploadedFile("m.csv", b"1001.jpg\x00,1001\n")}, "control"),
        (
            {"photos": [not_an_image()], "mapping": SimpleUploadedFile("m.csv", b"x" * 300 + b".jpg,1001\n")},
            "longer than 255",
        ),
    ],
    ids=["nothing", "broken_zip", "text_as_zip", "both", "binary_mapping", "short_mapping", "nul_name", "long_name"],
)
def test_a_batch_that_cannot_be_read_is_refused_whole_with_a_reason(users, allowed_department, data, fragment):
    response = client_for(users["coordinator"]).post(reverse("review_headshots", args=[allowed_department.slug]), data)
    assert response.status_code == 400
    assert fragment in response.content.decode()
    assert not HeadshotBatch.objects.exists() and not Image.objects.exists()


def test_more_files_than_the_limit_are_refused_before_anything_is_stored(users, allowed_department, settings):
    settings.HEADSHOTS_MAX_FILES = 2
    photos = [not_an_image(f"{n}.jpg") for n in range(3)]
    response = client_for(users["coordinator"]).post(
        reverse("review_headshots", args=[allowed_department.slug]), {"photos": photos}
    )
    assert response.status_code == 400 and "the limit is 2" in response.content.decode()
    assert not HeadshotBatch.objects.exists()


def test_the_status_of_another_departments_batch_is_refused_to_its_neighbour(users, batch):
    response = client_for(users["other_coordinator"]).get(
        reverse("review_headshot_batch_status", args=[batch.pk]), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 403
    assert "1001.jpg" not in response.content.decode()


def test_more_than_a_hundred_photos_can_be_sent_at_once(users, allowed_department):
    photos = [not_an_image(f"{n}.jpg") for n in range(101)]  # Django's own default limit is 100 files
    response = client_for(users["coordinator"]).post(
        reverse("review_headshots", args=[allowed_department.slug]), {"photos": photos}
    )
    assert response.status_code == 302
    assert HeadshotItem.objects.filter(batch=HeadshotBatch.objects.get()).count() == 101
