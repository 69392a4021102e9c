"""Pixel-format and metadata helpers for decode.py (Pillow images in, Pillow images out)."""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, datetime, timedelta

import numpy as np
from PIL import ExifTags, Image, ImageCms

logger = logging.getLogger(__name__)

_SIXTEEN_BIT_MODES = {"I;16", "I;16B", "I;16L", "I;16N", "I"}
_ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa", "La"}
_EXIF_DATETIME = re.compile(r"^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
WHITE = (255, 255, 255)


def normalise(im: Image.Image, *, keep_alpha: bool) -> Image.Image:
    """Return a new 8-bit sRGB image ("RGB", or "RGBA" if keep_alpha and really transparent).

    The result has an empty `info`, so nothing of the source's metadata (EXIF, XMP, ICC,
    comments, PNG text) can follow it into a saved file: Pillow's JPEG and PNG writers fall
    back to `im.info` for the comment and the ICC profile.
    """
    im = _eight_bit(im)
    im = _to_srgb(im)
    if _has_alpha(im):
        rgba = im.convert("RGBA")
        opaque = rgba.getchannel("A").getextrema() == (255, 255)
        if keep_alpha and not opaque:
            out = rgba
        else:
            out = Image.new("RGB", rgba.size, WHITE)
            out.paste(rgba, mask=rgba.getchannel("A"))
    else:
        out = im.convert("RGB")  # a new image even when already RGB
    out.info.clear()
    return out


def _eight_bit(im: Image.Image) -> Image.Image:
    """Scale 16-bit greyscale to 8 bits (Pillow's own convert() clips at 255 instead)."""
    if im.mode in _SIXTEEN_BIT_MODES:
        values = np.clip(np.asarray(im).astype(np.int64), 0, 65535)
        return Image.fromarray(((values * 255 + 32767) // 65535).astype(np.uint8), "L")
    if im.mode == "F":
        return Image.fromarray(np.clip(np.asarray(im), 0, 255).astype(np.uint8), "L")
    return im


def _to_srgb(im: Image.Image) -> Image.Image:
    """Apply an embedded ICC profile, so colours survive dropping it (e.g. Display P3, CMYK)."""
    icc = im.info.get("icc_profile")
    if not icc or im.mode not in ("RGB", "RGBA", "CMYK"):
        return im
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if ImageCms.getProfileDescription(source).strip().lower().startswith("srgb"):
            return im
        converted = ImageCms.profileToProfile(im, source, _SRGB, outputMode="RGBA" if im.mode == "RGBA" else "RGB")
        return converted if converted is not None else im  # None only comes back with inPlace=True
    except Exception:  # a broken profile: keep the pixels as they are
        logger.info("ignoring unusable ICC profile", exc_info=True)
        return im


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in _ALPHA_MODES or (im.mode in ("P", "L", "RGB") and "transparency" in im.info)


def taken_at(im: Image.Image) -> datetime | None:
    """EXIF DateTimeOriginal as an aware UTC datetime, or None if absent or implausible.

    The EXIF time is the camera's local clock; OffsetTimeOriginal is applied when present,
    otherwise the time is taken as UTC (cameras rarely record their zone).
    """
    try:
        exif_ifd = im.getexif().get_ifd(ExifTags.IFD.Exif)
        raw = _text(exif_ifd.get(ExifTags.Base.DateTimeOriginal))
        match = _EXIF_DATETIME.match(raw)
        if not match:
            return None
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        when = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
        offset = _EXIF_OFFSET.match(_text(exif_ifd.get(ExifTags.Base.OffsetTimeOriginal)))
        if offset:
            sign = 1 if offset.group(1) == "+" else -1
            when -= sign * timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3)))
    except Exception:  # malformed EXIF is common and never a reason to refuse a photo
        return None
    if when.year < 1900 or when > datetime.now(UTC) + timedelta(days=1):
        return None
    return when


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return value.strip("\x00 ") if isinstance(value, str) else ""
