"""What the workers do: detect and — only behind the gate — embed and search (labels: labels.py).

Every step is idempotent: tasks may run twice (redelivery after a worker dies) and must
leave the same rows. Detection is lawful everywhere; embeddings and searches happen only
where departments.policy says so at that moment, and are written under its lock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from departments import policy
from departments.models import Department, RecognitionChange
from faces.models import Face, Image, MatchSuggestion, RecognitionEvent
from faces.pipeline.decode import ImageRejected, load_rgb
from faces.pipeline.detect import detect_faces_staged
from faces.pipeline.embed import compute_embeddings, current_embedding_variant
from faces.pipeline.quality import embedding_skip_reason
from faces.pipeline.search import search_gallery
from faces.services.grouping import faces_group_later
from faces.services.labels import image_labels_queue
from faces.signals import department_backfilled

logger = logging.getLogger(__name__)

NOT_ALLOWED_REASON = "Facial recognition is not used for this jurisdiction."
NOT_ALLOWED_DETAIL = "Recognition is not allowed for this department: no descriptor was computed, no search was run."


def _claim(image_id: int) -> bool:
    # A redelivered task finds the row in `processing` and may take it again; a finished
    # one is left alone.
    claimed = Image.objects.filter(pk=image_id, status__in=[Image.Status.QUEUED, Image.Status.PROCESSING]).update(
        status=Image.Status.PROCESSING, attempts=F("attempts") + 1, updated_at=timezone.now()
    )
    return claimed == 1


def image_fail(image_id: int, reason: str) -> None:
    Image.objects.filter(pk=image_id).update(
        status=Image.Status.FAILED, error=reason[:2000], processed_at=timezone.now(), updated_at=timezone.now()
    )


def _read_rgb(image: Image) -> np.ndarray:
    with image.file.open("rb") as handle:
        data = handle.read()
    return load_rgb(data, max_pixels=settings.FACES_DECODE_MAX_PIXELS)


def image_process(image_id: int, *, search: bool = True) -> str:
    """Process one uploaded photo.

    1. Claim the row (queued/processing → processing); anything else means done already.
    2. Decode once; an unreadable file ends as `failed` with a readable reason.
    3. Detect face boxes (always lawful; a large photo's larger faces first) and store them
       without duplicates.
    4. Embed and search for every face still without an embedding — behind the gate — one
       detection stage at a time, so the larger faces' suggestions do not wait for the small ones.
       `search=False` embeds only (a headshot import identifies the face itself).
    5. Mark the photo done, then queue its labels (sorting hints: people, face count)
       as a task of their own, so suggestions never wait for them (services/labels.py).
    """
    if not _claim(image_id):
        return "skipped"
    image = Image.objects.select_related("department").get(pk=image_id)
    try:
        rgb = _read_rgb(image)
    except ImageRejected as exc:
        image_fail(image_id, f"The stored photo could not be decoded: {exc}")
        return "failed"
    stages = detect_faces_staged(
        rgb,
        # Stages only pay where suggestions follow: elsewhere one pass finds the same boxes for less.
        min_pixels=settings.FACES_DETECT_STAGED_MIN_PIXELS if policy.recognition_allowed(image.department_id) else 0,
        first_side=settings.FACES_DETECT_FIRST_SIDE,
        model=settings.FACES_DETECTOR,
        upsample=settings.FACES_UPSAMPLE,
        max_side=settings.FACES_DETECT_MAX_SIDE,
        fallback=settings.FACES_DETECT_FALLBACK,
        fallback_max_side=settings.FACES_DETECT_FALLBACK_MAX_SIDE,
    )
    handled: set[int] = set()
    for detections in stages:
        # One statement for all boxes: a box a redelivered or concurrent run stored first is
        # skipped by the unique_detector_box_per_image constraint (ON CONFLICT DO NOTHING).
        Face.objects.bulk_create(
            [
                Face(image=image, x=d.x, y=d.y, w=d.w, h=d.h, source=Face.Source.DETECTOR, detector_score=d.score)
                for d in detections
            ],
            ignore_conflicts=True,
        )
        # The larger faces' suggestions are written while the full pass still looks for small ones.
        faces = list(image.faces.filter(embedding__isnull=True).exclude(pk__in=handled))
        handled.update(face.pk for face in faces)
        faces_embed_and_search(rgb, image, faces, search=search)
    Image.objects.filter(pk=image_id).update(
        status=Image.Status.DONE, error="", processed_at=timezone.now(), updated_at=timezone.now()
    )
    image_labels_queue(image_id)
    return "done"


def face_process(face_id: int) -> str:
    """Embed and search one face (a box drawn by a person), behind the gate."""
    face = Face.objects.select_related("image__department").filter(pk=face_id).first()
    if face is None:
        return "missing"
    try:
        rgb = _read_rgb(face.image)
    except ImageRejected as exc:
        Face.objects.filter(pk=face_id).update(embedding_skipped_reason=f"Photo unreadable: {exc}"[:200])
        return "failed"
    faces_embed_and_search(rgb, face.image, [face])
    return "done"


def _record_refusals(faces: Iterable[Face], department_id: int, *, detail: str = "", actor=None) -> None:
    """One audit row per face the gate kept out of the gallery search (counted on the transparency pages).

    Once per face, however often it is processed (a redelivered task, a reprocess, two runs at
    once): the pages count faces refused, not attempts. The database's one_refusal_per_face
    constraint decides between concurrent runs (ON CONFLICT DO NOTHING); reading first only
    spares the usual case an insert.
    """
    candidates = list(faces)
    refused = RecognitionEvent.objects.filter(
        face_id__in=[f.pk for f in candidates], outcome=RecognitionEvent.Outcome.REFUSED
    )
    recorded = set(refused.values_list("face_id", flat=True))
    RecognitionEvent.objects.bulk_create(
        [
            RecognitionEvent(
                face=face,
                department_id=department_id,
                outcome=RecognitionEvent.Outcome.REFUSED,
                detail=detail or NOT_ALLOWED_DETAIL,
                actor=actor,
            )
            for face in candidates
            if face.pk not in recorded
        ],
        ignore_conflicts=True,
    )


def _mark_skipped(faces: Iterable[Face], reason: str) -> None:
    Face.objects.filter(pk__in=[f.pk for f in faces], embedding__isnull=True).update(
        embedding_skipped_reason=reason[:200], processed_at=timezone.now()
    )


def faces_embed_and_search(rgb: np.ndarray, image: Image, faces: list[Face], *, search: bool = True) -> None:
    """Embed the faces and suggest officers, if and only if the policy allows it now.

    1. Ask the policy; if not allowed, record why on the faces and stop (no landmarks,
       no descriptors, nothing stored).
    2. Drop faces that are too small or too doubtful to compare (reason stored).
    3. Compute descriptors (the embed module asks the policy again, at the last moment).
    4. Store each embedding under the policy's share lock, so a flag turned off
       concurrently either purges it afterwards or prevents the write.
    5. Search the gallery and write suggestions (again under the lock), unless `search`
       is False; then groups of unidentified faces are not looked for either.
    """
    if not faces:
        return
    department_id = image.department_id
    if not policy.recognition_allowed(department_id):
        _mark_skipped(faces, NOT_ALLOWED_REASON)
        if search:
            _record_refusals(faces, department_id)
        return
    to_embed = []
    for face in faces:
        reason = embedding_skip_reason(
            face.w,
            face.h,
            face.detector_score if face.source == Face.Source.DETECTOR else None,
            min_face_px=settings.FACES_MIN_FACE_PX,
            min_score=settings.FACES_MIN_DETECTOR_SCORE,
        )
        if reason:
            _mark_skipped([face], reason)
        else:
            to_embed.append(face)
    if not to_embed:
        return
    try:
        vectors = compute_embeddings(
            rgb,
            [(f.x, f.y, f.w, f.h) for f in to_embed],
            department_id,
            jitters=settings.FACES_EMBED_JITTERS,
            landmark_model=settings.FACES_LANDMARK_MODEL,
            mirror=settings.FACES_EMBED_MIRROR,
        )
    except policy.RecognitionNotAllowed:
        _mark_skipped(to_embed, NOT_ALLOWED_REASON)
        if search:
            _record_refusals(to_embed, department_id)
        return
    for face, vector in zip(to_embed, vectors, strict=False):
        if face_store_embedding(face, vector) and search:
            face_suggest(face, vector)
    if not search:
        return  # no comparison with anyone else's face: no suggestions, no groups
    faces_group_later(to_embed)  # after the suggestions: groups of unidentified faces (faces/services/grouping.py)


def face_store_embedding(face: Face, vector: np.ndarray) -> bool:
    """Write one embedding if the gate still allows it; False if it was refused."""
    with transaction.atomic():
        officer_department = Face.objects.filter(pk=face.pk).values_list("officer__department_id", flat=True).first()
        if not policy.lock_recognition_allowed(face.image.department_id, officer_department):
            _mark_skipped([face], NOT_ALLOWED_REASON)
            return False
        Face.objects.filter(pk=face.pk).update(
            embedding=[float(v) for v in vector],
            embedding_variant=current_embedding_variant(),
            embedding_skipped_reason="",
            processed_at=timezone.now(),
        )
    return True


def face_suggest(face: Face, vector: np.ndarray, *, actor=None) -> list[MatchSuggestion]:
    """Search the allowed gallery for one face and store ranked suggestions.

    Rejected face–officer pairs are never suggested again; a result that names an officer
    of a department that does not allow recognition (now) is discarded whole and logged.
    """
    department_id = face.image.department_id
    if face.officer_id is not None:
        return []  # already identified by a person
    rejected = list(
        MatchSuggestion.objects.filter(face=face, status=MatchSuggestion.Status.REJECTED).values_list(
            "officer_id", flat=True
        )
    )
    scope = [department_id] if settings.FACES_SEARCH_SCOPE == "department" else None
    matches = search_gallery(vector, exclude_image_id=face.image_id, exclude_officer_ids=rejected, department_ids=scope)
    with transaction.atomic():
        if not policy.lock_recognition_allowed(department_id):
            _record_refusals(
                [face], department_id, detail="Recognition was turned off before the search finished.", actor=actor
            )
            return []
        # The photo's own department is share-locked and checked just above, in this transaction.
        named_departments = {m.department_id for m in matches} - {department_id}
        if named_departments and not policy.lock_recognition_allowed(*named_departments):
            RecognitionEvent.objects.create(
                face=face,
                department_id=department_id,
                outcome=RecognitionEvent.Outcome.DISCARDED,
                result_count=len(matches),
                actor=actor,
                detail="Discarded: crossed the gate (a result named an officer of a department without recognition).",
            )
            logger.warning("gallery result for face %s crossed the gate; discarded", face.pk)
            return []
        keep = {m.officer_id for m in matches}
        MatchSuggestion.objects.filter(face=face, status=MatchSuggestion.Status.PENDING).exclude(
            officer_id__in=keep
        ).delete()
        # One upsert for all matches: a suggestion already there (a re-run, or decided by a
        # person) keeps its status and gets the new distance and rank. An upsert may touch a
        # row once, so an officer named twice keeps its best rank.
        ranked: dict[int, MatchSuggestion] = {}
        for rank, match in enumerate(matches, start=1):
            ranked.setdefault(
                match.officer_id,
                MatchSuggestion(
                    face=face,
                    officer_id=match.officer_id,
                    distance=match.distance,
                    rank=rank,
                    status=MatchSuggestion.Status.PENDING,
                ),
            )
        stored = MatchSuggestion.objects.bulk_create(
            list(ranked.values()),
            update_conflicts=True,
            unique_fields=["face", "officer"],
            update_fields=["distance", "rank"],
        )
        RecognitionEvent.objects.create(
            face=face,
            department_id=department_id,
            outcome=RecognitionEvent.Outcome.SEARCHED,
            result_count=len(matches),
            actor=actor,
        )
    return stored


def department_backfill(department_id: int, change_id: int | None = None) -> int:
    """After recognition is enabled: embed and search the department's unembedded faces."""
    if not policy.recognition_allowed(department_id):
        return 0
    done = 0
    # A video's stills are left to the videos app (department_backfilled, below): a still is
    # matched with the rest of its sequence, never searched alone.
    image_ids = (
        Face.objects.filter(Q(image__department_id=department_id), embedding__isnull=True, video_still__isnull=True)
        .values_list("image_id", flat=True)
        .distinct()
    )
    for image in Image.objects.filter(pk__in=list(image_ids), status=Image.Status.DONE).select_related("department"):
        if not policy.recognition_allowed(department_id):
            break  # turned off again mid-backfill
        try:
            rgb = _read_rgb(image)
        except ImageRejected:
            continue
        faces = list(image.faces.filter(embedding__isnull=True))
        faces_embed_and_search(rgb, image, faces)
        done += len(faces)
    if change_id is not None:
        RecognitionChange.objects.filter(pk=change_id, backfill_done_at__isnull=True).update(
            backfill_done_at=timezone.now()
        )
    department_backfilled.send(sender=Department, department_id=department_id)
    return done
