"""Reads about headshot imports: a department's recent batches, one batch's progress and counts."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.urls import reverse

from departments.models import Department
from faces.models import HeadshotBatch, HeadshotItem

RECENT_BATCHES = 10
LABELS = dict(HeadshotItem.Status.choices)


def recent_batches(department: Department) -> QuerySet[HeadshotBatch]:
    return HeadshotBatch.objects.filter(department=department).select_related("created_by")[:RECENT_BATCHES]


def batch_items(batch: HeadshotBatch) -> QuerySet[HeadshotItem]:
    return HeadshotItem.objects.filter(batch=batch).select_related("officer").order_by("pk")


def headshot_counts(batch: HeadshotBatch) -> dict[str, int]:
    """Items per status, every status present (0 if none)."""
    counts = dict.fromkeys(HeadshotItem.Status.values, 0)
    rows = HeadshotItem.objects.filter(batch=batch).values("status").annotate(n=Count("pk")).order_by()
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def labelled_counts(batch: HeadshotBatch) -> dict[str, int]:
    """{status as people read it: count} for the statuses the batch has, in the Status order."""
    return {LABELS[status]: n for status, n in headshot_counts(batch).items() if n}


def batch_progress(batch: HeadshotBatch) -> dict[str, Any]:
    """What the batch page shows and its script polls: counts and one row per file."""
    counts = headshot_counts(batch)
    items = list(batch_items(batch))
    waiting = sum(counts[s] for s in HeadshotItem.UNSETTLED)
    return {
        "id": batch.pk,
        "finished": batch.finished_at is not None,
        "total": len(items),
        "settled": len(items) - waiting,
        "counts": {LABELS[status]: n for status, n in counts.items() if n},
        "items": [
            {
                "id": item.pk,
                "file_name": item.file_name,
                "status": item.status,
                "status_label": LABELS[item.status],
                "message": item.message,
                "officer": item.officer.full_name if item.officer else "",
                "officer_url": reverse("review_gallery", args=[item.officer_id]) if item.officer_id else "",
                "photo_url": reverse("image_detail", args=[item.image_id]) if item.image_id else "",
            }
            for item in items
        ],
    }
