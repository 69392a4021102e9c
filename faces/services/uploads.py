"""Uploads and boxes drawn by people: validate, store, create rows, queue the work."""

from __future__ import annotations

import logging
import math
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from departments.models import Department
from faces.models import Face, Image, Takedown
from faces.pipeline.decode import ImageRejected, sanitize_upload
from faces.services.notifications import clean_notify_email, notice_create
from faces.services.takedown import SYSTEM_REASON, image_takedown_by_site
from faces.storage import delete_quietly
from oversight.exceptions import DomainError, Unavailable

logger = logging.getLogger(__name__)

Row = TypeVar("Row")


class StorageUnavailable(Unavailable):
    """The file store refused the upload; nothing was saved."""

    code = "storage_unavailable"
    default_message = "The photo store is unavailable right now; please try again later."
    retry_after = 60  # seconds: the API sends it as Retry-After


class InvalidBox(DomainError):
    """A box drawn by a person that does not fit the photo."""

    code = "invalid_box"
    field = "box"


@dataclass(frozen=True)
class UploadResult:
    image: Image
    created: bool  # False: the same bytes were uploaded before; `image` is that photo


def clean_filename(name: str) -> str:
    # Only the base name, printable, bounded: it is shown back to people, never used as a path.
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(
        ch for ch in base if ch.isprintable() and ch not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    )
    return base[:200]


def uploader_fields(upload, *, uploaded_by, uploader_session: str, filename: str) -> dict[str, Any]:
    """Who sent an upload, as its row keeps it: the account only if signed in, the browser session's
    marker (faces.uploader), and the file's name as shown back (given, else the upload's own)."""
    return {
        "uploaded_by": uploaded_by if getattr(uploaded_by, "is_authenticated", False) else None,
        "uploader_session": uploader_session[:64],
        "original_filename": clean_filename(filename or getattr(upload, "name", "")),
    }


def _read_bounded(upload) -> bytes:
    max_bytes = settings.UPLOAD_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise ImageRejected("too_large", f"This file is larger than the {max_bytes // (1024 * 1024)} MB limit.")
    data = upload.read(max_bytes + 1) if hasattr(upload, "read") else bytes(upload)
    if len(data) > max_bytes:
        raise ImageRejected("too_large", f"This file is larger than the {max_bytes // (1024 * 1024)} MB limit.")
    return data


def image_create(
    *,
    upload,
    department: Department,
    uploaded_by=None,
    filename: str = "",
    uploader_session: str = "",
    queue: bool = True,
    notify_email: str = "",
) -> UploadResult:
    """Accept one uploaded photo.

    1. Read at most UPLOAD_MAX_BYTES and validate by decoding (ImageRejected otherwise).
    2. De-duplicate on the SHA-256 of the uploaded bytes.
    3. Store the sanitised file (metadata stripped), then create the row; if the row
       cannot be created, delete the file so nothing is left half-saved.
    4. Queue processing once the transaction commits.

    `uploader_session` (faces.uploader) marks an anonymous uploader's browser session: it
    and volunteers alone see the photo's unconfirmed suggestions. A duplicate is not
    marked: re-sending someone else's bytes must not reveal their photo's suggestions.
    `queue=False` leaves the processing to the caller (a headshot import runs it in its own
    task, then identifies the face: faces.services.headshots).
    `notify_email`: the uploader's optional address for the photo's two notices
    (faces.services.notifications); checked before anything is stored, kept only for a
    new photo (a duplicate's notices belong to whoever sent it first).
    """
    notify_email = clean_notify_email(notify_email)
    data = _read_bounded(upload)
    decoded = sanitize_upload(data, max_bytes=settings.UPLOAD_MAX_BYTES, max_pixels=settings.UPLOAD_MAX_PIXELS)
    existing = Image.objects.filter(sha256=decoded.sha256).first()
    if existing is not None:
        return UploadResult(existing, created=False)
    name = f"originals/{decoded.sha256[:2]}/{uuid.uuid4().hex}{decoded.extension}"
    stored_name = store_upload(name, ContentFile(decoded.content), what="photo")

    def create() -> Image:
        image = Image.objects.create(
            file=stored_name,
            sha256=decoded.sha256,
            format=decoded.format,
            department=department,
            **uploader_fields(upload, uploaded_by=uploaded_by, uploader_session=uploader_session, filename=filename),
            taken_at=decoded.taken_at,
            width=decoded.width,
            height=decoded.height,
        )
        notice_create(image, notify_email)
        if queue:
            transaction.on_commit(lambda: queue_image(image.pk))
        return image

    image, created = create_for_stored(stored_name, create, lambda: Image.objects.get(sha256=decoded.sha256))
    return UploadResult(image, created=created)


def store_upload(name: str, content: File, *, what: str) -> str:
    """Save an upload's (sanitised) file under `name`; StorageUnavailable if the store refuses it."""
    try:
        return default_storage.save(name, content)
    except Exception as exc:  # any backend error: S3 down, disk full, permissions
        logger.exception("storage refused a %s", what)
        raise StorageUnavailable(f"The {what} store is unavailable right now; please try again later.") from exc


def create_for_stored(stored_name: str, create: Callable[[], Row], existing: Callable[[], Row]) -> tuple[Row, bool]:
    """Create the row of a file just stored (`create`, in a transaction); the row and whether it is new.

    The same bytes uploaded concurrently (the row's unique sha256): theirs is kept (`existing`) and
    our copy deleted. Any other failure deletes our copy too, so nothing is left half-saved.
    """
    try:
        with transaction.atomic():
            return create(), True
    except IntegrityError:
        delete_quietly(stored_name)
        return existing(), False
    except BaseException:
        delete_quietly(stored_name)
        raise


def queue_image(image_id: int) -> None:
    from faces.tasks import process_image

    try:
        process_image.delay(image_id)
    except Exception:
        # Broker down: the row stays `queued` and the periodic sweep queues it later.
        logger.exception("could not queue image %s; the sweep will pick it up", image_id)


def queue_face(face_id: int) -> None:
    from faces.tasks import process_face

    try:
        process_face.delay(face_id)
    except Exception:
        logger.exception("could not queue face %s; the sweep will pick it up", face_id)


def validate_box(image: Image, x, y, w, h) -> tuple[int, int, int, int]:
    """Check a box drawn by a person against the photo; return it as integers."""
    try:
        values = [float(v) for v in (x, y, w, h)]
    except (TypeError, ValueError, OverflowError) as exc:  # OverflowError: float(10**400)
        raise InvalidBox("Box coordinates must be numbers.") from exc
    if not all(math.isfinite(v) for v in values):
        raise InvalidBox("Box coordinates must be finite numbers.")
    bx, by, bw, bh = (int(round(v)) for v in values)
    if bw < 8 or bh < 8:
        raise InvalidBox("A face box must be at least 8 pixels wide and tall.")
    if bx < 0 or by < 0 or bx + bw > image.width or by + bh > image.height:
        raise InvalidBox(f"The box must lie inside the photo ({image.width}×{image.height} pixels).")
    return bx, by, bw, bh


def face_box_create(*, image: Image, x, y, w, h, created_by=None) -> Face:
    """A box drawn by a person: stored as a user face and processed like a detected one."""
    bx, by, bw, bh = validate_box(image, x, y, w, h)
    with transaction.atomic():
        face = Face.objects.create(
            image=image,
            x=bx,
            y=by,
            w=bw,
            h=bh,
            source=Face.Source.USER,
            created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
        )
        transaction.on_commit(lambda: queue_face(face.pk))
    return face


def image_delete(image: Image, *, reason: str = SYSTEM_REASON) -> Takedown:
    """Delete a photo: a takedown by the site, the one path by which photos go.

    Faces (and the embeddings on them), suggestions, decisions, renditions and stored
    files go; the audit row and the transparency report's counts stay (faces.services.takedown).
    """
    return image_takedown_by_site(image, reason=reason)


def face_box_update(face: Face, *, x, y, w, h) -> Face:
    """A person moved or resized a box they drew: store it, forget its old biometrics, re-process."""
    from faces.models import MatchSuggestion

    with transaction.atomic():
        face = Face.objects.select_for_update().select_related("image").get(pk=face.pk)
        if face.source != Face.Source.USER or face.officer_id is not None or face.is_civilian:
            raise InvalidBox("Only unconfirmed boxes drawn by people can be moved.")
        face.x, face.y, face.w, face.h = validate_box(face.image, x, y, w, h)
        face.embedding = None  # the old vector describes pixels no longer in the box
        face.embedding_skipped_reason = ""
        face.processed_at = None
        face.save(update_fields=["x", "y", "w", "h", "embedding", "embedding_skipped_reason", "processed_at"])
        MatchSuggestion.objects.filter(face=face, status=MatchSuggestion.Status.PENDING).delete()
        transaction.on_commit(lambda: queue_face(face.pk))
    return face


def face_box_delete(face: Face) -> None:
    """Remove a box drawn by a person (with its embedding and suggestions)."""
    if face.source != Face.Source.USER:
        raise InvalidBox("Only boxes drawn by people can be deleted.")
    with transaction.atomic():
        Face.objects.filter(pk=face.pk, source=Face.Source.USER).delete()
