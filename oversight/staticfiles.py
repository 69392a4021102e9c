"""Production static files storage: WhiteNoise's hashed, compressed manifest, but forgiving.

Django's manifest storage raises ValueError from `{% static %}` for a name that is not in
the manifest (collectstatic not run, or a file added since the last run), which turns
every page into a 500. Here such a name falls back to its plain URL and is logged: a
missing stylesheet is a visible bug, a 500 on every page is an outage. collectstatic
itself (post-processing uses `_stored_name`) stays strict.
"""

from __future__ import annotations

import logging

from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)


class ForgivingManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def stored_name(self, name: str) -> str:
        try:
            return super().stored_name(name)
        except ValueError:
            logger.warning("static file %r is not in the manifest: run `manage.py collectstatic`", name)
            return name
