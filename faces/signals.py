"""Stored files follow their rows: deleting a photo on any path (service, admin, cascade)
deletes the original and every public rendition from storage once the deletion commits.

`face_identity_changed` lets the apps built on faces follow identities without faces importing
them (videos re-renders a public video when one of its stills is decided or undone).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import Signal, receiver

from faces.models import Image, UploadNotice
from faces.storage import queue_image_files_removal

# Sent by faces.services.review inside the decision's transaction, after a face's identity was
# written (identified, marked civilian, confirmed, or restored by an undo), with `face` (as now)
# and `before` (its identity snapshot before: officer_id, is_civilian, use_for_recognition).
face_identity_changed = Signal()
# Sent by faces.services.processing.department_backfill when it has embedded and searched a
# department's photos after recognition was enabled, with `department_id`: the videos app then
# matches its stills as sets (a still is never searched alone).
department_backfilled = Signal()


@receiver(post_delete, sender=Image, dispatch_uid="faces_image_files")
def image_files_deleted_with_the_row(sender, instance: Image, **kwargs) -> None:
    # An address kept for a photo deleted without a takedown has nothing left to be told.
    UploadNotice.objects.filter(image__isnull=True, sent_takedown_at__isnull=True).delete()
    if getattr(instance, "files_removal_queued", False):  # a takedown queued its own, counted removal
        return
    image_id, sha256 = instance.pk, instance.sha256
    names = [f.name for f in (instance.file, instance.public_file) if f and f.name]
    transaction.on_commit(lambda: queue_image_files_removal(image_id, sha256, names))
