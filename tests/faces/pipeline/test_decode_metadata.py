"""sanitize_upload: EXIF orientation applied, every piece of metadata stripped, capture time read."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import numpy as np
import pytest
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from faces.pipeline.decode import load_rgb, sanitize_upload
from tests.faces.pipeline.helpers import MAX_BYTES, MAX_PIXELS, encode, photo, reopen

SECRET = b"Jane Roe, 12 Elm Street"
QUADRANTS = {  # what the viewer must see: top-left red, top-right green, bottom-left blue, bottom-right white
    (0, 0): (255, 0, 0),
    (0, 1): (0, 255, 0),
    (1, 0): (0, 0, 255),
    (1, 1): (255, 255, 255),
}


def sanitize(data: bytes):
    return sanitize_upload(data, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS)


def displayed_picture() -> np.ndarray:
    """64 wide x 32 high, four flat quadrants (flat so JPEG keeps them recognisable)."""
    picture = np.zeros((32, 64, 3), dtype=np.uint8)
    for (row, col), colour in QUADRANTS.items():
        picture[row * 16 : (row + 1) * 16, col * 32 : (col + 1) * 32] = colour
    return picture


# How a camera stores the displayed picture for each EXIF orientation (from the EXIF
# spec's definitions, independently of Pillow): the viewer undoes these.
STORED_AS = {
    1: lambda d: d,
    2: lambda d: d[:, ::-1],  # mirrored horizontally
    3: lambda d: d[::-1, ::-1],  # rotated 180
    4: lambda d: d[::-1, :],  # mirrored vertically
    5: lambda d: d.transpose(1, 0, 2),  # transposed
    6: lambda d: np.rot90(d, 1),  # viewer rotates 90 clockwise
    7: lambda d: np.rot90(d, 2).transpose(1, 0, 2),  # transversed
    8: lambda d: np.rot90(d, -1),  # viewer rotates 90 counter-clockwise
}


def assert_looks_like_displayed_picture(pixels: np.ndarray) -> None:
    assert pixels.shape[:2] == (32, 64)
    for (row, col), colour in QUADRANTS.items():
        centre = pixels[row * 16 + 8, col * 32 + 16].astype(int)
        assert np.abs(centre - colour).max() < 40, f"quadrant {(row, col)} is {centre.tolist()}, expected {colour}"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_it_applies_every_exif_orientation(orientation):
    stored = np.ascontiguousarray(STORED_AS[orientation](displayed_picture()))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    data = encode(Image.fromarray(stored), "JPEG", quality=95, exif=exif.tobytes())

    upload = sanitize(data)
    assert (upload.width, upload.height) == (64, 32)
    out = reopen(upload.content)
    assert out.getexif().get(ExifTags.Base.Orientation) is None  # no second rotation by viewers
    assert_looks_like_displayed_picture(np.asarray(out.convert("RGB")))
    assert_looks_like_displayed_picture(load_rgb(data, max_pixels=MAX_PIXELS))


def photo_with_every_kind_of_metadata(fmt: str) -> bytes:
    """A real photo carrying GPS, a camera serial, an ICC profile, XMP and a comment."""
    source = Image.open(io.BytesIO(photo("obama_1.jpg")))
    exif = source.getexif()
    exif[ExifTags.Base.BodySerialNumber] = SECRET.decode()
    exif[ExifTags.Base.Artist] = SECRET.decode()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (41.0, 52.0, 55.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (87.0, 37.0, 40.0)
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><dc:creator>' + SECRET + b"</dc:creator></x:xmpmeta>"
    params = {"exif": exif.tobytes(), "icc_profile": source.info["icc_profile"], "xmp": xmp}
    if fmt == "JPEG":
        params["comment"] = SECRET
    if fmt == "PNG":
        text = PngImagePlugin.PngInfo()
        text.add_text("Author", SECRET.decode())
        params["pnginfo"] = text
    return encode(source, fmt, **params)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_it_strips_gps_and_all_other_metadata(fmt):
    data = photo_with_every_kind_of_metadata(fmt)
    assert SECRET in data and Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    upload = sanitize(data)
    out = reopen(upload.content)
    assert upload.format == fmt
    assert len(out.getexif()) == 0
    assert not {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "comment", "Author"} & set(out.info)
    assert SECRET not in upload.content
    assert b"Exif" not in upload.content and b"http://ns.adobe.com" not in upload.content


def test_an_srgb_photo_keeps_its_colours_when_its_profile_is_dropped():
    original = np.asarray(Image.open(io.BytesIO(photo("obama_1.jpg"))).convert("RGB"), dtype=int)
    cleaned = np.asarray(reopen(sanitize(photo("obama_1.jpg")).content), dtype=int)
    assert np.abs(cleaned - original).mean() < 4


def test_a_wide_gamut_photo_is_converted_to_srgb_before_its_profile_is_dropped():
    # kit_harington_2.jpg is tagged ProPhoto RGB: read as if sRGB it looks washed out.
    source = Image.open(io.BytesIO(photo("kit_harington_2.jpg")))
    as_if_srgb = np.asarray(source.convert("RGB"), dtype=int)
    profile = ImageCms.ImageCmsProfile(io.BytesIO(source.info["icc_profile"]))
    srgb = ImageCms.profileToProfile(source, profile, ImageCms.createProfile("sRGB"), outputMode="RGB")
    expected = np.asarray(srgb, dtype=int)
    cleaned = np.asarray(reopen(sanitize(photo("kit_harington_2.jpg")).content), dtype=int)
    assert np.abs(as_if_srgb - expected).mean() > 8
    assert np.abs(cleaned - expected).mean() < 3


def jpeg_taken_at(original: str, offset: str | None = None) -> bytes:
    exif = Image.Exif()
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    exif_ifd[ExifTags.Base.DateTimeOriginal] = original
    if offset:
        exif_ifd[ExifTags.Base.OffsetTimeOriginal] = offset
    return encode(Image.new("RGB", (16, 16), "grey"), "JPEG", exif=exif.tobytes())


def test_it_reads_when_a_real_photo_was_taken():
    assert sanitize(photo("obama_1.jpg")).taken_at == datetime(2012, 12, 6, 15, 46, 1, tzinfo=UTC)


def test_it_converts_the_capture_time_to_utc_when_the_camera_recorded_its_offset():
    taken_at = sanitize(jpeg_taken_at("2021:06:05 14:30:00", "-05:00")).taken_at
    assert taken_at == datetime(2021, 6, 5, 19, 30, tzinfo=UTC)
    assert taken_at.utcoffset().total_seconds() == 0


def test_it_takes_a_capture_time_without_offset_as_utc():
    assert sanitize(jpeg_taken_at("2021:06:05 14:30:00")).taken_at == datetime(2021, 6, 5, 14, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "value", ["0000:00:00 00:00:00", "2021:13:45 99:00:00", "yesterday", "", "2999:01:01 00:00:00"]
)
def test_a_malformed_or_impossible_capture_time_is_none(value):
    assert sanitize(jpeg_taken_at(value)).taken_at is None


def test_a_photo_without_exif_has_no_capture_time():
    assert sanitize(photo("group_voc_2008_002470.jpg")).taken_at is None
