"""The public video follows its stills' identities: any decision about a still, on any path (the
sequence queue, the per-face queue, an undo, a problem report), re-renders the video it is from."""

from __future__ import annotations

from django.dispatch import receiver

from faces.models import Face
from faces.renditions import is_public_officer_face
from faces.signals import face_identity_changed
from videos.models import SequenceFace
from videos.services.rendition import video_rendition_invalidate


@receiver(face_identity_changed, sender=Face, dispatch_uid="videos_still_identity")
def still_identity_changed(sender, face: Face, before: dict, **kwargs) -> None:
    video_id = SequenceFace.objects.filter(face_id=face.pk).values_list("sequence__video_id", flat=True).first()
    if video_id is None:
        return  # a photo's face: faces.renditions handles it
    was_shown = before.get("officer_id") is not None and not before.get("is_civilian")
    # Shown until now and no longer shown as that officer: the old rendition must go at once.
    hide = was_shown and not (is_public_officer_face(face) and face.officer_id == before.get("officer_id"))
    video_rendition_invalidate(video_id, hide=hide)
