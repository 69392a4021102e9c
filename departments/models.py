"""Departments, the state rules that bind them, their officers and the flag's audit trail."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

state_code = RegexValidator(r"^[A-Z]{2}$", "Use the two-letter state code, e.g. IL.")


class Department(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    state = models.CharField(max_length=2, validators=[state_code], db_index=True)
    # Only departments.policy may change this (see department_set_recognition).
    facial_recognition_allowed = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["state", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.state})"


class JurisdictionRule(models.Model):
    """A state law that forbids facial recognition for every department in the state."""

    state = models.CharField(max_length=2, unique=True, validators=[state_code])
    recognition_forbidden = models.BooleanField(default=True)
    legal_reason = models.TextField(help_text="The law and why it forbids recognition.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["state"]

    def __str__(self) -> str:
        verdict = "forbidden" if self.recognition_forbidden else "allowed"
        return f"{self.state}: recognition {verdict}"


class Officer(models.Model):
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="officers")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    badge_number = models.CharField(max_length=50)
    rank = models.CharField(max_length=100, blank=True)
    unit = models.CharField(max_length=200, blank=True)
    public_notes = models.TextField(blank=True)
    featured_face = models.ForeignKey("faces.Face", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Not a column: the public pages set it on the officers they list (the face whose crop shows them).
    photo_face_id: int | None

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["department", "badge_number"], name="unique_badge_per_department"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} #{self.badge_number}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class RecognitionChange(models.Model):
    """Audit row for every change of a department's facial-recognition flag."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="recognition_changes")
    allowed = models.BooleanField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    reason = models.TextField()
    purged_embeddings = models.PositiveIntegerField(default=0)
    withdrawn_suggestions = models.PositiveIntegerField(default=0)
    # Enabling owes the department a background backfill; the worker marks it done.
    backfill_due = models.BooleanField(default=False)
    backfill_done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.department}: {'on' if self.allowed else 'off'} at {self.created_at:%Y-%m-%d %H:%M}"
