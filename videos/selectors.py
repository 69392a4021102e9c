"""Reads for the video page, its status JSON and the API: what anyone may see of a video.

Public, like a photo page: the status and progress, the public rendition (every face not
identified as an officer blurred), and the timeline of face sequences with their times and
boxes (geometry only). A face is shown only for a sequence identified as an officer, through
the public crop of one of its stills that a volunteer confirmed (faces' `face_crop`, which
itself refuses anything else); every other sequence gets a neutral placeholder.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet
from django.urls import reverse

from faces.models import Face
from faces.renditions import is_public_officer_face
from videos.models import FaceSequence, SequenceFace, Video

STATUS_LABELS: dict[str, str] = {
    Video.Status.QUEUED: "Waiting to be processed",
    Video.Status.PROCESSING: "Finding faces",
    Video.Status.DONE: "Done",
    Video.Status.FAILED: "Processing failed",
}
SEQUENCE_LABELS: dict[str, str] = {
    FaceSequence.Status.OPEN: "Not identified yet",
    FaceSequence.Status.IDENTIFIED: "Officer identified",
    FaceSequence.Status.CIVILIAN: "Not an officer (blurred)",
}


def video_for_page(video_id: int) -> Video | None:
    return Video.objects.select_related("department").filter(pk=video_id).first()


def sequence_shown(sequence: FaceSequence, faces: Iterable[Face]) -> bool:
    """Whether the public sees this sequence's face: the photos' rule (is_public_officer_face) for
    every one of its stills, each identified as the sequence's officer.

    `faces` are the faces of all its stills. One still undone, marked not an officer or
    identified as someone else (a join of two people) is enough to blur the whole track: the
    sequence's own status is only what a volunteer decided once, the faces are what stands now.
    """
    faces = list(faces)
    return (
        sequence.status == FaceSequence.Status.IDENTIFIED
        and sequence.officer_id is not None
        and bool(faces)
        and all(is_public_officer_face(f) and f.officer_id == sequence.officer_id for f in faces)
    )


def _still_faces(sequence: FaceSequence) -> list[Face]:
    return [still.face for still in getattr(sequence, "all_stills", [])]


def video_sequences(video: Video) -> QuerySet[FaceSequence]:
    """The video's sequences in order, each with its stills' faces (`all_stills`) for sequence_shown."""
    stills = SequenceFace.objects.select_related("face").only(
        "pk", "sequence_id", "face_id", "time", "face__officer_id", "face__is_civilian"
    )
    return (
        FaceSequence.objects.filter(video=video)
        .select_related("officer")
        .prefetch_related(Prefetch("stills", queryset=stills, to_attr="all_stills"))
        .order_by("number")
    )


def clock(seconds: float) -> str:
    """m:ss (h:mm:ss past an hour), as a player shows time."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _officer(sequence: FaceSequence) -> dict | None:
    officer = sequence.officer
    if officer is None or not sequence_shown(sequence, _still_faces(sequence)):
        return None  # blurred in the public video: no name, no face
    return {
        "id": officer.pk,
        "name": officer.full_name,
        "badge": officer.badge_number,
        "url": reverse("officer_detail", args=[officer.pk]),
    }


def _thumb_url(sequence: FaceSequence, officer: dict | None) -> str:
    if officer is None:
        return ""
    # A still a volunteer confirmed as this sequence's officer (never a civilian's face).
    faces = [f for f in _still_faces(sequence) if is_public_officer_face(f) and f.officer_id == officer["id"]]
    return reverse("face_crop", args=[faces[0].pk]) if faces else ""


def _track(track: object) -> list[list[float]]:
    """The stored track, keeping only well-formed [t, x, y, w, h] rows."""
    rows: list[list[float]] = []
    if not isinstance(track, list):
        return rows
    for row in track:
        if isinstance(row, (list, tuple)) and len(row) == 5 and all(isinstance(v, (int, float)) for v in row):
            rows.append([round(float(v), 3) for v in row])
    return rows


def sequence_payload(sequence: FaceSequence) -> dict:
    officer = _officer(sequence)
    return {
        "id": sequence.pk,
        "number": sequence.number,
        "first_time": round(sequence.first_time, 3),
        "last_time": round(sequence.last_time, 3),
        "first_clock": clock(sequence.first_time),
        "last_clock": clock(sequence.last_time),
        "frame_count": sequence.frame_count,
        "status": sequence.status,
        "status_label": SEQUENCE_LABELS.get(sequence.status, sequence.status),
        "officer": officer,
        "thumb_url": _thumb_url(sequence, officer),
        "track": _track(sequence.track),
    }


def progress(video: Video) -> dict:
    total, done = video.frames_total, min(video.frames_done, video.frames_total)
    percent = int(100 * done / total) if total else 0
    if video.status == Video.Status.DONE:
        percent = 100
    return {"frames_done": done, "frames_total": total, "percent": percent}


def video_page_data(video: Video) -> dict:
    """Everything the video page and its status.json show; the same dict for both."""
    pending = video.status in (Video.Status.QUEUED, Video.Status.PROCESSING)
    rendered = bool(video.public_file)
    return {
        "id": video.pk,
        "status": video.status,
        "status_label": STATUS_LABELS.get(video.status, video.status),
        "error": video.error if video.status == Video.Status.FAILED else "",
        # Still to change: processing, or processed and its public rendition not written yet.
        "pending": pending or (video.status == Video.Status.DONE and not rendered),
        "progress": progress(video),
        "width": video.width,
        "height": video.height,
        "duration_seconds": round(video.duration_seconds, 3),
        "duration_clock": clock(video.duration_seconds),
        "public_url": reverse("video_public", args=[video.pk]) if rendered else "",
        "poster_url": reverse("video_poster", args=[video.pk]) if video.poster else "",
        "sequences": [sequence_payload(s) for s in video_sequences(video)],
        "urls": {
            "status": reverse("video_status", args=[video.pk]),
            "page": reverse("video_detail", args=[video.pk]),
        },
    }
