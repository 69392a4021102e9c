"""Departments, the state rules that bind them, their officers and the flag's audit trail."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.db.models import F, Q

state_code = RegexValidator(r"^[A-Z]{2}$", "Use the two-letter state code, e.g. IL.")

# The database refuses any other scheme too (check constraints below): a javascript: or data:
# link saved by any path would otherwise become a script on a public page.
WEB_URL_PATTERN = r"^https?://"


def validate_web_url(value: str) -> None:
    """Only absolute http:// or https:// addresses (lower-case scheme, as the database checks)."""
    URLValidator(schemes=["http", "https"])(value)
    if not (value.startswith("http://") or value.startswith("https://")):
        raise ValidationError("Give an address that starts with http:// or https://.", code="invalid_scheme")


class Department(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    state = models.CharField(max_length=2, validators=[state_code], db_index=True)
    # Only departments.policy may change this (see department_set_recognition).
    facial_recognition_allowed = models.BooleanField(default=False, editable=False)
    complaint_url = models.URLField(
        max_length=500,
        blank=True,
        validators=[validate_web_url],
        help_text="Where the public files a complaint about an officer (http or https).",
    )
    complaint_instructions = models.CharField(
        max_length=1000, blank=True, help_text="A few sentences on how to file a complaint, shown with the link."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["state", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(complaint_url="") | Q(complaint_url__regex=WEB_URL_PATTERN),
                name="department_complaint_url_http",
            ),
        ]

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


ROSTER_STATED = "As the department's published roster states it; never inferred, never computed from a photo."


class Officer(models.Model):
    """An officer of a department's roster.

    `badge_number`, `rank` and `unit` are the officer's CURRENT assignment, copied from the
    open `Assignment` by `departments.services.assignment_start` (the only writer of both), so
    the roster, the search and every page that lists officers filter and sort on plain
    columns. The history lives in `Assignment`.

    `gender`, `race` and `birth_year` are copied exactly as the department publishes them
    (architecture rule 8: no demographic inference, nothing computed from a face).
    """

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="officers")
    employee_id = models.CharField(
        max_length=50,
        blank=True,
        help_text="The department's own ID for the officer (unique in the department when given).",
    )
    first_name = models.CharField(max_length=100)
    middle_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    suffix = models.CharField(max_length=20, blank=True)
    badge_number = models.CharField(max_length=50)
    rank = models.CharField(max_length=100, blank=True)
    unit = models.CharField(max_length=200, blank=True)
    employment_date = models.DateField(null=True, blank=True)
    separation_date = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=50, blank=True, help_text=ROSTER_STATED)
    race = models.CharField(max_length=100, blank=True, help_text=ROSTER_STATED)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True, help_text=ROSTER_STATED)
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
            models.UniqueConstraint(
                fields=["department", "employee_id"],
                condition=~Q(employee_id=""),
                name="unique_employee_id_per_department",
            ),
            models.CheckConstraint(
                condition=Q(separation_date__isnull=True)
                | Q(employment_date__isnull=True)
                | Q(separation_date__gte=F("employment_date")),
                name="officer_separation_after_employment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} #{self.badge_number}"

    @property
    def full_name(self) -> str:
        # The pages and suggestions show first and last name; the middle name is on the profile.
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def formal_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name, self.suffix) if p)


class Assignment(models.Model):
    """One stretch of an officer's career: badge, rank and unit from start_date to end_date.

    An open assignment (no end date) is the current one; there is at most one per officer.
    A null start date means "before our records begin" (the first assignment migrated from
    the single badge/rank/unit an officer had).
    """

    officer = models.ForeignKey(Officer, on_delete=models.CASCADE, related_name="assignments")
    badge_number = models.CharField(max_length=50)
    rank = models.CharField(max_length=100, blank=True)
    unit = models.CharField(max_length=200, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True, help_text="Empty while this is the current assignment.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = [F("end_date").desc(nulls_first=True), F("start_date").desc(nulls_last=True), "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["officer"], condition=Q(end_date__isnull=True), name="one_open_assignment_per_officer"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(start_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="assignment_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.badge_number} {self.rank} {self.unit} ({self.start_date or '…'}–{self.end_date or 'now'})"

    @property
    def is_current(self) -> bool:
        return self.end_date is None


class Incident(models.Model):
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="incidents")
    date = models.DateField(null=True, blank=True)
    location = models.CharField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    report_number = models.CharField(max_length=100, blank=True, help_text="The report or case number.")
    officers = models.ManyToManyField(Officer, blank=True, related_name="incidents")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [F("date").desc(nulls_last=True), "-pk"]

    def __str__(self) -> str:
        return f"Incident {self.report_number or self.pk} ({self.date or 'date unknown'})"


class Link(models.Model):
    """A news story, video, document … about exactly one officer or one incident."""

    class Kind(models.TextChoices):
        NEWS = "news", "News"
        VIDEO = "video", "Video"
        DOCUMENT = "document", "Document"
        COURT_RECORD = "court_record", "Court record"
        SOCIAL_MEDIA = "social_media", "Social media"
        OTHER = "other", "Other"

    officer = models.ForeignKey(Officer, null=True, blank=True, on_delete=models.CASCADE, related_name="links")
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.CASCADE, related_name="links")
    url = models.URLField(max_length=2000, validators=[validate_web_url])
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(officer__isnull=False, incident__isnull=True)
                | Q(officer__isnull=True, incident__isnull=False),
                name="link_has_exactly_one_subject",
            ),
            models.CheckConstraint(condition=Q(url__regex=WEB_URL_PATTERN), name="link_url_http"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        # Both missing is refused by the database; an admin inline sets its parent only after clean().
        if self.officer_id is not None and self.incident_id is not None:
            raise ValidationError("A link belongs to exactly one officer or one incident.", code="subject")


class Salary(models.Model):
    officer = models.ForeignKey(Officer, on_delete=models.CASCADE, related_name="salaries")
    year = models.PositiveSmallIntegerField()
    salary = models.DecimalField(max_digits=12, decimal_places=2)
    overtime_pay = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    is_fiscal_year = models.BooleanField(default=False)

    class Meta:
        ordering = ["-year"]
        verbose_name_plural = "salaries"
        constraints = [
            models.UniqueConstraint(fields=["officer", "year", "is_fiscal_year"], name="one_salary_per_officer_year"),
            models.CheckConstraint(condition=Q(salary__gte=0), name="salary_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.year}{' (fiscal)' if self.is_fiscal_year else ''}: {self.salary}"


class RecordChange(models.Model):
    """Audit row for every edit of an officer record (officer, assignment, incident, link, salary)."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="record_changes")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    what = models.CharField(max_length=50, db_index=True, help_text="e.g. officer.update, assignment.start")
    object_id = models.PositiveBigIntegerField()
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.what} #{self.object_id} at {self.created_at:%Y-%m-%d %H:%M}"


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


class RosterUpload(models.Model):
    """A roster CSV kept between its preview and its apply, so the apply imports exactly the file previewed.

    Stored through Django's default storage (private: originals are never served by URL); the
    apply re-checks the SHA-256, re-runs the import on the roster as it is then, writes only if
    the plan is the previewed one (`plan_digest`), and is single-use. The file is deleted once
    applied, or when an unapplied preview is older than ROSTER_PREVIEW_KEEP_DAYS (`expired_at`).
    """

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="roster_uploads")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Emptied once applied or expired: the file holds names, race and birth years.
    file = models.FileField(upload_to="rosters/%Y/%m/", max_length=255, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    effective_date = models.DateField()
    preview = models.JSONField(help_text="The dry run's report (RosterReport.as_dict()).")
    plan_digest = models.CharField(
        max_length=64, blank=True, help_text="The previewed plan's digest; the apply writes only that plan."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expired_at = models.DateTimeField(
        null=True, blank=True, help_text="When the unapplied preview was pruned (its file deleted)."
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    report = models.JSONField(null=True, blank=True, help_text="The apply's report, once applied.")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        state = "applied" if self.applied_at else "expired" if self.expired_at else "preview"
        return f"roster {self.file_name or self.pk} for {self.department_id} ({state})"
