"""Photos, the faces in them, suggested officers and the audit of every gallery search."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from pgvector.django import VectorField

EMBEDDING_DIMENSIONS = 128


class Image(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        PROCESSING = "processing"
        DONE = "done"
        FAILED = "failed"

    # The sanitised original (metadata stripped); private to volunteers.
    file = models.FileField(upload_to="originals/%Y/%m/", max_length=255)
    # Public rendition: civilians' faces blurred. Rebuilt when identities change.
    public_file = models.FileField(upload_to="public/%Y/%m/", max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, unique=True)
    format = models.CharField(max_length=10, blank=True)
    department = models.ForeignKey("departments.Department", on_delete=models.PROTECT, related_name="images")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads"
    )
    # An anonymous upload's browser session (hash of a token kept in it: faces/uploader.py),
    # so that session alone, besides volunteers, sees the photo's unconfirmed suggestions.
    uploader_session = models.CharField(max_length=64, blank=True, default="", editable=False)
    original_filename = models.CharField(max_length=255, blank=True)
    taken_at = models.DateTimeField(null=True, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    contains_officers = models.BooleanField(null=True, blank=True)
    labels = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    # Not a column: faces.api.selectors.image_for_api sets it for the API's serializers.
    api_faces: list[Face]

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Image {self.pk} ({self.status})"


class Face(models.Model):
    class Source(models.TextChoices):
        DETECTOR = "detector"
        USER = "user"

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="faces")
    # Box in original-image pixels (after EXIF orientation).
    x = models.PositiveIntegerField()
    y = models.PositiveIntegerField()
    w = models.PositiveIntegerField()
    h = models.PositiveIntegerField()
    source = models.CharField(max_length=10, choices=Source.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detector_score = models.FloatField(null=True, blank=True)
    officer = models.ForeignKey(
        "departments.Officer", null=True, blank=True, on_delete=models.SET_NULL, related_name="faces"
    )
    is_civilian = models.BooleanField(default=False)
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True, editable=False)
    # Which descriptor space the embedding is in (faces.pipeline.embed.embedding_variant):
    # the search compares only vectors of the current FACES_EMBEDDING_VARIANT, and
    # `manage.py reprocess --stale-embeddings` re-embeds the others.
    embedding_variant = models.CharField(max_length=40, blank=True, editable=False)
    # Why a face was not embedded (too small, poor score, recognition off…), shown to users.
    embedding_skipped_reason = models.CharField(max_length=200, blank=True)
    use_for_recognition = models.BooleanField(default=False)
    # Copy of image.department_id kept by a database trigger (migration 0003), so queries of one
    # department's faces need not join images. An access path only: the gate re-checks images live.
    image_department_id = models.BigIntegerField(null=True, blank=True, editable=False)
    identified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    identified_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Not a column: the API's selectors set it to the suggestions the gate and the viewer allow.
    visible_suggestions: list[MatchSuggestion]

    class Meta:
        ordering = ["image_id", "x"]
        # No vector index on faces: a gallery search walks the officers' centroids
        # (faces.models_gallery) and re-ranks the shortlisted officers' faces by officer_id.
        constraints = [
            models.CheckConstraint(condition=models.Q(w__gt=0, h__gt=0), name="face_box_not_empty"),
            # Detector boxes are unique per image, so a re-run cannot duplicate them.
            models.UniqueConstraint(
                fields=["image", "x", "y", "w", "h", "source"],
                condition=models.Q(source="detector"),
                name="unique_detector_box_per_image",
            ),
        ]

    def __str__(self) -> str:
        return f"Face {self.pk} of image {self.image_id}"

    @property
    def box(self) -> dict[str, int]:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h}

    @property
    def embedded(self) -> bool:
        return self.embedding is not None


class MatchSuggestion(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        CONFIRMED = "confirmed"
        REJECTED = "rejected"
        WITHDRAWN = "withdrawn"

    face = models.ForeignKey(Face, on_delete=models.CASCADE, related_name="suggestions")
    officer = models.ForeignKey("departments.Officer", on_delete=models.CASCADE, related_name="suggestions")
    distance = models.FloatField()
    rank = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["face_id", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["face", "officer"], name="one_suggestion_per_face_officer"),
        ]

    def __str__(self) -> str:
        return f"Face {self.face_id} → officer {self.officer_id} ({self.status})"


class RecognitionEvent(models.Model):
    """Audit of every gallery search, including the ones discarded at the gate."""

    class Outcome(models.TextChoices):
        SEARCHED = "searched"
        REFUSED = "refused"  # the policy said no: nothing was computed
        DISCARDED = "discarded"  # a result crossed the gate and was thrown away

    face = models.ForeignKey(Face, null=True, on_delete=models.SET_NULL, related_name="recognition_events")
    department = models.ForeignKey("departments.Department", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    result_count = models.PositiveSmallIntegerField(default=0)
    detail = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # The transparency pages count faces refused, not attempts: two runs of the same face at
            # once (a redelivered task beside the first) must not both record the refusal.
            models.UniqueConstraint(
                fields=["face"], condition=models.Q(outcome="refused"), name="one_refusal_per_face"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outcome} for face {self.face_id} ({self.result_count} results)"


class Decision(models.Model):
    """Every decision a person makes in review: who, when, what — and how to undo it."""

    class Kind(models.TextChoices):
        SORT = "sort"  # contains officers: yes / no
        SKIP = "skip"
        IDENTIFY = "identify"  # face → officer
        CIVILIAN = "civilian"  # face → not an officer
        CONFIRM = "confirm"  # a suggestion confirmed
        REJECT = "reject"  # a suggestion rejected
        CURATE = "curate"  # gallery use / featured face changed
        UNDO = "undo"

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="decisions")
    kind = models.CharField(max_length=10, choices=Kind.choices, db_index=True)
    department = models.ForeignKey("departments.Department", on_delete=models.CASCADE, related_name="+")
    image = models.ForeignKey(Image, null=True, blank=True, on_delete=models.CASCADE, related_name="decisions")
    face = models.ForeignKey(Face, null=True, blank=True, on_delete=models.CASCADE, related_name="decisions")
    officer = models.ForeignKey(
        "departments.Officer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    suggestion = models.ForeignKey(MatchSuggestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # State before and after, enough to undo (field values only; never a biometric vector).
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} by {self.actor} at {self.created_at:%Y-%m-%d %H:%M}"


class BiometricPurge(models.Model):
    """Audit of a purge that rule 4 forced outside a flag change (docs/architecture.md, rule 4).

    Written by the database triggers of migration 0005 (a photo moved, an officer
    transferred, a state changed, a state rule added, an embedding written where recognition
    is not allowed) and by `manage.py gate_audit --fix`. Flag changes made through the
    service purge first and are audited in departments.RecognitionChange, so the triggers
    find nothing left there and write no row. A trigger cannot know who made the change:
    the admin fills `actor` for the purges of its own transaction.
    """

    class Source(models.TextChoices):
        TRIGGER = "trigger"
        GATE_AUDIT = "gate_audit"

    department = models.ForeignKey(
        "departments.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cause = models.CharField(max_length=300)
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.TRIGGER)
    purged_embeddings = models.PositiveIntegerField(default=0)
    withdrawn_suggestions = models.PositiveIntegerField(default=0)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # txid_current() of the writing transaction: one row per cause and transaction (the
    # triggers add to it), and how a request finds the purges its own save caused.
    transaction_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.cause}: {self.purged_embeddings} embeddings, {self.withdrawn_suggestions} suggestions"


class GateAuditRun(models.Model):
    """One run of `manage.py gate_audit` (by hand, from cron, or from beat): what it found."""

    class RanBy(models.TextChoices):
        COMMAND = "command"
        BEAT = "beat"

    ran_by = models.CharField(max_length=10, choices=RanBy.choices, default=RanBy.COMMAND)
    fix = models.BooleanField(default=False)
    embeddings_found = models.PositiveIntegerField(default=0)
    suggestions_found = models.PositiveIntegerField(default=0)
    embeddings_purged = models.PositiveIntegerField(default=0)
    suggestions_withdrawn = models.PositiveIntegerField(default=0)
    # Departments whose flag was on in a state whose rule forbids recognition, and how many
    # of them the run turned off (through the audited service).
    flags_found = models.PositiveIntegerField(default=0)
    flags_turned_off = models.PositiveIntegerField(default=0)
    # Face-group memberships that break the gate (faces.services.grouping), and how many were removed.
    memberships_found = models.PositiveIntegerField(default=0)
    memberships_removed = models.PositiveIntegerField(default=0)
    # The first offending face and suggestion ids, for whoever investigates.
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"gate audit at {self.created_at:%Y-%m-%d %H:%M}: {self.violations} violations"

    @property
    def violations(self) -> int:
        return self.embeddings_found + self.suggestions_found + self.flags_found + self.memberships_found

    @property
    def fixed(self) -> int:
        return self.embeddings_purged + self.suggestions_withdrawn + self.memberships_removed


class RuleChange(models.Model):
    """Audit of a state rule added, changed or removed (rule 5), shown on the jurisdiction page.

    Relaxing or removing a rule turns nothing on: the flags of the state's departments stay
    off until someone turns them on, with a reason (departments.RecognitionChange).
    """

    class Action(models.TextChoices):
        ADDED = "added"
        CHANGED = "changed"
        REMOVED = "removed"

    state = models.CharField(max_length=2, db_index=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    # The rule's fields (state, recognition_forbidden, legal_reason) before and after.
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"rule for {self.state} {self.action} at {self.created_at:%Y-%m-%d %H:%M}"


class FaceGroup(models.Model):
    """Unidentified, embedded faces of one department that look like one person (faces.services.grouping).

    Volunteers identify a group at once (review "groups" queue), each face with its own
    Decision. Biometric-derived data: only where recognition is allowed, purged with the
    embeddings (faces.services.recognition.purge_department and the triggers of
    migration 0009), never mixing departments.
    """

    department = models.ForeignKey("departments.Department", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Group {self.pk} of department {self.department_id}"


class FaceGroupMember(models.Model):
    """A face in a group: at most one group per face. The database drops the row when the face
    loses its embedding, gets an identity or changes department (migration 0009)."""

    face = models.OneToOneField(Face, on_delete=models.CASCADE, related_name="group_membership")
    group = models.ForeignKey(FaceGroup, on_delete=models.CASCADE, related_name="members")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["group_id", "added_at", "pk"]

    def __str__(self) -> str:
        return f"Face {self.face_id} in group {self.group_id}"


from faces.models_gallery import OfficerCentroid  # noqa: E402, F401  (registered with the faces app)
from faces.models_headshots import HeadshotBatch, HeadshotItem  # noqa: E402, F401  (the same)
from faces.models_takedown import Takedown, TakenDownCount, UploadNotice  # noqa: E402, F401  (the same)
