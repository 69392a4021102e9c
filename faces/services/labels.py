"""Sorting hints for a photo (people in it, face count), written after its suggestions.

Labels only help volunteers sort photos, so they run in their own task (faces.tasks.label_image),
queued once the photo's faces, embeddings and suggestions are written and the photo is marked
done: a slow labeller never delays suggestions and a failing one never fails the photo. An
empty `Image.labels` means "not labelled yet"; every labelling, even a failed one, stores a
non-empty dict, so the sweep can find the photos whose label task was lost.
"""

from __future__ import annotations

import logging

import numpy as np
from django.conf import settings

from faces.models import Face, Image
from faces.pipeline.decode import ImageRejected, load_rgb
from faces.pipeline.label import LabelerError, TransientLabelerError, get_labeler

logger = logging.getLogger(__name__)


def image_labels_queue(image_id: int) -> None:
    """Queue the label task; if the broker refuses, the sweep queues it again later."""
    from faces.tasks import label_image

    try:
        label_image.delay(image_id)
    except Exception:  # the photo is done whatever happens to its hints
        logger.exception("could not queue labels for image %s; the sweep will retry", image_id)


def _photo_rgb(image: Image) -> np.ndarray:
    with image.file.open("rb") as handle:
        data = handle.read()
    return load_rgb(data, max_pixels=settings.FACES_DECODE_MAX_PIXELS)


def image_label(image_id: int) -> str:
    """Label one processed photo: people boxes and counts, never demographics (rule 8).

    1. Only a `done` photo is labelled (its faces are final; a failed one gets no hints).
    2. Decode the stored photo and count its detected faces.
    3. Ask the configured labeller; a transient refusal propagates so the task retries,
       any other refusal is stored as the hint's error.
    Running twice stores the same labels.
    """
    image = Image.objects.filter(pk=image_id, status=Image.Status.DONE).first()
    if image is None:
        return "skipped"
    face_count = Face.objects.filter(image_id=image_id, source=Face.Source.DETECTOR).count()
    try:
        labels = get_labeler().label(_photo_rgb(image), face_count=face_count)
    except TransientLabelerError:
        raise
    except (LabelerError, ImageRejected) as exc:
        labels = {"face_count": face_count, "error": str(exc)[:500]}
    Image.objects.filter(pk=image_id).update(labels=labels)
    return "done"


def image_labels_fail(image_id: int, reason: str) -> None:
    """Give up on a photo's hints (kept failing): stored as an error so the sweep stops."""
    face_count = Face.objects.filter(image_id=image_id, source=Face.Source.DETECTOR).count()
    Image.objects.filter(pk=image_id, labels={}).update(labels={"face_count": face_count, "error": reason[:500]})
