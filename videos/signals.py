"""The public video follows its stills' identities: any decision about a still, on any path (the
sequence queue, the per-face queue, an undo, a problem report), re-renders the video it is from.
And when a department's recognition is enabled, its videos' stills are matched as sets after the
photos' backfill (which leaves stills alone)."""

from __future__ import annotations

from django.dispatch import receiver

from faces.models import Face
from faces.renditions import is_public_officer_face
from faces.signals import department_backfilled, face_identity_changed
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


@receiver(department_backfilled, dispatch_uid="videos_backfill")
def department_videos_backfill(sender, department_id: int, **kwargs) -> None:
    from videos.services.matching import department_videos_match

    department_videos_match(department_id)
