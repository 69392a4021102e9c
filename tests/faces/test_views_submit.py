"""The upload page: access, what it tells people, per-file results and hostile input."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage

from faces.models import Image
from tests.conftest import client_for, photo

URL = "/submit/"
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()  # throttles count in the cache; each test starts with a clean slate
    yield
    cache.clear()


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def bomb_png(side: int = 20_000) -> bytes:
    """A valid 1-bit PNG of side×side pixels: ~50 KB on disk, 400 megapixels decoded."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (side + 7) // 8)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_the_url_name_is_submit():
    assert reverse("submit") == URL


@pytest.mark.parametrize(
    "role", ["anonymous", "member", "volunteer", "coordinator", "other_coordinator", "admin", "disabled"]
)
def test_everyone_may_open_the_upload_page(users, role):
    response = client_for(users[role]).get(URL)
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content


def test_the_picker_groups_departments_by_state_and_says_where_recognition_is_used(
    db, allowed_department, disallowed_department, illinois_department
):
    html = client_for(None).get(URL).content.decode()
    assert '<optgroup label="Oregon (OR)">' in html
    assert '<optgroup label="Illinois (IL)">' in html
    assert "Springfield Police Department — recognition used" in html
    assert "Chicago Police Department — no facial recognition" in html
    assert "Riverside Sheriff — no facial recognition" in html
    assert "faces will be compared with the officer gallery of departments that allow it" in html
    assert "no facial recognition is used for this jurisdiction" in html
    assert "Illinois: facial recognition is forbidden by state law — Illinois" in html
    assert 'id="department-filter"' in html  # the searchable filter (shown by upload.js)


@pytest.mark.parametrize(
    "fixture, expected",
    [
        ("allowed_department", "Faces will be compared with the officer gallery of departments that allow it."),
        ("disallowed_department", "No facial recognition is used for this jurisdiction."),
        ("illinois_department", "No facial recognition is used for this jurisdiction. State law (IL): Illinois"),
    ],
)
def test_a_preselected_department_states_plainly_what_will_happen(request, fixture, expected):
    department = request.getfixturevalue(fixture)
    html = client_for(None).get(URL, {"department": department.slug}).content.decode()
    assert expected in html
    assert f'<option value="{department.pk}" selected>' in html


def test_an_anonymous_upload_is_stored_and_processed(allowed_department, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(None).post(
            URL, {"department": allowed_department.pk, "photos": upload("obama.jpg", photo("obama_2.jpg"))}
        )
    assert response.status_code == 200
    image = Image.objects.get()
    assert image.uploaded_by is None and image.department == allowed_department
    assert image.status == Image.Status.DONE
    assert image.faces.count() == 1
    html = response.content.decode()
    assert "Uploaded. Faces are being detected." in html
    assert reverse("image_detail", args=[image.pk]) in html


def test_the_json_path_answers_per_file(allowed_department):
    response = client_for(None).post(
        URL, {"department": allowed_department.pk, "photos": upload("a.jpg", photo("biden_lfw_1.jpg"))}, **JSON
    )
    assert response.status_code == 200
    [result] = response.json()["results"]
    image = Image.objects.get()
    assert result == {
        "name": "a.jpg",
        "ok": True,
        "code": "created",
        "image_id": image.pk,
        "url": f"/images/{image.pk}/",
        "message": "Uploaded. Faces are being detected.",
    }


def test_a_duplicate_links_to_the_existing_photo(allowed_department):
    client = client_for(None)
    client.post(URL, {"department": allowed_department.pk, "photos": upload("a.jpg", photo("biden_lfw_1.jpg"))})
    response = client.post(
        URL, {"department": allowed_department.pk, "photos": upload("again.jpg", photo("biden_lfw_1.jpg"))}, **JSON
    )
    [result] = response.json()["results"]
    existing = Image.objects.get()
    assert result["code"] == "duplicate" and not result["ok"]
    assert result["url"] == f"/images/{existing.pk}/"
    html = client.post(
        URL, {"department": allowed_department.pk, "photos": upload("again.jpg", photo("biden_lfw_1.jpg"))}
    ).content.decode()
    assert f'<a href="/images/{existing.pk}/">See the existing photo</a>' in html


def test_bad_files_get_their_own_message_while_the_good_ones_upload(allowed_department, settings):
    settings.UPLOAD_MAX_BYTES = 150_000
    files = [
        upload("notes.jpg", b"These are my notes, not a photo.\n" * 20),
        upload("cut.jpg", photo("obama_lowres_240p.jpg")[:15_000]),
        upload("empty.jpg", b""),
        upload("bomb.png", bomb_png(), "image/png"),
        upload("huge.jpg", photo("obama_1.jpg")),
        upload("good.jpg", photo("obama_lowres_240p.jpg")),
    ]
    response = client_for(None).post(URL, {"department": allowed_department.pk, "photos": files}, **JSON)
    assert response.status_code == 200
    results = {r["name"]: r for r in response.json()["results"]}
    assert results["notes.jpg"]["code"] == "not_an_image"
    assert results["cut.jpg"]["code"] == "truncated"
    assert results["empty.jpg"]["code"] == "empty"
    assert results["bomb.png"]["code"] == "too_many_pixels"
    assert "megapixels" in results["bomb.png"]["message"]
    assert results["huge.jpg"]["code"] == "too_large"
    assert results["good.jpg"]["ok"] is True
    for name in ("notes.jpg", "cut.jpg", "empty.jpg", "bomb.png", "huge.jpg"):
        assert results[name]["ok"] is False and results[name]["message"]
    # Nothing half-saved: one row, one stored file (the good photo).
    image = Image.objects.get()
    assert image.original_filename == "good.jpg"
    assert [p.name for p in stored_files(settings)] == [image.file.name.rsplit("/", 1)[-1]]


def test_the_page_without_javascript_lists_a_message_next_to_each_file(allowed_department):
    files = [upload("notes.jpg", b"plain text"), upload("good.jpg", photo("biden_lfw_2.jpg"))]
    html = client_for(None).post(URL, {"department": allowed_department.pk, "photos": files}).content.decode()
    assert "notes.jpg" in html and "This file is not an image we can read" in html
    assert "good.jpg" in html and "View the photo" in html
    assert Image.objects.count() == 1


@pytest.mark.parametrize("department", ["", "999999", "abc", "1; DROP TABLE", "9" * 40])
def test_a_missing_or_unknown_department_is_refused_clearly(db, department):
    response = client_for(None).post(
        URL, {"department": department, "photos": upload("a.jpg", photo("biden_lfw_1.jpg"))}, **JSON
    )
    assert response.status_code == 400
    assert "department" in response.json()["errors"]
    assert Image.objects.count() == 0
    page = client_for(None).post(URL, {"department": department, "photos": upload("a.jpg", photo("biden_lfw_1.jpg"))})
    assert page.status_code == 400 and b'role="alert"' in page.content


def test_no_files_is_refused_clearly(allowed_department):
    response = client_for(None).post(URL, {"department": allowed_department.pk}, **JSON)
    assert response.status_code == 400
    assert response.json()["errors"]["photos"] == ["Choose at least one photo to upload."]


def test_too_many_files_at_once_is_refused(allowed_department):
    files = [upload(f"{i}.jpg", b"x") for i in range(21)]
    response = client_for(None).post(URL, {"department": allowed_department.pk, "photos": files}, **JSON)
    assert response.status_code == 400
    assert Image.objects.count() == 0


def test_uploads_are_rate_limited_per_client_with_retry_after(allowed_department, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    # The throttles read their rates from a class attribute bound at import time.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "anon_upload": "2/hour"}
    )
    client = client_for(None)
    names = ["biden_lfw_1.jpg", "biden_lfw_2.jpg", "obama_lowres_240p.jpg"]
    batch = [upload(n, photo(n)) for n in names]
    response = client.post(URL, {"department": allowed_department.pk, "photos": batch}, **JSON)
    codes = [r["code"] for r in response.json()["results"]]
    assert codes == ["created", "created", "throttled"]
    refused = client.post(
        URL, {"department": allowed_department.pk, "photos": upload("x.jpg", photo("kit_harington_2.jpg"))}, **JSON
    )
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert Image.objects.count() == 2


def test_an_uploaded_png_keeps_no_metadata_and_gif_keeps_its_first_frame(allowed_department):
    frames = [PILImage.new("RGB", (64, 48), colour) for colour in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    response = client_for(None).post(
        URL, {"department": allowed_department.pk, "photos": upload("anim.gif", buffer.getvalue(), "image/gif")}, **JSON
    )
    assert response.json()["results"][0]["ok"] is True
    image = Image.objects.get()
    assert (image.width, image.height) == (64, 48)
