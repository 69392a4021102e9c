"""Public renditions: civilians blurred, officers clear, no metadata, originals private."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import override_settings
from django.urls import reverse
from PIL import Image as PILImage

from departments.models import Officer
from faces.models import Face, Image
from faces.renditions import face_crop_bytes, public_rendition_bytes, rendition_invalidate, rendition_key
from faces.services import face_box_create, image_create
from faces.services.review import face_identify, face_identity_restore
from faces.storage import stale_renditions
from tests.conftest import client_for, photo
from tests.faces.test_views_images import processed_image
from tests.review.conftest import stored_image


def pixels(data: bytes) -> np.ndarray:
    with PILImage.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"), dtype=np.float64)


def original_pixels(image: Image) -> np.ndarray:
    with image.file.open("rb") as handle:
        return pixels(handle.read())


def detail(region: np.ndarray) -> float:
    """Mean absolute difference between neighbouring pixels: high for a sharp face, ~0 for a blur."""
    grey = region.mean(axis=2)
    return float(np.abs(np.diff(grey, axis=0)).mean() + np.abs(np.diff(grey, axis=1)).mean())


def region(arr: np.ndarray, face: Face) -> np.ndarray:
    return arr[face.y : face.y + face.h, face.x : face.x + face.w]


def rendition(image: Image) -> np.ndarray:
    data, content_type = public_rendition_bytes(Image.objects.get(pk=image.pk))
    assert content_type == "image/jpeg"
    return pixels(data)


def test_unconfirmed_faces_are_blurred_and_confirmed_officers_are_not(allowed_department, users):
    image = processed_image(allowed_department, "group_obama_biden.jpg")
    first, second = image.faces.order_by("x")
    officer = Officer.objects.create(department=allowed_department, first_name="A", last_name="B", badge_number="1")
    face_identify(first, officer=officer, actor=users["volunteer"])
    original, public = original_pixels(image), rendition(image)
    # The officer's face is as sharp as in the original (only JPEG noise differs)...
    assert detail(region(public, first)) > 0.75 * detail(region(original, first))
    assert np.abs(region(public, first) - region(original, first)).mean() < 6
    # ...the other face has lost nearly all its detail.
    assert detail(region(public, second)) < 0.25 * detail(region(original, second))
    assert np.abs(region(public, second) - region(original, second)).mean() > 8


def test_a_civilian_and_a_user_drawn_box_are_blurred(allowed_department, users):
    image = processed_image(allowed_department, "group_obama_biden.jpg")
    first, second = image.faces.order_by("x")
    face_identify(first, officer=None, civilian=True, actor=users["volunteer"])
    drawn = face_box_create(image=image, x=second.x, y=second.y, w=second.w, h=second.h)
    officer = Officer.objects.create(department=allowed_department, first_name="A", last_name="B", badge_number="1")
    face_identify(second, officer=officer, actor=users["volunteer"])  # the detector box is an officer...
    original, public = original_pixels(image), rendition(image)
    assert detail(region(public, first)) < 0.25 * detail(region(original, first))
    # ...but the box a person drew over the same face is not confirmed: it stays blurred.
    assert detail(region(public, drawn)) < 0.25 * detail(region(original, drawn))


def test_the_whole_photo_is_blurred_until_faces_are_found(allowed_department):
    image = image_create(upload=ContentFile(photo("obama_2.jpg")), department=allowed_department).image
    original, public = original_pixels(image), rendition(image)
    assert detail(public) < 0.2 * detail(original)


def test_the_rendition_is_rebuilt_when_a_face_is_confirmed(
    allowed_department, users, django_capture_on_commit_callbacks
):
    image = processed_image(allowed_department, "obama_2.jpg")
    face = image.faces.get()
    before = rendition(image)
    stored = Image.objects.get(pk=image.pk).public_file.name
    assert stored and default_storage.exists(stored)
    officer = Officer.objects.create(department=allowed_department, first_name="A", last_name="B", badge_number="1")
    with django_capture_on_commit_callbacks(execute=True):
        face_identify(face, officer=officer, actor=users["volunteer"])
    # The review service's on_commit hook forgot the old rendition...
    assert not default_storage.exists(stored)
    assert Image.objects.get(pk=image.pk).public_file.name == ""
    after = rendition(image)
    assert detail(region(after, face)) > 3 * detail(region(before, face))
    # ...and un-confirming blurs the face again.
    with django_capture_on_commit_callbacks(execute=True):
        face_identity_restore(face, officer=None, civilian=False, use_for_recognition=False, actor=users["admin"])
    assert detail(region(rendition(image), face)) < 0.5 * detail(region(after, face))


def test_a_stale_rendition_is_never_served_even_without_invalidation(allowed_department):
    image = processed_image(allowed_department, "obama_2.jpg")
    key_before = rendition_key(image)
    rendition(image)
    Face.objects.filter(image=image).update(
        officer=Officer.objects.create(department=allowed_department, first_name="A", last_name="B", badge_number="1")
    )
    assert rendition_key(image) != key_before
    assert Image.objects.get(pk=image.pk).public_file.name.endswith(f"-{key_before}.jpg")
    rendition(image)
    assert Image.objects.get(pk=image.pk).public_file.name.endswith(f"-{rendition_key(image)}.jpg")


def test_invalidating_twice_or_without_a_rendition_is_harmless(allowed_department):
    image = processed_image(allowed_department, "biden_lfw_1.jpg")
    rendition_invalidate(image.pk)
    rendition(image)
    rendition_invalidate(image.pk)
    rendition_invalidate(image.pk)
    assert Image.objects.get(pk=image.pk).public_file.name == ""


def gps_jpeg() -> bytes:
    with PILImage.open(io.BytesIO(photo("obama_2.jpg"))) as im:
        exif = im.getexif()
        exif[0x010F] = "SecretCam"  # Make
        gps = exif.get_ifd(0x8825)
        gps.update({1: "N", 2: (41.0, 52.0, 40.0), 3: "W", 4: (87.0, 37.0, 40.0)})
        buffer = io.BytesIO()
        im.save(buffer, "JPEG", exif=exif, comment=b"private note")
    return buffer.getvalue()


def test_no_exif_or_gps_ever_reaches_a_public_url(allowed_department, users):
    data = gps_jpeg()
    with PILImage.open(io.BytesIO(data)) as im:
        assert im.getexif().get_ifd(0x8825)  # the upload really carries GPS
    image = image_create(upload=ContentFile(data), department=allowed_department).image
    from faces.services import image_process

    image_process(image.pk)
    officer = Officer.objects.create(department=allowed_department, first_name="A", last_name="B", badge_number="1")
    face_identify(image.faces.get(), officer=officer, actor=users["volunteer"])
    client = client_for(None)
    for url in (reverse("image_public", args=[image.pk]), reverse("face_crop", args=[image.faces.get().pk])):
        body = client.get(url).content
        with PILImage.open(io.BytesIO(body)) as im:
            assert not im.getexif(), url
            assert not {"exif", "icc_profile", "comment", "xmp"} & set(im.info), url
        assert b"SecretCam" not in body and b"private note" not in body and b"Exif" not in body


def test_originals_are_not_reachable_anonymously(allowed_department):
    image = processed_image(allowed_department, "obama_2.jpg")
    client = client_for(None)
    assert client.get(reverse("image_original", args=[image.pk])).status_code == 302
    assert client.get(f"/media/{image.file.name}").status_code == 404
    with override_settings(DEBUG=True):
        assert client.get(f"/media/{image.file.name}").status_code == 404


def test_a_crop_is_refused_for_a_face_that_is_not_a_confirmed_officer(allowed_department):
    image = processed_image(allowed_department, "obama_2.jpg")
    with pytest.raises(PermissionError):
        face_crop_bytes(image.faces.get())


def test_a_rendition_built_while_the_photo_is_taken_down_leaves_no_file(allowed_department):
    image = stored_image(allowed_department)
    # The takedown committed between this request's read and its write: the row is gone,
    # the original is still readable (its removal runs after the commit).
    Image.objects.filter(pk=image.pk).delete()
    data, _ = public_rendition_bytes(image)
    assert data
    assert stale_renditions(image.pk, image.sha256) == []
