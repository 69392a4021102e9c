"""Writes about photos and faces. Views, tasks and the API call these, never the models directly."""

from faces.services.processing import department_backfill, face_process, image_process
from faces.services.uploads import UploadResult, face_box_create, image_create, image_delete

__all__ = [
    "UploadResult",
    "department_backfill",
    "face_box_create",
    "face_process",
    "image_create",
    "image_delete",
    "image_process",
]
