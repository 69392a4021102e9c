"""Face embeddings (biometric data): the lowest-level gate of rules 1-3 (docs/architecture.md).

This is the only module allowed to compute face landmarks or descriptors. Every entry
point asks `departments.policy` first, at the moment of computing, so a department whose
flag was turned off (or whose state forbids recognition) after the work was queued gets
no landmark and no descriptor computed, let alone stored.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np
from PIL import ImageFile

from departments.policy import RecognitionNotAllowed, require_recognition_allowed

__all__ = [
    "RecognitionNotAllowed",
    "compute_embedding",
    "compute_embeddings",
    "current_embedding_variant",
    "embedding_variant",
    "EMBEDDING_DIM",
]

EMBEDDING_DIM = 128
LANDMARK_MODELS = ("small", "large")  # dlib's 5-point and 68-point shape predictors
MAX_JITTERS = 100  # each jitter is a full extra descriptor pass
# dlib's aligned face chip, as face_recognition_model_v1 was trained on it (and as
# compute_face_descriptor(image, shape) cuts it internally).
CHIP_SIZE, CHIP_PADDING = 150, 0.25

_lock = threading.Lock()
_compute_lock = threading.Lock()
_api: ModuleType | None = None

Box = tuple[int, int, int, int]


def compute_embeddings(
    rgb: np.ndarray,
    boxes: Sequence[Box],
    department: Any,
    *,
    jitters: int = 1,
    landmark_model: str = "small",
    mirror: bool = False,
) -> list[np.ndarray]:
    """128-d float32 dlib descriptors, one per (x, y, w, h) box, in the boxes' order.

    1. Ask the recognition policy, which re-reads the database (RecognitionNotAllowed
       propagates to the caller, who records why nothing was computed).
    2. Check the inputs; convert boxes to face_recognition's (top, right, bottom, left).
    3. Landmarks, then dlib's aligned 150x150 face chip for each box.
    4. The descriptor of each chip; with `mirror`, the mean of the chip's and its
       horizontally mirrored copy's descriptors (one batched call per face, twice the
       descriptor time; docs/benchmarks.md, "DevTrain" has what it buys).
    """
    require_recognition_allowed(department)
    image = _check_rgb(rgb)
    if landmark_model not in LANDMARK_MODELS:
        raise ValueError(f"landmark_model must be one of {LANDMARK_MODELS}, not {landmark_model!r}")
    if not 1 <= jitters <= MAX_JITTERS:
        raise ValueError(f"jitters must be between 1 and {MAX_JITTERS}, not {jitters}")
    if not boxes:
        return []
    locations = [_css_location(box, image.shape) for box in boxes]
    api = _face_recognition_api()
    import dlib

    vectors = []
    with _compute_lock:  # face_recognition's dlib models are shared module globals, not thread-safe
        for shape in api._raw_face_landmarks(image, locations, model=landmark_model):
            chip = dlib.get_face_chip(image, shape, size=CHIP_SIZE, padding=CHIP_PADDING)
            if mirror:
                pair = api.face_encoder.compute_face_descriptor([chip, np.ascontiguousarray(chip[:, ::-1])], jitters)
                vector = (np.asarray(pair[0], dtype=np.float64) + np.asarray(pair[1], dtype=np.float64)) / 2
            else:
                vector = np.asarray(api.face_encoder.compute_face_descriptor(chip, jitters), dtype=np.float64)
            vectors.append(vector.astype(np.float32))
    return vectors


def embedding_variant(*, landmark_model: str, mirror: bool) -> str:
    """Names the descriptor space a vector lives in, stored with it (Face.embedding_variant).

    Vectors of different variants must not be compared (distances between them are not
    calibrated to the threshold). Jitters are not part of it: they average noise within the
    same space.
    """
    if landmark_model not in LANDMARK_MODELS:
        raise ValueError(f"landmark_model must be one of {LANDMARK_MODELS}, not {landmark_model!r}")
    return f"dlib-resnet-{landmark_model}" + ("-mirror" if mirror else "")


def compute_embedding(rgb: np.ndarray, box: Box, department: Any, **kwargs: Any) -> np.ndarray:
    """The descriptor of one box (same gate and checks as compute_embeddings)."""
    return compute_embeddings(rgb, [box], department, **kwargs)[0]


def _css_location(box: Box, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """(x, y, w, h) -> (top, right, bottom, left), clipped; dlib's right/bottom are inclusive."""
    x, y, w, h = (int(v) for v in box)
    height, width = shape[:2]
    if w <= 0 or h <= 0:
        raise ValueError(f"face box {box} has no area")
    left, top = max(x, 0), max(y, 0)
    right, bottom = min(x + w, width) - 1, min(y + h, height) - 1
    if right < left or bottom < top:
        raise ValueError(f"face box {box} lies outside the {width}x{height} image")
    return top, right, bottom, left


def _check_rgb(rgb: np.ndarray) -> np.ndarray:
    if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError("expected an RGB uint8 array of shape (height, width, 3)")
    return np.ascontiguousarray(rgb)


def _face_recognition_api() -> ModuleType:
    """Import face_recognition.api on first use, undoing its global Pillow side effect.

    Its import loads ~100 MB of models (so web processes that never embed do not pay for
    it) and sets PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True, which would let truncated
    uploads through decode.py.
    """
    global _api
    with _lock:
        if _api is None:
            previous = ImageFile.LOAD_TRUNCATED_IMAGES
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
                import face_recognition.api as api
            ImageFile.LOAD_TRUNCATED_IMAGES = previous
            _api = api
        return _api


def current_embedding_variant() -> str:
    """The variant the configured pipeline computes (FACES_LANDMARK_MODEL, FACES_EMBED_MIRROR)."""
    from django.conf import settings

    return embedding_variant(landmark_model=settings.FACES_LANDMARK_MODEL, mirror=settings.FACES_EMBED_MIRROR)
