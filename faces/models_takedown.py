"""What stays of a photo taken down, and an uploader's address for one notice.

The takedown's audit and the transparency counts it keeps (faces.services.takedown), and
`UploadNotice` (faces.services.notifications), whose row outlives the photo long enough
to send the takedown e-mail.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from faces.models import Image


class Takedown(models.Model):
    """Audit of a photo taken down (faces.services.takedown): who, why, and how much went.

    On purpose it keeps no image or biometric data: the photo is named by its former id
    only (not a key, the row is gone), and there are no file names, hashes, boxes or vectors.
    """

    image_id = models.PositiveBigIntegerField(db_index=True)
    department = models.ForeignKey("departments.Department", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(max_length=2000)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    faces_removed = models.PositiveIntegerField(default=0)
    embeddings_removed = models.PositiveIntegerField(default=0)
    suggestions_removed = models.PositiveIntegerField(default=0)
    # Counted by the task that deletes the stored files after the commit (faces.tasks).
    files_removed = models.PositiveIntegerField(default=0)
    # Set when the photo was a still of a video (taken down with it, videos.services.takedown, or
    # alone), by the video's id only: never counted as a photo taken down.
    video_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"photo {self.image_id} taken down at {self.created_at:%Y-%m-%d %H:%M}"


class TakenDownCount(models.Model):
    """What a photo taken down had added to one month's count on the transparency report.

    The report counts processed photos and faces, decided suggestions and undone
    identifications from live rows; a takedown deletes those rows, so it keeps their
    counts here (a department, a month, a measure, a number: aggregates only) and the
    report adds them back, so a past month never shrinks (accountability.selectors_transparency).
    """

    takedown = models.ForeignKey(Takedown, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey("departments.Department", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()  # the first day of the month, UTC
    measure = models.CharField(max_length=40)  # a key of accountability's MEASURES
    n = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["month"], name="faces_takendowncount_month")]

    def __str__(self) -> str:
        return f"{self.measure} {self.month:%Y-%m}: {self.n}"


class UploadNotice(models.Model):
    """An uploader's address, kept only to tell them once that a face in their photo was
    identified and once that the photo was taken down (faces.services.notifications).

    `image` is SET_NULL, not CASCADE: the takedown e-mail is sent after the photo's row is
    gone, and the task that sends it deletes this row then. The token is the address's
    owner's only handle on it (the deletion link in every e-mail).
    """

    image = models.ForeignKey(Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    email = models.EmailField(max_length=254)
    token = models.CharField(max_length=64, unique=True, editable=False)
    sent_identified_at = models.DateTimeField(null=True, blank=True)
    sent_takedown_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"notice for photo {self.image_id}"
