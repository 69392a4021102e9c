"""A deleted roster upload takes its stored file with it (a department's cascade delete included)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from departments.models import RosterUpload
from departments.services.roster_uploads import delete_stored_file


@receiver(post_delete, sender=RosterUpload, dispatch_uid="roster_upload_file_delete")
def delete_roster_file(sender: type[RosterUpload], instance: RosterUpload, **kwargs: Any) -> None:
    name = instance.file.name
    if name:
        # Only once the delete is committed: a rolled-back delete keeps its row, so its file too.
        transaction.on_commit(lambda: delete_stored_file(name))
