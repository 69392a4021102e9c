"""Distinct copies of the real test photos (uploads are de-duplicated by SHA-256)."""

from __future__ import annotations

import io
import itertools

from PIL import Image

from tests.conftest import photo

ONE_FACE = [
    "obama_1.jpg",
    "obama_2.jpg",
    "biden_1.jpg",
    "biden_2.jpg",
    "kit_harington_1.jpg",
    "rose_leslie_1.jpg",
    "alex_lacamoire_2.jpg",
    "kit_harington_2.jpg",
    "rose_leslie_2.jpg",
    "biden_lfw_1.jpg",
]


def photo_variants(count: int, names: list[str] = ONE_FACE, salt: int = 0) -> list[tuple[str, bytes]]:
    """`count` JPEGs with different bytes: each a real photo cropped by a few pixels and re-encoded.

    The crop keeps the face (at most 2 % of each side goes); `salt` gives another set.
    """
    out = []
    for n, name in zip(range(count), itertools.cycle(names)):
        im = Image.open(io.BytesIO(photo(name))).convert("RGB")
        k = n // len(names) + 1 + salt * 7
        dx, dy = k % max(1, im.width // 50), (k * 3) % max(1, im.height // 50)
        cropped = im.crop((dx, dy, im.width - (k % 3), im.height - (k % 5)))
        buffer = io.BytesIO()
        cropped.save(buffer, "JPEG", quality=88 + (k % 7))
        out.append((f"{name.rsplit('.', 1)[0]}_{salt}_{n}.jpg", buffer.getvalue()))
    return out
