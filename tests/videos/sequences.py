"""Rows for tests of reviewing video sequences: a processed video, its sequences and their stills.

No video is decoded: each still is a real photo of tests/data/faces stored as a processed photo
with one detector box (tests.review.conftest.stored_image), linked to its sequence as the
video processing would link it.
"""

from __future__ import annotations

import uuid

from departments.models import Department
from videos.models import FaceSequence, SequenceFace, Video

# Photos of two different people, for sequences that wrongly joined them.
OBAMA = ("obama_1.jpg", "obama_2.jpg")
BIDEN = ("biden_1.jpg", "biden_2.jpg")


def video(department: Department, **fields) -> Video:
    """A video row (no file stored unless `file` is given), processed unless `status` says otherwise."""
    digest = uuid.uuid4().hex * 2
    defaults = {"status": Video.Status.DONE, "width": 640, "height": 360, "duration_seconds": 10.0, "fps": 25.0}
    return Video.objects.create(
        file=f"videos/originals/test/{digest[:12]}.mp4",
        sha256=digest,
        department=department,
        **{**defaults, **fields},
    )


def video_with_clip(department: Department, folder) -> Video:
    """A processed video whose original is a real 3 s clip (tests/videos/clips.py), so its
    public rendition can really be rendered."""
    from django.core.files.base import ContentFile

    from tests.videos.clips import two_people_clip

    clip = two_people_clip(folder / "clip.mp4")
    made = video(department, width=640, height=360, duration_seconds=3.0, fps=10.0)
    made.file.save("clip.mp4", ContentFile(clip.read_bytes()), save=True)
    return made


def sequence(
    department: Department | None = None,
    names: tuple[str, ...] = OBAMA,
    *,
    of_video: Video | None = None,
    times: tuple[float, ...] | None = None,
) -> FaceSequence:
    """A sequence with one still per photo name, at `times` (1 s apart by default), and a track
    sampled every half second from its first still to its last."""
    from tests.review.conftest import stored_image
    from tests.videos.clips import FACE_BOXES

    the_video = of_video or video(department)  # type: ignore[arg-type]
    times = times or tuple(float(i + 1) for i in range(len(names)))
    number = (
        FaceSequence.objects.filter(video=the_video).order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    track = [[times[0] + i / 2, 10, 10, 60, 60] for i in range(int((times[-1] - times[0]) * 2) + 1)]
    made = FaceSequence.objects.create(
        video=the_video,
        number=number,
        first_time=times[0],
        last_time=times[-1],
        frame_count=len(track),
        track=track,
    )
    for name, time in zip(names, times, strict=True):
        box = FACE_BOXES.get(name, (10, 10, 60, 60))  # the real face where known, for true crops
        face = stored_image(the_video.department, name, boxes=(box,)).faces.get()
        SequenceFace.objects.create(sequence=made, face=face, time=time, quality=0.8)
    return made


def still_faces(made: FaceSequence):
    from faces.models import Face

    return list(Face.objects.filter(video_still__sequence=made).order_by("video_still__time"))
