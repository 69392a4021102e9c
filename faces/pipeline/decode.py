"""Decode untrusted uploads safely, and re-encode them without metadata.

An upload is judged by decoding it with Pillow, never by its name or declared type.
`sanitize_upload` produces the file we store and serve; `load_rgb` gives the worker the
pixels. Both raise only `ImageRejected` for bad bytes, with a message meant for the
member of the public who uploaded the file.

Output formats (the rendition we keep of each upload):
- JPEG and HEIC -> JPEG (quality 92; HEIC because browsers cannot show it, JPEG because
  these are camera photos, where PNG would be several times larger);
- PNG and GIF -> PNG (lossless; a GIF becomes its first frame only);
- WebP -> WebP (quality 92; first frame only if animated).
PNG/GIF/WebP keep transparency (RGBA) when the image really has some; JPEG output is
flattened onto white. `load_rgb` always flattens onto white, the colour our pages show
behind a transparent image.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from PIL import Image, ImageFile, ImageOps

from faces.pipeline import _pixels
from oversight.exceptions import DomainError

logger = logging.getLogger(__name__)

try:  # HEIC (iPhone photos) only when pillow-heif is installed.
    import pillow_heif

    pillow_heif.register_heif_opener(thumbnails=False)
    _HEIF: tuple[str, ...] = ("HEIF",)
except ImportError:  # pragma: no cover - depends on the deployment
    _HEIF = ()

# Opening with an explicit list keeps Pillow's rarer, riskier parsers (EPS, PSD, TGA...)
# away from untrusted bytes.
ALLOWED_FORMATS: tuple[str, ...] = ("JPEG", "PNG", "WEBP", "GIF", *_HEIF)
# MPO is what Pillow calls a JPEG with extra pictures (stereo, depth maps): we keep the first.
_OUTPUT_FORMAT = {"JPEG": "JPEG", "MPO": "JPEG", "HEIF": "JPEG", "PNG": "PNG", "GIF": "PNG", "WEBP": "WEBP"}
_CONTENT_TYPE = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp")}
_ACCEPTED = "JPEG, PNG, WebP, HEIC or GIF"
JPEG_QUALITY = 92

REJECTION_CODES = frozenset(
    # "animation_too_long" is reserved: only the first frame is ever decoded, so a long
    # animation costs nothing and is accepted today.
    {"empty", "too_large", "not_an_image", "unsupported_format", "truncated", "too_many_pixels", "animation_too_long"}
)


class ImageRejected(DomainError):
    """An upload we refuse; str(exc) is a message for the person who sent it."""

    # The HTTP answer for each refusal, shared by the pages and the API: too big is 413,
    # not a (supported) picture is 415, anything else about the file is 400.
    HTTP_STATUS = {"too_large": 413, "too_many_pixels": 413, "not_an_image": 415, "unsupported_format": 415}
    field = "file"

    @property
    def http_status(self) -> int:
        return self.status

    def __init__(self, code: str, message: str) -> None:
        if code not in REJECTION_CODES:
            raise ValueError(f"unknown rejection code {code!r}")
        super().__init__(message, code=code, status=self.HTTP_STATUS.get(code, 400))


@dataclass(frozen=True)
class DecodedUpload:
    content: bytes
    format: str
    content_type: str
    extension: str
    width: int
    height: int
    sha256: str
    taken_at: datetime | None


def sanitize_upload(data: bytes, *, max_bytes: int, max_pixels: int) -> DecodedUpload:
    """Validate an upload by decoding it and return a clean re-encoded copy.

    1. Bound the byte size, then open the header and bound the pixel count before decoding.
    2. Decode the first frame only; a truncated or damaged body is a rejection.
    3. Read DateTimeOriginal, apply the EXIF orientation, convert colours to sRGB.
    4. Re-encode into a fresh image that carries no metadata at all.
    """
    if not data:
        raise ImageRejected("empty", "The file is empty. Please choose a photo to upload.")
    if len(data) > max_bytes:
        raise ImageRejected(
            "too_large", f"This file is {_mb(len(data))} MB; the largest we accept is {_mb(max_bytes)} MB."
        )
    with _open(data, max_pixels) as im:
        output_format = _OUTPUT_FORMAT.get(im.format or "", "")
        if not output_format:  # a plugin answered with a format name we do not know
            raise ImageRejected("unsupported_format", f"This image is in {im.format} format; we accept {_ACCEPTED}.")
        _load(im)
        with _unexpected_failure_is_a_rejection():
            taken_at = _pixels.taken_at(im)
            clean = _pixels.normalise(_orient(im), keep_alpha=output_format != "JPEG")
            content = _encode(clean, output_format)
    content_type, extension = _CONTENT_TYPE[output_format]
    return DecodedUpload(
        content=content,
        format=output_format,
        content_type=content_type,
        extension=extension,
        width=clean.width,
        height=clean.height,
        sha256=hashlib.sha256(data).hexdigest(),
        taken_at=taken_at,
    )


def load_rgb(data: bytes, *, max_pixels: int) -> np.ndarray:
    """Decode once for the worker: oriented, RGB, uint8, HxWx3, C-contiguous."""
    if not data:
        raise ImageRejected("empty", "The file is empty. Please choose a photo to upload.")
    with _open(data, max_pixels) as im:
        _load(im)
        with _unexpected_failure_is_a_rejection():
            rgb = _pixels.normalise(_orient(im), keep_alpha=False)
    return np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Read only the header, and refuse what we cannot or must not decode."""
    _refuse_truncated_images()
    try:
        im = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except Image.DecompressionBombError:
        raise ImageRejected("too_many_pixels", _too_many_pixels_message(None, max_pixels)) from None
    except Exception as exc:  # any parser failure on untrusted bytes is "not an image"
        other = _other_format(data)
        if other:
            raise ImageRejected(
                "unsupported_format",
                f"This image is in {other} format; we accept {_ACCEPTED}. Please convert it and try again.",
            ) from exc
        raise ImageRejected("not_an_image", f"This file is not an image we can read ({_ACCEPTED}).") from exc
    width, height = im.size
    if width <= 0 or height <= 0:
        im.close()
        raise ImageRejected("not_an_image", f"This file is not an image we can read ({_ACCEPTED}).")
    # Our own limit, checked before any pixel is decoded; Pillow's global MAX_IMAGE_PIXELS
    # is a process-wide setting that other code may change.
    if width * height > max_pixels:
        im.close()
        raise ImageRejected("too_many_pixels", _too_many_pixels_message((width, height), max_pixels))
    return im


def _load(im: Image.Image) -> None:
    """Decode the first frame (Pillow never reads later GIF/WebP frames unless asked)."""
    try:
        im.load()
    except Image.DecompressionBombError:
        raise ImageRejected("too_many_pixels", _too_many_pixels_message(im.size, 0)) from None
    except Exception as exc:  # OSError "truncated", EOFError, SyntaxError, struct.error, zlib...
        logger.info("upload rejected while decoding: %r", exc)
        raise ImageRejected(
            "truncated",
            "This image seems incomplete or damaged (perhaps the upload was cut short). "
            "Please try again with the original file.",
        ) from exc


@contextmanager
def _unexpected_failure_is_a_rejection() -> Iterator[None]:
    """After a successful decode nothing should fail; if it does, refuse the upload, loudly."""
    try:
        yield
    except ImageRejected:
        raise
    except Exception as exc:
        logger.exception("decoded upload could not be processed")
        raise ImageRejected(
            "unsupported_format", "We could not process this image. Please save it as JPEG or PNG and try again."
        ) from exc


def _orient(im: Image.Image) -> Image.Image:
    try:
        return ImageOps.exif_transpose(im)
    except Exception:  # malformed EXIF: the pixels are fine, keep them as stored
        logger.info("ignoring unreadable EXIF orientation", exc_info=True)
        return im.copy()


def _encode(im: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        im.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif fmt == "WEBP":
        im.save(buffer, "WEBP", quality=JPEG_QUALITY, method=4)
    else:
        im.save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


def _other_format(data: bytes) -> str:
    """Name a real image format we do not accept, to tell the uploader what to convert.

    Only the header is parsed (no pixels decoded).
    """
    try:
        with Image.open(io.BytesIO(data)) as im:
            return im.format or ""
    except Exception:
        return ""


_warned_truncated = False


def _refuse_truncated_images() -> None:
    """Undo ImageFile.LOAD_TRUNCATED_IMAGES = True if some import set it.

    face_recognition sets it at import time; left on, a half-uploaded JPEG would decode
    into a grey-filled picture instead of being refused.
    """
    global _warned_truncated
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        if not _warned_truncated:
            _warned_truncated = True
            logger.warning("PIL.ImageFile.LOAD_TRUNCATED_IMAGES was switched on by an import; reset to False")


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".removesuffix(".0")


def _too_many_pixels_message(size: tuple[int, int] | None, max_pixels: int) -> str:
    limit = f"{max_pixels / 1_000_000:g} megapixels" if max_pixels else "the size we can handle"
    if size:
        return f"This image is {size[0]}×{size[1]} pixels, more than {limit}. Please resize it and try again."
    return f"This image has more pixels than {limit}. Please resize it and try again."
