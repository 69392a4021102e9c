"""Public pages of the faces app: upload, photo page and box editor, officer pages."""
