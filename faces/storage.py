"""Small helpers around Django's file storage shared by uploads, renditions and deletion."""

from __future__ import annotations

import logging

from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)


def delete_quietly(*names: str) -> None:
    """Delete stored files; a store that refuses is logged, never raised to the caller.

    Used after the database decided (a rollback, a replaced rendition, a deleted photo):
    an orphaned file is a cost, an exception here would undo nothing.
    """
    for name in names:
        if not name:
            continue
        try:
            default_storage.delete(name)
        except Exception:
            logger.exception("could not delete %s from storage", name)
