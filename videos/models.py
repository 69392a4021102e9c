"""Videos, and the face sequences followed through them.

A video is never searched or shown frame by frame. Its processing samples frames, follows each
face across them into a `FaceSequence` (boxes over time: geometry only, no biometric data),
and keeps each sequence's best frames as ordinary photos (`faces.Image`, one `faces.Face` box
each) in the video's department, linked by `SequenceFace`. So everything the product does for
photos (boxes, blurring, review, officer pages) and every rule of the gate (embeddings,
suggestions, purges: the triggers of faces/migrations/0005) applies to those stills unchanged;
no table here holds an embedding or a suggestion.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Video(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        PROCESSING = "processing"
        DONE = "done"
        FAILED = "failed"

    # The sanitised original: remuxed without container metadata (GPS, device); private to volunteers.
    file = models.FileField(upload_to="videos/originals/%Y/%m/", max_length=255)
    # Public rendition: every face not identified as an officer blurred along its track.
    public_file = models.FileField(upload_to="videos/public/%Y/%m/", max_length=255, blank=True)
    # Poster frame of the public rendition (blurred like it).
    poster = models.FileField(upload_to="videos/public/%Y/%m/", max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, unique=True)  # of the uploaded bytes: one video, one row
    container = models.CharField(max_length=20, blank=True)  # mp4, webm, mov
    codec = models.CharField(max_length=20, blank=True)
    department = models.ForeignKey("departments.Department", on_delete=models.PROTECT, related_name="videos")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="video_uploads"
    )
    uploader_session = models.CharField(max_length=64, blank=True, default="", editable=False)
    original_filename = models.CharField(max_length=255, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    duration_seconds = models.FloatField()
    fps = models.FloatField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Progress in decoded frames (every frame is decoded; only some are sampled for faces):
    # the total from the container's header, set to the real count when the scan commits, and
    # those decoded so far. frames_done == frames_total marks a committed scan, where a resumed
    # run starts matching (a scan cut short starts again from the first frame).
    frames_total = models.PositiveIntegerField(default=0)
    frames_done = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Video {self.pk} ({self.status})"


class FaceSequence(models.Model):
    """One face followed through a video: its track (time and box per sampled frame)."""

    class Status(models.TextChoices):
        OPEN = "open"  # not identified yet
        IDENTIFIED = "identified"  # every still identified as `officer`
        CIVILIAN = "civilian"  # not an officer: blurred everywhere

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="sequences")
    # Sequence number within the video, in order of first appearance (stable across resumed runs).
    number = models.PositiveIntegerField()
    first_time = models.FloatField()  # seconds
    last_time = models.FloatField()
    frame_count = models.PositiveIntegerField(default=0)  # sampled frames with a detection
    # [[t, x, y, w, h], ...] in video pixels, one per sampled frame with a detection: what the
    # public rendition blurs (interpolated between samples) and what the page highlights.
    track = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    officer = models.ForeignKey(
        "departments.Officer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A sequence split from another by a volunteer names its origin (audit, and no re-join).
    split_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["video_id", "number"]
        constraints = [models.UniqueConstraint(fields=["video", "number"], name="one_sequence_number_per_video")]

    def __str__(self) -> str:
        return f"Sequence {self.number} of video {self.video_id}"


class SequenceFace(models.Model):
    """A best frame of a sequence, kept as a still photo with one face box."""

    sequence = models.ForeignKey(FaceSequence, on_delete=models.CASCADE, related_name="stills")
    face = models.OneToOneField("faces.Face", on_delete=models.CASCADE, related_name="video_still")
    time = models.FloatField()  # seconds into the video
    # Why this frame was chosen (face size, detector score, sharpness, frontal pose), 0..1.
    quality = models.FloatField(default=0)

    class Meta:
        ordering = ["sequence_id", "time"]

    def __str__(self) -> str:
        return f"Still at {self.time:.2f}s of sequence {self.sequence_id}"


class VideoTakedown(models.Model):
    """Audit of a video taken down (videos.services.takedown): who, why, and how much went.

    Like faces.Takedown it keeps no image or biometric data: the video by its former id only
    (not a key, the row is gone), no file name, hash, track, box or vector. Each still photo
    taken down with the video has its own faces.Takedown row (its `video_id` names this video).
    """

    video_id = models.PositiveBigIntegerField(db_index=True)
    department = models.ForeignKey("departments.Department", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(max_length=2000)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    stills_removed = models.PositiveIntegerField(default=0)
    faces_removed = models.PositiveIntegerField(default=0)
    embeddings_removed = models.PositiveIntegerField(default=0)
    # Counted by the task that deletes the stored files after the commit (videos.tasks).
    files_removed = models.PositiveIntegerField(default=0)
    # The month (first day, UTC) the video was processed, if it was: the transparency report's
    # "videos processed" counts live rows, and keeps a video taken down in its month by this.
    processed_month = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"video {self.video_id} taken down at {self.created_at:%Y-%m-%d %H:%M}"
