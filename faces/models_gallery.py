"""The gallery's per-officer centroids: what a gallery search walks first.

One row per officer and embedding variant: the mean of that officer's gallery embeddings
(identified, `use_for_recognition`, embedded) and how many faces it averages. Rows are
written only by the database (faces/migrations/0010): statement triggers on faces_face
recompute the centroids of every officer a statement touched, in the same transaction, and
a trigger on departments_officer follows transfers. So a centroid exists exactly while its
officer has gallery faces, and because every embedding of a disallowed department is purged
by the gate's triggers (migration 0005), its centroid goes in the same statement. It is
derived biometric data and obeys the same rule: nothing else writes it, and a search only
uses it to *nominate* officers; every figure shown is recomputed from live, re-checked faces.
"""

from __future__ import annotations

from django.db import models
from pgvector.django import VectorField

from faces.models import EMBEDDING_DIMENSIONS


class OfficerCentroid(models.Model):
    officer = models.ForeignKey(
        "departments.Officer", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    # The officer's department, copied by the triggers so a scoped search reads one index range.
    department_id = models.BigIntegerField()
    variant = models.CharField(max_length=40, blank=True)
    centroid = VectorField(dimensions=EMBEDDING_DIMENSIONS)
    face_count = models.PositiveIntegerField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["officer", "variant"], name="one_centroid_per_officer")]
        indexes = [
            # Exact scans of a department's centroids read one contiguous index range, index-only.
            models.Index(fields=["department_id", "variant"], include=["officer", "centroid"], name="centroid_scan"),
        ]

    def __str__(self) -> str:
        return f"Centroid of officer {self.officer_id} ({self.face_count} faces)"
