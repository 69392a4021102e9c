"""Public renditions: the photo as the public sees it, with civilians' faces blurred.

The sanitised original stays private to volunteers. Everyone else sees a rendition where
every face that is not a confirmed officer (no officer, or marked civilian, user-drawn boxes
included) is pixelated and blurred beyond recognition. Until detection has finished the
whole photo is blurred, because we do not yet know where the faces are.

Caching: the rendition's file name carries a key computed from everything that decides
what is blurred (status, the blurred boxes, the photo's hash). A request recomputes the key
(one query) and rebuilds only when it changed, so a stale rendition is never served even
if an invalidation was missed; `rendition_invalidate` deletes the old file eagerly.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image as PILImage
from PIL import ImageFilter

from faces.models import Face, Image
from faces.pipeline.decode import load_rgb
from faces.storage import delete_quietly

logger = logging.getLogger(__name__)

PUBLIC_JPEG_QUALITY = 85
CROP_MAX_SIDE = 320
# Share of the box added on each side before blurring: hair, ears and jaw identify too.
BLUR_MARGIN = 0.2
_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def is_public_officer_face(face: Face) -> bool:
    """A face shown unblurred: confirmed by a person as an officer, not a civilian."""
    return face.officer_id is not None and not face.is_civilian


def _blurred_boxes(faces: Iterable[Face]) -> list[tuple[int, int, int, int]]:
    return sorted((f.x, f.y, f.w, f.h) for f in faces if not is_public_officer_face(f))


def rendition_key(image: Image, faces: Iterable[Face] | None = None) -> str:
    """A short hash of what decides the rendition's pixels; changes whenever they must."""
    if faces is None:
        faces = Face.objects.filter(image_id=image.pk).only("x", "y", "w", "h", "officer_id", "is_civilian")
    done = image.status == Image.Status.DONE
    payload = f"v1|{image.sha256}|{done}|{_blurred_boxes(faces)}"
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _rendition_name(image: Image, key: str) -> str:
    return f"public/{image.sha256[:2]}/{image.pk}-{key}.jpg"


def _pixelate(region: PILImage.Image, blocks: int) -> PILImage.Image:
    """Pixelate then blur: pixelation destroys detail, the blur hides the block edges."""
    w, h = region.size
    small = region.resize(
        (max(1, min(w, blocks)), max(1, min(h, round(blocks * h / max(w, 1))))), PILImage.Resampling.BOX
    )
    coarse = small.resize((w, h), PILImage.Resampling.NEAREST)
    return coarse.filter(ImageFilter.GaussianBlur(radius=max(2, max(w, h) / 12)))


def blur_faces(im: PILImage.Image, boxes: Iterable[tuple[int, int, int, int]]) -> PILImage.Image:
    out = im.copy()
    for x, y, w, h in boxes:
        mx, my = round(w * BLUR_MARGIN), round(h * BLUR_MARGIN)
        left, top = max(0, x - mx), max(0, y - my)
        right, bottom = min(im.width, x + w + mx), min(im.height, y + h + my)
        if right - left < 1 or bottom - top < 1:
            continue
        region = out.crop((left, top, right, bottom))
        out.paste(_pixelate(region, blocks=8), (left, top))
    return out


def blur_everything(im: PILImage.Image) -> PILImage.Image:
    return _pixelate(im, blocks=24)


def _encode_jpeg(im: PILImage.Image) -> bytes:
    clean = im.convert("RGB")
    clean.info.clear()  # nothing of the source's metadata may follow (EXIF, ICC, comments)
    buffer = io.BytesIO()
    clean.save(buffer, "JPEG", quality=PUBLIC_JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def content_type_of(data: bytes) -> str:
    """The MIME type of encoded bytes, by decoding their header (never by a file name)."""
    with PILImage.open(io.BytesIO(data)) as im:
        return _MIME.get(im.format or "", "application/octet-stream")


def _build(image: Image, faces: list[Face]) -> bytes:
    with image.file.open("rb") as handle:
        data = handle.read()
    im = PILImage.fromarray(load_rgb(data, max_pixels=settings.FACES_DECODE_MAX_PIXELS))
    im = blur_faces(im, _blurred_boxes(faces)) if image.status == Image.Status.DONE else blur_everything(im)
    return _encode_jpeg(im)


def public_rendition_bytes(image: Image) -> tuple[bytes, str]:
    """The public rendition of a photo as (bytes, content type), built once per key.

    1. Compute the key from the photo's current faces and status.
    2. If the stored rendition carries that key, serve it.
    3. Otherwise build it (blur, strip metadata), store it, point Image.public_file at it
       and delete the previous one; if the row is gone meanwhile, delete the new file too.
    """
    faces = list(Face.objects.filter(image_id=image.pk).only("x", "y", "w", "h", "officer_id", "is_civilian"))
    key = rendition_key(image, faces)
    name = _rendition_name(image, key)
    current = Image.objects.filter(pk=image.pk).values_list("public_file", flat=True).first() or ""
    if current == name:
        try:
            with default_storage.open(name, "rb") as handle:
                data = handle.read()
            return data, content_type_of(data)
        except (FileNotFoundError, OSError):
            logger.info("public rendition %s missing; rebuilding", name)
    data = _build(image, faces)
    try:
        if default_storage.exists(name):
            default_storage.delete(name)
        stored = default_storage.save(name, ContentFile(data))
    except Exception:  # the store is down: still answer with the bytes we built
        logger.exception("could not store the public rendition of image %s", image.pk)
        return data, content_type_of(data)
    if not Image.objects.filter(pk=image.pk).update(public_file=stored):
        # The photo was taken down while we built: its removal listed the renditions before
        # this one existed, so nothing else would ever delete it.
        delete_quietly(stored)
        return data, content_type_of(data)
    if current and current != stored:
        delete_quietly(current)
    return data, content_type_of(data)


def rendition_invalidate(image_id: int) -> None:
    """Forget the stored rendition (a face was confirmed, changed or drawn); rebuilt on next view."""
    current = Image.objects.filter(pk=image_id).values_list("public_file", flat=True).first()
    if not current:
        return
    Image.objects.filter(pk=image_id, public_file=current).update(public_file="")
    delete_quietly(current)


def face_crop_bytes(face: Face) -> bytes:
    """A crop around a confirmed officer's face, cut from the public rendition.

    Cutting from the rendition (not the original) keeps any bystander inside the margin
    blurred. Callers must check `is_public_officer_face` first; this refuses otherwise.
    """
    if not is_public_officer_face(face):
        raise PermissionError("only faces confirmed as officers have a public crop")
    data, _ = public_rendition_bytes(face.image)
    with PILImage.open(io.BytesIO(data)) as im:
        im.load()
        mx, my = round(face.w * 0.35), round(face.h * 0.35)
        box = (
            max(0, face.x - mx),
            max(0, face.y - my),
            min(im.width, face.x + face.w + mx),
            min(im.height, face.y + face.h + my),
        )
        crop = im.crop(box)
    crop.thumbnail((CROP_MAX_SIDE, CROP_MAX_SIDE))
    return _encode_jpeg(crop)
