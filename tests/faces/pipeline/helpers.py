"""Helpers for the image-pipeline tests: the real photos under tests/data/faces."""

from __future__ import annotations

import csv
import functools
import io
from pathlib import Path

import numpy as np
from PIL import Image

FACES = Path(__file__).resolve().parents[2] / "data" / "faces"
MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000


def photo(name: str) -> bytes:
    return (FACES / name).read_bytes()


@functools.cache
def manifest() -> dict[str, dict]:
    with open(FACES / "MANIFEST.csv", newline="") as f:
        return {row["file"]: row for row in csv.DictReader(f)}


@functools.cache
def _rgb(name: str) -> np.ndarray:
    from faces.pipeline.decode import load_rgb

    rgb = load_rgb(photo(name), max_pixels=MAX_PIXELS)
    rgb.setflags(write=False)  # shared between tests
    return rgb


def rgb(name: str) -> np.ndarray:
    return _rgb(name)


def encode(im: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, fmt, **params)
    return buffer.getvalue()


def reopen(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im
