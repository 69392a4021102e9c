"""Who uploaded a photo from an anonymous browser: a random token kept in the session.

The photo stores only the token's SHA-256 (`Image.uploader_session`), so reading the
database does not give anyone the power to act as the uploader. The token lives in the
session data rather than being the session key, because Django changes the key at login
while keeping the data: someone who uploads and then signs in still sees their photo.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

SESSION_KEY = "oversight_uploader"
_TOKEN_BYTES = 32


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def session_uploader_key(session: Any) -> str:
    """The hashed uploader token of this session, or "" if it has none (nothing is created)."""
    token = session.get(SESSION_KEY) if session is not None else None
    return _digest(token) if isinstance(token, str) and token else ""


def session_uploader_key_for_upload(session: Any) -> str:
    """The hashed uploader token of this session, created on its first upload."""
    if session is None:
        return ""
    if not session_uploader_key(session):
        session[SESSION_KEY] = secrets.token_urlsafe(_TOKEN_BYTES)
    return session_uploader_key(session)


def upload_marker(user: Any, session: Any) -> str:
    """What image_create records for this uploader: signed-in uploads are known by account."""
    if getattr(user, "is_authenticated", False):
        return ""
    return session_uploader_key_for_upload(session)
