"""The benchmark's baseline: the face_recognition library called directly.

`make bench` compares our pipeline with face_recognition's own load_image_file +
face_locations + face_encodings on the same photos. That computes descriptors, so, like
faces/pipeline/embed.py, it asks the recognition policy first and refuses a department
where recognition is not allowed (the biometric-boundary test allows this file by name).
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

from PIL import ImageFile


def direct(path: Path, department) -> float:
    """Seconds for face_recognition to load, locate and encode the faces of one photo."""
    from departments.policy import require_recognition_allowed  # Django is set up by then

    require_recognition_allowed(department)
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import face_recognition
    ImageFile.LOAD_TRUNCATED_IMAGES = previous  # its import turns this on; our decode must not inherit it
    start = time.perf_counter()
    image = face_recognition.load_image_file(str(path))
    face_recognition.face_encodings(image, face_recognition.face_locations(image))
    return time.perf_counter() - start
