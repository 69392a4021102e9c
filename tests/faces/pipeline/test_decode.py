"""sanitize_upload / load_rgb: refusals of bad bytes, and what a good upload becomes."""

from __future__ import annotations

import hashlib
import io
import struct
import time
import zlib

import cv2
import numpy as np
import pytest
from PIL import GifImagePlugin, Image, ImageFile

from faces.pipeline.decode import DecodedUpload, ImageRejected, load_rgb, sanitize_upload
from tests.faces.pipeline.helpers import MAX_BYTES, MAX_PIXELS, encode, photo, reopen


def sanitize(data: bytes, **limits) -> DecodedUpload:
    return sanitize_upload(
        data, max_bytes=limits.get("max_bytes", MAX_BYTES), max_pixels=limits.get("max_pixels", MAX_PIXELS)
    )


def rejection(data: bytes, **limits) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        sanitize(data, **limits)
    return caught.value


def test_it_rejects_a_text_file_renamed_jpg():
    exc = rejection(b"Dear council, the officer's badge number was...\n" * 20)
    assert exc.code == "not_an_image"
    assert str(exc) == "This file is not an image we can read (JPEG, PNG, WebP, HEIC or GIF)."


def test_it_rejects_an_empty_file():
    assert rejection(b"").code == "empty"
    with pytest.raises(ImageRejected):
        load_rgb(b"", max_pixels=MAX_PIXELS)


def test_it_rejects_a_file_over_the_byte_limit_before_decoding_it():
    data = photo("obama_1.jpg")
    exc = rejection(data, max_bytes=len(data) - 1)
    assert exc.code == "too_large"
    assert "MB" in str(exc)


def test_it_names_a_real_image_format_it_does_not_accept():
    exc = rejection(encode(Image.new("RGB", (20, 10), "red"), "BMP"))
    assert exc.code == "unsupported_format"
    assert "BMP" in str(exc) and "JPEG" in str(exc)


@pytest.mark.parametrize("name", ["obama_1.jpg", "alex_lacamoire_1.png"])
def test_it_rejects_a_truncated_jpeg_or_png(name):
    data = photo(name)
    assert rejection(data[: len(data) // 2]).code == "truncated"
    with pytest.raises(ImageRejected) as caught:
        load_rgb(data[: len(data) // 2], max_pixels=MAX_PIXELS)
    assert caught.value.code == "truncated"


def test_it_still_rejects_truncated_files_after_an_import_switched_load_truncated_images_on(monkeypatch):
    # face_recognition does exactly this at import time.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = photo("obama_1.jpg")
    assert rejection(data[: len(data) // 2]).code == "truncated"


def huge_blank_png(width: int, height: int) -> bytes:
    """A valid 1-bit greyscale PNG of width x height, a few kB long (zeros compress well)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def png_bomb() -> bytes:
    return huge_blank_png(20_000, 20_000)


def test_it_rejects_a_png_decompression_bomb_before_decoding_it(png_bomb):
    assert len(png_bomb) < 200_000  # 400 megapixels in a small file
    started = time.perf_counter()
    exc = rejection(png_bomb)
    assert exc.code == "too_many_pixels"
    assert "40 megapixels" in str(exc)
    assert time.perf_counter() - started < 1.0  # refused from the header, nothing decoded


def test_it_enforces_its_own_pixel_limit_even_if_pillows_global_guard_is_off(monkeypatch, png_bomb):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    assert rejection(png_bomb).code == "too_many_pixels"
    with pytest.raises(ImageRejected) as caught:
        load_rgb(png_bomb, max_pixels=MAX_PIXELS)
    assert caught.value.code == "too_many_pixels"


def test_it_maps_pillows_own_bomb_error_to_too_many_pixels(png_bomb):
    assert rejection(png_bomb, max_pixels=10**12).code == "too_many_pixels"


def test_a_real_jpeg_becomes_a_clean_jpeg_with_the_hash_of_the_original_bytes():
    data = photo("obama_1.jpg")
    upload = sanitize(data)
    assert (upload.format, upload.content_type, upload.extension) == ("JPEG", "image/jpeg", ".jpg")
    assert (upload.width, upload.height) == (910, 1137)
    assert upload.sha256 == hashlib.sha256(data).hexdigest()
    assert reopen(upload.content).size == (910, 1137)


def test_it_converts_a_cmyk_jpeg_to_rgb():
    cmyk = Image.new("CMYK", (64, 48), (0, 255, 255, 0))  # pure red in CMYK
    upload = sanitize(encode(cmyk, "JPEG", quality=95))
    out = reopen(upload.content)
    assert out.mode == "RGB"
    r, g, b = out.getpixel((32, 24))
    assert r > 220 and g < 40 and b < 40


def test_a_real_photo_saved_as_cmyk_still_decodes_to_the_same_picture():
    original = Image.open(io.BytesIO(photo("obama_lowres_240p.jpg"))).convert("RGB")
    pixels = load_rgb(encode(original.convert("CMYK"), "JPEG", quality=95), max_pixels=MAX_PIXELS)
    assert pixels.shape == (240, 427, 3)
    assert np.abs(pixels.astype(int) - np.asarray(original, dtype=int)).mean() < 6


def test_it_scales_a_16_bit_greyscale_png_down_to_8_bits_instead_of_clipping():
    ramp = np.tile(np.array([0, 257 * 64, 32768, 65535], dtype=np.uint16).repeat(8), (16, 1))
    ok, png = cv2.imencode(".png", ramp)
    assert ok and reopen(png.tobytes()).mode.startswith("I;16")
    pixels = load_rgb(png.tobytes(), max_pixels=MAX_PIXELS)
    assert pixels[0, ::8, 0].tolist() == [0, 64, 128, 255]
    assert reopen(sanitize(png.tobytes()).content).getpixel((31, 0)) == (255, 255, 255)


def test_it_reads_a_16_bit_colour_png():
    bgr16 = np.zeros((10, 20, 3), dtype=np.uint16)
    bgr16[..., 2] = 65535  # red, in OpenCV's BGR order
    ok, png = cv2.imencode(".png", bgr16)
    assert ok
    upload = sanitize(png.tobytes())
    assert upload.format == "PNG" and reopen(upload.content).getpixel((5, 5)) == (255, 0, 0)


def test_a_png_with_real_transparency_stays_a_transparent_png_but_the_worker_sees_white():
    im = Image.new("RGBA", (20, 10), (255, 0, 0, 255))
    im.paste((0, 0, 0, 0), (10, 0, 20, 10))
    out = reopen(sanitize(encode(im, "PNG")).content)
    assert out.mode == "RGBA" and out.getpixel((15, 5))[3] == 0
    pixels = load_rgb(encode(im, "PNG"), max_pixels=MAX_PIXELS)
    assert pixels[5, 15].tolist() == [255, 255, 255] and pixels[5, 5].tolist() == [255, 0, 0]


def test_an_opaque_rgba_png_becomes_plain_rgb():
    out = reopen(sanitize(photo("alex_lacamoire_1.png")).content)
    assert out.mode == "RGB" and out.size == (424, 394)


def test_a_palette_png_with_a_transparent_index_is_read():
    im = Image.new("P", (8, 8), 1)
    im.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    data = encode(im, "PNG", transparency=0)
    assert load_rgb(data, max_pixels=MAX_PIXELS)[0, 0].tolist() == [255, 0, 0]


def test_a_heic_photo_becomes_a_jpeg():
    pillow_heif = pytest.importorskip("pillow_heif")
    if not pillow_heif.libheif_info().get("encoders", {}).get("x265"):
        pytest.skip("no HEVC encoder to make a HEIC test file")
    original = Image.open(io.BytesIO(photo("biden_lfw_1.jpg")))
    upload = sanitize(encode(original, "HEIF", quality=90))
    assert (upload.format, upload.content_type, upload.extension) == ("JPEG", "image/jpeg", ".jpg")
    assert (upload.width, upload.height) == (250, 250)


def test_a_webp_stays_webp():
    upload = sanitize(encode(Image.open(io.BytesIO(photo("biden_lfw_2.jpg"))), "WEBP", quality=90))
    assert (upload.format, upload.content_type, upload.extension) == ("WEBP", "image/webp", ".webp")
    assert reopen(upload.content).format == "WEBP"


def test_it_keeps_only_the_first_frame_of_a_gif_with_thousands_of_frames(monkeypatch):
    rng = np.random.default_rng(0)
    frames = [Image.new("RGB", (32, 32), (255, 0, 0)).convert("P")]
    frames += [Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).convert("P") for _ in range(3000)]
    gif = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=20, loop=0)
    assert Image.open(io.BytesIO(gif)).n_frames == 3001

    seeks: list[int] = []
    real_seek = GifImagePlugin.GifImageFile._seek

    def counting_seek(self, frame, update_image=True):
        seeks.append(frame)
        return real_seek(self, frame, update_image)

    monkeypatch.setattr(GifImagePlugin.GifImageFile, "_seek", counting_seek)
    upload = sanitize(gif)
    assert set(seeks) == {0}  # never walked past the first frame
    out = Image.open(io.BytesIO(upload.content))
    assert upload.format == "PNG" and not getattr(out, "is_animated", False)
    assert out.convert("RGB").getpixel((16, 16)) == (255, 0, 0)


def test_it_keeps_only_the_first_frame_of_an_animated_webp():
    frames = [Image.new("RGB", (32, 32), colour) for colour in ("red", "green", "blue")]
    webp = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    out = reopen(sanitize(webp).content)
    assert getattr(out, "n_frames", 1) == 1
    r, g, b = out.convert("RGB").getpixel((16, 16))  # re-encoded lossy: close to red
    assert r > 240 and g < 16 and b < 16


def test_it_drops_an_html_trailer_hidden_after_a_real_jpeg():
    payload = b"<html><script>alert(document.cookie)</script></html>"
    upload = sanitize(photo("biden_lfw_1.jpg") + payload)
    assert upload.format == "JPEG"
    assert b"<script" not in upload.content and b"alert(" not in upload.content


def test_a_multi_picture_jpeg_keeps_only_its_first_picture():
    first, second = Image.new("RGB", (64, 32), (255, 0, 0)), Image.new("RGB", (64, 32), (0, 0, 255))
    mpo = encode(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(mpo)).format == "MPO"
    upload = sanitize(mpo)
    out = reopen(upload.content)
    assert upload.format == "JPEG" and out.format == "JPEG" and not getattr(out, "is_animated", False)
    r, g, b = out.getpixel((32, 16))
    assert r > 240 and b < 16
