"""A coordinator's bulk import of headshots (faces.services.headshots): the batch and one row per file."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from faces.models import Face, Image


class HeadshotBatch(models.Model):
    """One import of official headshots for a department (manage.py import_headshots or the
    coordinators' page): who sent what, and when the last file was done."""

    department = models.ForeignKey("departments.Department", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # The folder, ZIP or "N files" it came from, as shown back to people (never used as a path).
    source = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"headshots {self.pk} for department {self.department_id}"


class HeadshotItem(models.Model):
    """One file of a headshot batch and what became of it (every file gets one, bad ones too)."""

    class Status(models.TextChoices):
        # Every file gets its item first, in one transaction; its photo is stored after, so an
        # intake cut short leaves `received` items the sweep reports (faces.services.headshots).
        RECEIVED = "received", "received"
        QUEUED = "queued", "waiting"
        PROCESSING = "processing", "processing"
        DONE = "done", "identified"
        NO_FACE = "no_face", "no face"
        SEVERAL_FACES = "several_faces", "several faces"
        UNKNOWN_OFFICER = "unknown_officer", "unknown officer"
        BAD_IMAGE = "bad_image", "bad image"
        MISSING = "missing", "missing file"  # listed in the mapping file, not sent
        FAILED = "failed", "failed"

    PENDING = (Status.QUEUED, Status.PROCESSING)  # waiting for processing
    UNSETTLED = (Status.RECEIVED, *PENDING)  # no result yet

    batch = models.ForeignKey(HeadshotBatch, on_delete=models.CASCADE, related_name="items")
    file_name = models.CharField(max_length=255)
    # The employee ID or badge number the file name (or the mapping) gave.
    key = models.CharField(max_length=100, blank=True)
    officer = models.ForeignKey(
        "departments.Officer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    image = models.ForeignKey(Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    face = models.ForeignKey(Face, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    message = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["batch_id", "pk"]

    def __str__(self) -> str:
        return f"{self.file_name}: {self.status}"
