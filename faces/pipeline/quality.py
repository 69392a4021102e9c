"""Whether a face box is good enough to be worth an embedding.

A descriptor of a tiny or doubtful face matches the wrong officer more often than it
helps, so such faces keep their box but get no embedding; the reason is shown to people.
"""

from __future__ import annotations


def embedding_skip_reason(face_w: int, face_h: int, score: float | None, *, min_face_px: int, min_score: float) -> str:
    """ "" if the face should be embedded, else a plain-language reason not to.

    A box drawn by a person has score None: a human said it is a face, so only its size
    is checked.
    """
    if min(face_w, face_h) < min_face_px:
        return f"Face is smaller than {min_face_px} px, too small to compare reliably."
    if score is not None and score < min_score:
        return f"The detector is unsure this is a face (score {score:.2f})."
    return ""
