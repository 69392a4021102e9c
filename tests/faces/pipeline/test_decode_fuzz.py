"""Fuzzing: whatever bytes arrive, sanitize_upload returns a clean upload or raises ImageRejected."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from faces.pipeline.decode import DecodedUpload, ImageRejected, load_rgb, sanitize_upload
from tests.faces.pipeline.helpers import encode, photo

MAX_PIXELS = 4_000_000  # small, so mutated size fields hit the limit instead of the RAM


def _small_gif() -> bytes:
    first = Image.open(io.BytesIO(photo("biden_lfw_2.jpg"))).convert("P")
    return encode(first, "GIF", save_all=True, append_images=[first.rotate(90)], duration=50)


SEEDS = [
    photo("biden_lfw_1.jpg"),  # baseline JPEG
    photo("group_selfie_many_people.jpg"),  # progressive JPEG
    photo("alex_lacamoire_1.png"),  # RGBA PNG with XMP and ICC
    photo("obama_lowres_240p.jpg"),  # JPEG with Photoshop/XMP segments
    _small_gif(),
]


@st.composite
def mutated_real_image(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]))
        # Headers and size fields sit near the start; pixel data fills the rest.
        limit = draw(st.sampled_from([512, len(data), len(data)]))
        at = draw(st.integers(0, max(0, min(limit, len(data)) - 1)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set" and data:
            data[at] = draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80, draw(st.integers(0, 255))]))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif kind == "truncate":
            del data[at:]
    return bytes(data)


def check(data: bytes) -> None:
    try:
        upload = sanitize_upload(data, max_bytes=2 * 1024 * 1024, max_pixels=MAX_PIXELS)
    except ImageRejected as exc:
        assert exc.code and str(exc)
    else:
        assert isinstance(upload, DecodedUpload) and upload.width * upload.height <= MAX_PIXELS
        with Image.open(io.BytesIO(upload.content)) as out:  # what we store must itself decode
            out.load()
    try:
        pixels = load_rgb(data, max_pixels=MAX_PIXELS)
    except ImageRejected:
        pass
    else:
        assert pixels.dtype.name == "uint8" and pixels.ndim == 3 and pixels.shape[2] == 3


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes_are_rejected_or_decoded_never_crash(data):
    check(data)


@FUZZ
@given(
    st.sampled_from([b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\x00\x00\x00\x00WEBP"]),
    st.binary(max_size=2048),
)
def test_bytes_behind_a_real_magic_number_are_rejected_or_decoded(magic, rest):
    check(magic + rest)


@FUZZ
@given(mutated_real_image())
def test_mutated_real_photos_are_rejected_or_decoded_never_crash(data):
    check(data)
