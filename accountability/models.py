"""Problem reports from the public: what someone says is wrong with a photo, a face, a video or an officer page.

A report names what it is about by foreign keys that survive the thing's removal as NULL
(a takedown deletes the photo and its faces; the report stays as the record of why), and
keeps its department so the right coordinators see it and the transparency page can count it.
The reporter follows the report through an unguessable `token`, never through an account.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


def new_report_token() -> str:
    return secrets.token_urlsafe(32)


class ProblemReport(models.Model):
    class Kind(models.TextChoices):
        NOT_THIS_OFFICER = "not_this_officer", "This is not this officer"
        NOT_AN_OFFICER = "not_an_officer", "This person is not a police officer"
        SHOWS_ME = "shows_me", "This photo shows me"
        PERSONAL_INFO = "personal_info", "Personal information"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DISMISSED = "dismissed", "Dismissed"
        IDENTIFICATION_UNDONE = "undone", "Identification undone"
        MARKED_NOT_OFFICER = "not_officer", "Marked as not an officer"
        TAKEN_DOWN = "taken_down", "Taken down"  # the photo, or the video, the report is about

    token = models.CharField(max_length=64, unique=True, default=new_report_token, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    department = models.ForeignKey("departments.Department", on_delete=models.PROTECT, related_name="+")
    image = models.ForeignKey("faces.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    face = models.ForeignKey("faces.Face", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    officer = models.ForeignKey(
        "departments.Officer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    video = models.ForeignKey("videos.Video", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    message = models.TextField(blank=True, max_length=2000)
    # Optional, used only to tell the reporter the outcome; erased when the report is resolved.
    contact_email = models.EmailField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    resolution = models.TextField(blank=True, max_length=2000)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["department", "status"], name="report_department_status")]

    def __str__(self) -> str:
        return f"Report {self.pk} ({self.get_kind_display()}, {self.get_status_display()})"
