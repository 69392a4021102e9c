"""An officer's public photos on a timeline: grouped by the month they were taken.

The same photos the officer page always showed (faces.selectors.officer_public_images:
a face confirmed as this officer, not a civilian), ordered by `taken_at`; photos without
a date come last, in a group of their own.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import F

from departments.models import Officer
from faces.models import Image
from faces.selectors import officer_public_images

PHOTOS_SHOWN = 60


@dataclass
class TimelineGroup:
    month: datetime.date | None  # the first day of the month taken; None: date unknown
    images: list[Image] = field(default_factory=list)


def officer_photo_timeline(officer: Officer, limit: int = PHOTOS_SHOWN) -> list[TimelineGroup]:
    """The officer's newest `limit` public photos by date taken, newest month first, undated last."""
    images = officer_public_images(officer).order_by(F("taken_at").desc(nulls_last=True), "-created_at", "-pk")
    groups: list[TimelineGroup] = []
    for image in images[:limit]:
        taken = image.taken_at.astimezone(datetime.UTC).date().replace(day=1) if image.taken_at else None
        if not groups or groups[-1].month != taken:
            groups.append(TimelineGroup(taken))
        groups[-1].images.append(image)
    return groups
