"""Review queue bookkeeping: who holds which item right now, and what each volunteer skipped.

Decisions themselves are faces.models.Decision rows; these two tables only make the
queues fair (no item worked on twice at once) and pleasant (a skipped item waits).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class QueueKind(models.TextChoices):
    SORT = "sort", "Sort photos"  # item = faces.Image
    IDENTIFY = "identify", "Identify faces"  # item = faces.Face
    GROUP = "group", "Identify groups"  # item = faces.FaceGroup
    SEQUENCE = "sequence", "Identify video sequences"  # item = videos.FaceSequence


class Claim(models.Model):
    """One volunteer works on one item until `expires_at`; nobody else is given it meanwhile."""

    kind = models.CharField(max_length=10, choices=QueueKind.choices)
    item_id = models.BigIntegerField()
    department = models.ForeignKey("departments.Department", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_claims")
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # The database, not the code path, guarantees one holder per item.
            models.UniqueConstraint(fields=["kind", "item_id"], name="one_claim_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.item_id} held by {self.user_id} until {self.expires_at:%H:%M:%S}"


class Skip(models.Model):
    """A volunteer skipped an item: it is not offered to them again until `until`."""

    kind = models.CharField(max_length=10, choices=QueueKind.choices)
    item_id = models.BigIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_skips")
    until = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "item_id"], name="one_skip_per_user_item"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} skipped {self.kind} {self.item_id} until {self.until:%Y-%m-%d %H:%M}"


class SequenceSplit(models.Model):
    """A volunteer split stills off a video face sequence that had joined two people: who, when, which.

    faces.Decision records decisions about one face's identity; a split changes no identity
    (each moved still keeps its own face, decisions and suggestions), so it is kept here.
    """

    original = models.ForeignKey("videos.FaceSequence", on_delete=models.CASCADE, related_name="+")
    created = models.ForeignKey("videos.FaceSequence", on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey("departments.Department", on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # The faces (faces.Face ids) of the stills moved to `created`.
    faces = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Sequence {self.original_id} split into {self.created_id} by {self.actor_id}"
