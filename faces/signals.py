"""Stored files follow their rows: deleting a photo on any path (service, admin, cascade)
deletes the original and every public rendition from storage once the deletion commits."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from faces.models import Image, UploadNotice
from faces.storage import queue_image_files_removal


@receiver(post_delete, sender=Image, dispatch_uid="faces_image_files")
def image_files_deleted_with_the_row(sender, instance: Image, **kwargs) -> None:
    # An address kept for a photo deleted without a takedown has nothing left to be told.
    UploadNotice.objects.filter(image__isnull=True, sent_takedown_at__isnull=True).delete()
    if getattr(instance, "files_removal_queued", False):  # a takedown queued its own, counted removal
        return
    image_id, sha256 = instance.pk, instance.sha256
    names = [f.name for f in (instance.file, instance.public_file) if f and f.name]
    transaction.on_commit(lambda: queue_image_files_removal(image_id, sha256, names))
