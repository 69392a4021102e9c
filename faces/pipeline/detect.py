"""Face *boxes* only: where the faces are, nothing about whose they are.

Detection is allowed for every department (docs/architecture.md, rule 1), so this module must never
compute landmarks or descriptors; that is embed.py's job, behind the recognition gate.
It uses dlib's detectors directly (not face_recognition.api, whose import also loads the
landmark and descriptor models and switches Pillow's LOAD_TRUNCATED_IMAGES on).
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

# dlib detectors keep scratch buffers and are not safe to share between threads, so each
# thread (one per process under Celery's prefork pool) lazily gets its own.
_local = threading.local()

# Bounds how much upsampling a caller may ask for: each step doubles the image side
# and roughly quadruples the time (see the measurements in the module's tests/report).
MAX_UPSAMPLE = 3
# A second pass for photos where the first finds no face: "" (none), "hog" (one more
# upsampling step) or "cnn" (dlib's mmod detector, which also finds turned and tilted faces).
FALLBACKS = ("", "hog", "cnn")
CNN_MIN_SIDE = 80


@dataclass(frozen=True)
class DetectedFace:
    """A face box in original-image pixels, clipped to the image; score is the detector's."""

    x: int
    y: int
    w: int
    h: int
    score: float | None


def detect_faces(
    rgb: np.ndarray,
    *,
    model: str = "hog",
    upsample: int = 1,
    max_side: int = 1600,
    adjust_threshold: float = 0.0,
    fallback: str = "",
    fallback_max_side: int = 640,
) -> list[DetectedFace]:
    """Find face boxes in an RGB uint8 image.

    1. Downscale (area interpolation) so the longest side is at most `max_side`: dlib's
       time grows with the pixel count, and upsampling a large photo would multiply it.
    2. Run dlib HOG (scores are SVM margins, >= adjust_threshold) or the CNN mmod
       detector (scores are its confidences).
    3. Scale the boxes back to original pixels, clip them, drop empty ones and sort
       by (x, y) so the output order is deterministic.
    4. If nothing was found and a `fallback` is set, run it the same way: "hog" with one
       more upsampling step, or "cnn" on at most `fallback_max_side` pixels a side (the
       CNN costs about a second per 500x500 pixels on one core, so only photos where HOG
       found nothing pay it).
    """
    image = _check_rgb(rgb)
    _check_options(upsample, fallback)
    faces = _detect(image, model, upsample, max_side, adjust_threshold)
    if faces or not fallback:
        return faces
    return _fallback(image, fallback, upsample, max_side, adjust_threshold, fallback_max_side)


def _fallback(
    image: np.ndarray, fallback: str, upsample: int, max_side: int, adjust_threshold: float, fallback_max_side: int
) -> list[DetectedFace]:
    if fallback == "hog":
        return _detect(image, "hog", min(upsample + 1, MAX_UPSAMPLE), max_side, adjust_threshold)
    # The CNN's pixels are bounded: a photo at most half `fallback_max_side` wide is
    # upsampled once (faces down to ~40 px), a larger one is scaled to it and not upsampled.
    cnn_side = min(max(image.shape[:2]), fallback_max_side)
    cnn_upsample = 1 if 2 * cnn_side <= fallback_max_side else 0
    # dlib's mmod refuses ("filter windows must be small enough…") an image thinner than its
    # 80 px window; such a strip cannot hold a face it would find anyway.
    scale = cnn_side / max(image.shape[:2])
    if min(image.shape[:2]) * scale * (2**cnn_upsample) < CNN_MIN_SIDE:
        return []
    return _detect(image, "cnn", cnn_upsample, cnn_side, 0.0)


# A box of the full pass overlapping a box of the first pass this much, or holding its centre, is
# the same face found again (the 22 test photos: the same face's two boxes overlap 0.47-0.95).
SAME_FACE_IOU = 0.4
FULL_PASS_NICENESS = 10
_fine_pass: ThreadPoolExecutor | None = None
_fine_pass_lock = threading.Lock()


def detect_faces_staged(
    rgb: np.ndarray,
    *,
    min_pixels: int,
    first_side: int = 640,
    model: str = "hog",
    upsample: int = 1,
    max_side: int = 1600,
    adjust_threshold: float = 0.0,
    fallback: str = "",
    fallback_max_side: int = 640,
) -> Iterator[list[DetectedFace]]:
    """The faces of `detect_faces(rgb, upsample=upsample, **options)`, the larger ones first.

    For a photo of at least `min_pixels` (after the `max_side` bound), the full pass starts in
    a thread, and meanwhile a first pass on the photo scaled to at most `first_side` px a side,
    not upsampled (the faces of about 80 px there: 150 px and more in a 1 MP photo; a few
    percent of the full pass's time), yields its faces at once, so their descriptors and
    suggestions are computed while the full pass still looks for the smaller faces. The
    second batch is the full pass's faces that are not a first-pass face found again (IoU >=
    SAME_FACE_IOU). The fallback runs only when neither pass found a face. dlib's detector
    releases the GIL, so on an idle worker the full pass and the descriptors use both cores.
    Smaller photos, `upsample` 0, the CNN and `min_pixels` <= 0 get one batch: `detect_faces`.
    """
    image = _check_rgb(rgb)
    scale = min(1.0, max_side / max(image.shape[:2])) if max_side > 0 else 1.0
    pixels = image.shape[0] * image.shape[1] * scale * scale
    if model != "hog" or upsample < 1 or min_pixels <= 0 or pixels < min_pixels:
        yield detect_faces(
            image,
            model=model,
            upsample=upsample,
            max_side=max_side,
            adjust_threshold=adjust_threshold,
            fallback=fallback,
            fallback_max_side=fallback_max_side,
        )
        return
    _check_options(upsample, fallback)
    full: Future[list[DetectedFace]] = _fine_pass_pool().submit(
        _detect, image, "hog", upsample, max_side, adjust_threshold
    )
    try:
        first_bound = min(first_side, max_side) if max_side > 0 else first_side
        coarse = _detect(image, "hog", 0, first_bound, adjust_threshold)
    except BaseException:
        full.cancel()
        raise
    if coarse:
        yield coarse
    fine = [face for face in full.result() if not any(_same_face(face, seen) for seen in coarse)]
    if fine:
        yield fine
    elif not coarse:
        yield _fallback(image, fallback, upsample, max_side, adjust_threshold, fallback_max_side) if fallback else []


def _fine_pass_pool() -> ThreadPoolExecutor:
    # Created on first use, so in the worker process itself (a pool made before a fork has no thread).
    global _fine_pass
    with _fine_pass_lock:
        if _fine_pass is None:
            _fine_pass = ThreadPoolExecutor(max_workers=1, thread_name_prefix="face-detect", initializer=_yield_cpu)
        return _fine_pass


def _yield_cpu() -> None:
    # The full pass is what can wait: the larger faces' descriptors, the database and the web
    # processes get the CPU first when they want it (Linux: a thread's niceness is its own).
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or not permitted: no priority, same result
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), FULL_PASS_NICENESS)


def _same_face(a: DetectedFace, b: DetectedFace) -> bool:
    return _iou(a, b) >= SAME_FACE_IOU or _holds_centre(a, b) or _holds_centre(b, a)


def _holds_centre(box: DetectedFace, other: DetectedFace) -> bool:
    cx, cy = other.x + other.w / 2, other.y + other.h / 2
    return box.x <= cx < box.x + box.w and box.y <= cy < box.y + box.h


def _iou(a: DetectedFace, b: DetectedFace) -> float:
    width = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    height = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    return inter / (a.w * a.h + b.w * b.h - inter)


def _detect(image: np.ndarray, model: str, upsample: int, max_side: int, adjust_threshold: float) -> list[DetectedFace]:
    height, width = image.shape[:2]
    scale = min(1.0, max_side / max(height, width)) if max_side > 0 else 1.0
    resized = image
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        resized = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    raw = _run(resized, model, upsample, adjust_threshold)
    faces = []
    for left, top, right, bottom, score in raw:
        x0 = min(max(round(left / scale), 0), width)
        y0 = min(max(round(top / scale), 0), height)
        x1 = min(max(round((right + 1) / scale), 0), width)
        y1 = min(max(round((bottom + 1) / scale), 0), height)
        if x1 > x0 and y1 > y0:
            faces.append(DetectedFace(x0, y0, x1 - x0, y1 - y0, score))
    return sorted(faces, key=lambda f: (f.x, f.y, f.w, f.h))


def _run(image: np.ndarray, model: str, upsample: int, adjust_threshold: float) -> list[tuple]:
    if model == "hog":
        rects, scores, _kinds = _detector("hog").run(image, upsample, adjust_threshold)
        return [(r.left(), r.top(), r.right(), r.bottom(), float(s)) for r, s in zip(rects, scores, strict=True)]
    if model == "cnn":
        found = _detector("cnn")(image, upsample)
        return [(d.rect.left(), d.rect.top(), d.rect.right(), d.rect.bottom(), float(d.confidence)) for d in found]
    raise ValueError(f"unknown face detector {model!r} (use 'hog' or 'cnn')")


def _detector(model: str) -> Any:
    """Load each detector once per thread, on first use."""
    detectors: dict[str, Any] = _local.__dict__.setdefault("detectors", {})
    if model not in detectors:
        import dlib

        if model == "hog":
            detectors[model] = dlib.get_frontal_face_detector()
        else:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
                import face_recognition_models

            detectors[model] = dlib.cnn_face_detection_model_v1(
                face_recognition_models.cnn_face_detector_model_location()
            )
    return detectors[model]


def _check_options(upsample: int, fallback: str) -> None:
    if not 0 <= upsample <= MAX_UPSAMPLE:
        raise ValueError(f"upsample must be between 0 and {MAX_UPSAMPLE}, not {upsample}")
    if fallback not in FALLBACKS:
        raise ValueError(f"fallback must be one of {FALLBACKS}, not {fallback!r}")


def _check_rgb(rgb: np.ndarray) -> np.ndarray:
    if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError("expected an RGB uint8 array of shape (height, width, 3)")
    return np.ascontiguousarray(rgb)
