"""Hostile uploads, filenames and boxes at the service level (faces.services.uploads).

Every file of tests/data/hostile/ goes through image_create: accepted files are stored
sanitised (no metadata, upright), rejected ones raise ImageRejected with the manifest's
code and leave no row and no stored file.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import ExifTags
from PIL import Image as PILImage

from faces.models import Face, Image
from faces.pipeline.decode import REJECTION_CODES, ImageRejected
from faces.services.uploads import InvalidBox, face_box_create, image_create, validate_box
from tests.hostile import (
    BIDI_CONTROLS,
    BOX_PHOTO_SIZE,
    HOSTILE_BOXES,
    HOSTILE_FILENAMES,
    corpus,
    generator,
    is_safe_filename,
)

CORPUS = {item.name: item for item in corpus()}
GENERATE = generator()
STORAGE_NAME = re.compile(r"^originals/[0-9a-f]{2}/[0-9a-f]{32}\.(jpg|png|webp)$")
UPRIGHT_64x32 = {
    name
    for name in CORPUS
    if name.startswith(("orientation_", "exif_", "cmyk", "polyglot", "png_named", "jpeg_named", "rgb_16bit"))
}


def media_root() -> Path:
    return Path(settings.STORAGES["default"]["OPTIONS"]["location"])


def stored_files() -> list[Path]:
    root = media_root()
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(data: bytes, department, name: str = "photo.jpg", filename: str = ""):
    return image_create(upload=SimpleUploadedFile("upload.bin", data), department=department, filename=filename or name)


def assert_upright(im: PILImage.Image) -> None:
    pixels = np.asarray(im.convert("RGB"), dtype=int)
    assert pixels.shape[:2] == (32, 64)
    for (row, col), colour in GENERATE.QUADRANTS.items():
        centre = pixels[row * 16 + 8, col * 32 + 16]
        assert np.abs(centre - colour).max() < 40, f"quadrant {(row, col)} is {centre.tolist()}"


def test_the_manifest_covers_every_generated_file_with_a_known_code():
    assert set(CORPUS) == {name for name, *_ in GENERATE.CORPUS}
    for item in CORPUS.values():
        assert item.expected in ("accepted", "rejected")
        assert (item.code in REJECTION_CODES) if not item.accepted else item.code == ""
    bombs = [CORPUS["bomb.png"], CORPUS["bomb.jpg"]]
    assert all(item.path.stat().st_size < 100_000 for item in bombs)
    gif = PILImage.open(CORPUS["frames_10000.gif"].path)
    assert gif.n_frames == 10_000


@pytest.mark.parametrize("item", corpus(), ids=[i.name for i in corpus()])
def test_each_hostile_file_is_stored_sanitised_or_refused_with_its_code(item, allowed_department):
    if not item.accepted:
        with pytest.raises(ImageRejected) as caught:
            upload(item.read(), allowed_department, item.name)
        assert caught.value.code == item.code
        message = str(caught.value)
        assert 20 < len(message) < 300 and "Traceback" not in message and "Error" not in message
        assert Image.objects.count() == 0
        assert stored_files() == []
        return

    result = upload(item.read(), allowed_department, item.name)
    assert result.created
    image = Image.objects.get()
    assert STORAGE_NAME.match(image.file.name)
    assert [p.relative_to(media_root()).as_posix() for p in stored_files()] == [image.file.name]
    stored = image.file.read()
    out = PILImage.open(io.BytesIO(stored))
    out.load()
    assert out.format == image.format and image.format in ("JPEG", "PNG")
    assert (out.width, out.height) == (image.width, image.height)
    assert len(out.getexif()) == 0
    assert not out.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"exif", "xmp", "comment", "icc_profile"} & set(out.info)
    assert GENERATE.SECRET.encode() not in stored
    assert b"<script" not in stored and b"<html" not in stored.lower()
    if item.name in UPRIGHT_64x32:
        assert_upright(out)


def test_a_batch_of_the_whole_corpus_keeps_every_good_file_and_nothing_of_the_bad(allowed_department):
    outcomes = {}
    for item in corpus():
        try:
            outcomes[item.name] = upload(item.read(), allowed_department, item.name).created
        except ImageRejected as exc:
            outcomes[item.name] = exc.code
    assert outcomes == {i.name: (True if i.accepted else i.code) for i in corpus()}
    accepted = [i for i in corpus() if i.accepted]
    assert Image.objects.count() == len(accepted)
    assert sorted(Image.objects.values_list("original_filename", flat=True)) == sorted(i.name for i in accepted)
    assert len(stored_files()) == len(accepted)


def test_every_accepted_hostile_file_is_processed_to_done_by_the_real_pipeline(
    allowed_department, django_capture_on_commit_callbacks
):
    accepted = [i for i in corpus() if i.accepted]
    with django_capture_on_commit_callbacks(execute=True):
        for item in accepted:
            upload(item.read(), allowed_department, item.name)
    statuses = dict(Image.objects.values_list("original_filename", "status"))
    assert statuses == {i.name: "done" for i in accepted}


def test_a_file_over_the_byte_limit_is_refused_before_decoding_and_leaves_nothing(allowed_department, settings):
    data = CORPUS["exif_oversized.jpg"].read()
    settings.UPLOAD_MAX_BYTES = len(data) - 1
    with pytest.raises(ImageRejected) as caught:
        upload(data, allowed_department)
    assert caught.value.code == "too_large" and "MB" in str(caught.value)
    assert Image.objects.count() == 0 and stored_files() == []


@pytest.mark.parametrize("case,name", HOSTILE_FILENAMES, ids=[c for c, _ in HOSTILE_FILENAMES])
def test_a_hostile_filename_is_stored_safe_and_never_names_the_stored_file(case, name, allowed_department):
    image = upload(CORPUS["orientation_1.jpg"].read(), allowed_department, filename=name).image
    assert is_safe_filename(image.original_filename), repr(image.original_filename)
    assert "\x00" not in image.original_filename and not BIDI_CONTROLS & set(image.original_filename)
    assert STORAGE_NAME.match(image.file.name), image.file.name
    [path] = stored_files()
    assert path.relative_to(media_root()).as_posix() == image.file.name
    assert path.resolve().is_relative_to(media_root().resolve())


@pytest.mark.parametrize("case,name", HOSTILE_FILENAMES, ids=[c for c, _ in HOSTILE_FILENAMES])
def test_a_hostile_name_on_the_uploaded_file_itself_is_stored_safe(case, name, allowed_department):
    data = CORPUS["orientation_2.jpg"].read()
    # Django's UploadedFile keeps a basename; the service must be safe with whatever remains.
    try:
        uploaded = SimpleUploadedFile(name or "x", data)
    except SuspiciousFileOperation:  # Django refuses a name with no base name before we see it
        assert case in ("traversal_only", "dot_dot")
        return
    image = image_create(upload=uploaded, department=allowed_department).image
    assert is_safe_filename(image.original_filename), repr(image.original_filename)
    assert STORAGE_NAME.match(image.file.name)


@pytest.fixture
def box_photo(allowed_department) -> Image:
    image = upload(CORPUS["orientation_1.jpg"].read(), allowed_department).image
    assert (image.width, image.height) == BOX_PHOTO_SIZE
    return image


@pytest.mark.parametrize("case,box,fragment", HOSTILE_BOXES, ids=[c for c, *_ in HOSTILE_BOXES])
def test_a_hostile_box_is_refused_with_a_clear_message_and_no_row(case, box, fragment, box_photo):
    with pytest.raises(InvalidBox) as caught:
        validate_box(box_photo, *box)
    assert fragment in str(caught.value)
    with pytest.raises(InvalidBox):
        face_box_create(image=box_photo, x=box[0], y=box[1], w=box[2], h=box[3], created_by=None)
    assert Face.objects.count() == 0


def test_a_box_exactly_filling_the_photo_is_accepted(box_photo):
    face = face_box_create(image=box_photo, x="0", y=0.0, w=64, h="32", created_by=None)
    assert (face.x, face.y, face.w, face.h) == (0, 0, 64, 32)


FUZZ_SEEDS = [
    CORPUS[name].read()
    for name in (
        "exif_oversized.jpg",
        "polyglot.jpg",
        "rgb_16bit.png",
        "cmyk.jpg",
        "orientation_6.jpg",
        "truncated.jpg",
    )
]


@st.composite
def mutated_hostile_file(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(FUZZ_SEEDS)))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, max(0, min(len(data), 600) - 1)))  # headers and EXIF sit first
        kind = draw(st.sampled_from(["flip", "insert", "truncate"]))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        else:
            del data[at:]
    return bytes(data)


@hypothesis_settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=mutated_hostile_file())
def test_fuzzed_hostile_files_are_stored_or_refused_and_a_refusal_leaves_nothing(data, allowed_department):
    Image.objects.all().delete()
    for path in stored_files():
        path.unlink()
    try:
        image_create(upload=SimpleUploadedFile("f.jpg", data), department=allowed_department)
    except ImageRejected as exc:
        assert exc.code in REJECTION_CODES
        assert Image.objects.count() == 0 and stored_files() == []
    else:
        image = Image.objects.get()
        assert [p.relative_to(media_root()).as_posix() for p in stored_files()] == [image.file.name]


@pytest.mark.parametrize("height,width", [(1, 1), (32, 64), (12, 800), (800, 12), (300, 47), (127, 64)])
def test_the_people_labeler_survives_images_smaller_than_its_window(height, width):
    # OpenCV's HOG corrupted the heap (killing the worker) on these before the size guard.
    from faces.pipeline.label import OpenCVPeopleLabeler

    labels = OpenCVPeopleLabeler().label(np.full((height, width, 3), 128, dtype=np.uint8))
    assert labels["people_count"] == 0 and labels["people"] == []
