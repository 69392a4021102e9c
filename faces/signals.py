"""Stored files follow their rows: deleting a photo on any path (service, admin, cascade)
deletes the original and the public rendition from storage once the deletion commits."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from faces.models import Image
from faces.storage import delete_quietly


@receiver(post_delete, sender=Image, dispatch_uid="faces_image_files")
def image_files_deleted_with_the_row(sender, instance: Image, **kwargs) -> None:
    names = [f.name for f in (instance.file, instance.public_file) if f and f.name]
    transaction.on_commit(lambda: delete_quietly(*names))
