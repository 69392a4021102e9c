"""Object labels for a photo: people in it, and whether they look like officers.

Backends are pluggable (settings.FACES_LABELER). None of them may infer anything
demographic, emotional or "risk"-like about anyone (docs/architecture.md, rule 8): the Rekognition
backend drops such labels before they reach us, and the offline one cannot produce them.
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Sequence
from typing import Any, Protocol

import cv2
import numpy as np

DEFAULT_LABELER = "faces.pipeline.label.OpenCVPeopleLabeler"


class Labeler(Protocol):
    def label(self, rgb: np.ndarray, *, jpeg_bytes: bytes | None = None, face_count: int = 0) -> dict: ...


class LabelerError(Exception):
    """Labelling failed. `transient` says whether retrying later may succeed."""

    transient = False


class TransientLabelerError(LabelerError):
    """Throttling, a service outage or a network failure: the task should retry."""

    transient = True


class OpenCVPeopleLabeler:
    """Offline people finder: OpenCV's HOG + linear SVM pedestrian detector.

    It was trained on upright, full-body pedestrians (64x128 window), so it misses people
    seen only from the chest up and mistakes some cars for people; treat its count as a
    hint for sorting photos. It cannot tell a uniform, so likely_officers is None.
    """

    # 640 px: 25 % faster than 800 and, on the test photos, the same true people with fewer
    # false ones (the taxis in noface_cars: 3 → 0); see docs/benchmarks.md.
    max_side = 640
    score_threshold = 0.0  # the SVM's own decision boundary
    nms_overlap = 0.4

    def __init__(self) -> None:
        self._hog = cv2.HOGDescriptor()
        # Already a float32 array at run time; asarray only tells the type checker (its stub says Sequence).
        self._hog.setSVMDetector(np.asarray(cv2.HOGDescriptor.getDefaultPeopleDetector(), dtype=np.float32))

    def label(self, rgb: np.ndarray, *, jpeg_bytes: bytes | None = None, face_count: int = 0) -> dict:
        """1. Grey, downscaled copy; 2. multi-scale HOG; 3. non-max suppression; 4. boxes in original px."""
        gray = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
        scale = min(1.0, self.max_side / max(gray.shape))
        if scale < 1.0:
            gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        win_w, win_h = self._hog.winSize
        rects: Sequence[Sequence[int]]
        weights: Sequence[float]
        if gray.shape[1] < win_w or gray.shape[0] < win_h:
            # No pedestrian fits, and OpenCV's HOG corrupts the heap (segfaults the worker)
            # on an image smaller than its window: tiny uploads, thin panoramas after scaling.
            rects, weights = (), ()
        else:
            rects, weights = self._hog.detectMultiScale(gray, winStride=(8, 8), padding=(8, 8), scale=1.05)
        boxes = [[int(v) for v in rect] for rect in rects]
        scores = [float(w) for w in np.ravel(weights)]
        keep = cv2.dnn.NMSBoxes(boxes, scores, self.score_threshold, self.nms_overlap) if boxes else []
        height, width = rgb.shape[:2]
        people: list[dict[str, Any]] = []
        for i in sorted(int(k) for k in np.ravel(keep)):
            x, y, w, h = (round(v / scale) for v in boxes[i])
            box = _clip(x, y, w, h, width, height)
            if box:
                people.append({"box": box, "score": round(scores[i], 4)})
        people.sort(key=lambda p: (p["box"]["x"], p["box"]["y"]))
        return {
            "backend": "opencv-hog",
            "people": people,
            "people_count": len(people),
            "face_count": face_count,
            "likely_officers": None,
        }


# Label names (or aliases) that suggest police officers are in the photo. "Uniform" alone
# is left out (nurses, sports teams, school children), and so are "Military"/"Soldier"
# (scene-level, armies); "Military Uniform" stays because riot and tactical police often
# wear one. "Police Car" alone says nothing about people being in the picture.
OFFICER_LABELS = frozenset({"police", "police officer", "officer", "law enforcement", "swat team", "military uniform"})

# Never stored (rule 8): Rekognition's apparent gender/age and emotion labels.
DROPPED_LABELS = frozenset(
    {
        "man",
        "woman",
        "male",
        "female",
        "boy",
        "girl",
        "adult",
        "child",
        "kid",
        "baby",
        "infant",
        "toddler",
        "teen",
        "teenager",
        "senior citizen",
        "elder",
        "bride",
        "groom",
        "smile",
        "happy",
        "laughing",
        "crying",
        "angry",
        "sad",
        "frown",
        "surprised",
        "fear",
        "disgusted",
        "calm",
    }
)
DROPPED_CATEGORIES = frozenset({"expressions and emotions"})

_TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "InternalServerError",
        "ServiceUnavailableException",
        "ServiceUnavailable",
        "RequestTimeout",
        "RequestTimeoutException",
        "LimitExceededException",
    }
)
MAX_REKOGNITION_BYTES = 5 * 1024 * 1024  # the API's limit for Image.Bytes


class RekognitionLabeler:
    """AWS Rekognition DetectLabels: people boxes and a likely-officers hint."""

    max_labels = 50
    min_confidence = 70.0

    def __init__(self, client: Any = None, region_name: str | None = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("rekognition", region_name=region_name or _aws_region())
        self.client = client

    def label(self, rgb: np.ndarray, *, jpeg_bytes: bytes | None = None, face_count: int = 0) -> dict:
        """1. Send JPEG bytes (re-encoded from rgb if missing or over 5 MB); 2. map labels."""
        from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError

        if not jpeg_bytes or len(jpeg_bytes) > MAX_REKOGNITION_BYTES:
            jpeg_bytes = _jpeg_for_rekognition(rgb)
        try:
            response = self.client.detect_labels(
                Image={"Bytes": jpeg_bytes}, MaxLabels=self.max_labels, MinConfidence=self.min_confidence
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            error = TransientLabelerError if code in _TRANSIENT_CODES else LabelerError
            raise error(f"Rekognition DetectLabels failed: {code or exc}") from exc
        except (ConnectionError, HTTPClientError) as exc:  # endpoint down, timeouts, resets
            raise TransientLabelerError(f"Rekognition unreachable: {exc}") from exc
        except BotoCoreError as exc:  # e.g. no credentials: retrying will not help
            raise LabelerError(f"Rekognition call failed: {exc}") from exc
        return _map_rekognition(response, rgb.shape[1], rgb.shape[0], face_count)


def _map_rekognition(response: dict, width: int, height: int, face_count: int) -> dict:
    labels: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    likely = False
    for item in response.get("Labels", []):
        name = str(item.get("Name", ""))
        names = {name.lower()} | {str(a.get("Name", "")).lower() for a in item.get("Aliases", [])}
        categories = {str(c.get("Name", "")).lower() for c in item.get("Categories", [])}
        likely = likely or bool(names & OFFICER_LABELS)
        if names & DROPPED_LABELS or categories & DROPPED_CATEGORIES:
            continue
        labels.append({"name": name, "confidence": round(float(item.get("Confidence", 0.0)), 2)})
        if name == "Person":
            for instance in item.get("Instances", []):
                bb = instance.get("BoundingBox", {})
                box = _clip(
                    round(bb.get("Left", 0.0) * width),
                    round(bb.get("Top", 0.0) * height),
                    round(bb.get("Width", 0.0) * width),
                    round(bb.get("Height", 0.0) * height),
                    width,
                    height,
                )
                if box:
                    people.append({"box": box, "score": round(float(instance.get("Confidence", 0.0)), 2)})
    people.sort(key=lambda p: (p["box"]["x"], p["box"]["y"]))
    return {
        "backend": "rekognition",
        "model_version": response.get("LabelModelVersion", ""),
        "labels": labels,
        "people": people,
        "people_count": len(people),
        "face_count": face_count,
        "likely_officers": likely,
    }


def _jpeg_for_rekognition(rgb: np.ndarray) -> bytes:
    from PIL import Image

    im = Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    im.thumbnail((1920, 1920))  # well under 5 MB, and plenty for labels
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _clip(x: int, y: int, w: int, h: int, width: int, height: int) -> dict | None:
    x0, y0 = min(max(x, 0), width), min(max(y, 0), height)
    x1, y1 = min(max(x + w, 0), width), min(max(y + h, 0), height)
    return {"x": x0, "y": y0, "w": x1 - x0, "h": y1 - y0} if x1 > x0 and y1 > y0 else None


def _aws_region() -> str:
    from django.conf import settings

    configured = settings.FACES_REKOGNITION_REGION if settings.configured else ""
    return configured or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def get_labeler(path: str | None = None) -> Labeler:
    """The configured labeler (settings.FACES_LABELER), built once per process and path."""
    if path is None:
        from django.conf import settings

        path = settings.FACES_LABELER if settings.configured else ""
    return _build_labeler(path or DEFAULT_LABELER)


@functools.cache
def _build_labeler(path: str) -> Labeler:
    from django.utils.module_loading import import_string

    return import_string(path)()
