"""Fixtures for the review dashboard: photos through the real pipeline, and light rows for access tests."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from departments.models import Officer
from faces.models import Face, Image
from tests.conftest import photo


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """upload(name, department, user=None) -> Image, processed by the real (eager) pipeline."""
    from faces.services.uploads import image_create

    def do(name: str, department, user=None) -> Image:
        with django_capture_on_commit_callbacks(execute=True):
            result = image_create(
                upload=SimpleUploadedFile(name, photo(name)), department=department, uploaded_by=user, filename=name
            )
        image = Image.objects.get(pk=result.image.pk)
        assert image.status == Image.Status.DONE, image.error
        return image

    return do


def stored_image(department, name: str = "obama_1.jpg", *, boxes=((10, 10, 60, 60),), **fields) -> Image:
    """A processed photo row with the real file and the given face boxes, without the pipeline.

    For tests about access and queues, where what matters is the rows, not the faces.
    """
    data = photo(name)
    digest = uuid.uuid4().hex * 2  # unique, like a hash of distinct bytes would be
    with PILImage.open(io.BytesIO(data)) as im:
        width, height = im.size
    image = Image(
        sha256=digest,
        format="JPEG",
        department=department,
        width=width,
        height=height,
        status=Image.Status.DONE,
        original_filename=name,
        **fields,
    )
    image.file.save(f"{digest[:12]}.jpg", ContentFile(data), save=False)
    image.save()
    for x, y, w, h in boxes:
        Face.objects.create(image=image, x=x, y=y, w=w, h=h, source=Face.Source.DETECTOR, detector_score=1.0)
    return image


@pytest.fixture
def scene(users, allowed_department, officer):
    """One photo to sort, one face to identify, one identified face in the officer's gallery, one decision."""
    from faces.services.review import face_identify, image_sort

    to_sort = stored_image(allowed_department)
    to_identify = stored_image(allowed_department, "obama_2.jpg", contains_officers=True).faces.get()
    gallery_face = stored_image(allowed_department, "biden_1.jpg", contains_officers=True).faces.get()
    face_identify(gallery_face, officer=officer, actor=users["volunteer"])
    sorted_image = stored_image(allowed_department, "biden_2.jpg")
    image_sort(sorted_image, contains_officers=False, actor=users["volunteer"])
    from faces.models import Decision

    return {
        "to_sort": to_sort,
        "face": to_identify,
        "gallery_face": Face.objects.get(pk=gallery_face.pk),
        "officer": Officer.objects.get(pk=officer.pk),
        "decision": Decision.objects.filter(kind=Decision.Kind.SORT).latest("pk"),
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The shared users fixture hashes seven passwords per test; PBKDF2 would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
