"""Claims and skips: two volunteers never get the same item, and a skipped item waits.

A claim is a row in review.Claim, unique per item. Taking the next item:
1. lock the first candidate row with SELECT … FOR UPDATE SKIP LOCKED LIMIT 1, so a
   concurrent claimer passes over it to the next one instead of waiting;
2. insert the Claim under its unique constraint, so even a claimer working from an older
   snapshot cannot take an item someone else holds (it gets IntegrityError, tries the next).
Claims expire (REVIEW_CLAIM_SECONDS), so an abandoned tab does not hide an item for long.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from review import selectors
from review.models import Claim, QueueKind, Skip
from videos.selectors_review import sequence_queue

CLAIM_ATTEMPTS = 20


def claim_ttl() -> timedelta:
    return timedelta(seconds=settings.REVIEW_CLAIM_SECONDS)


def skip_ttl() -> timedelta:
    return timedelta(seconds=settings.REVIEW_SKIP_SECONDS)


def queue_for(kind: str, department):
    if kind == QueueKind.SORT:
        return selectors.sort_queue(department)
    if kind == QueueKind.IDENTIFY:
        return selectors.identify_queue(department)
    if kind == QueueKind.GROUP:
        return selectors.group_queue(department)
    if kind == QueueKind.SEQUENCE:
        return sequence_queue(department)
    raise ValueError(f"unknown queue {kind!r}")


def _take(*, user, kind: str, department_id: int, item_id: int, now: datetime) -> bool:
    """Insert (or renew) this user's claim on one item; False if someone else holds it."""
    expires = now + claim_ttl()
    if Claim.objects.filter(kind=kind, item_id=item_id, user=user).update(expires_at=expires):
        return True
    Claim.objects.filter(kind=kind, item_id=item_id, expires_at__lte=now).delete()
    try:
        with transaction.atomic():
            Claim.objects.create(kind=kind, item_id=item_id, department_id=department_id, user=user, expires_at=expires)
    except IntegrityError:
        return False
    # One item per queue and department at a time: release whatever this user held before.
    Claim.objects.filter(user=user, kind=kind, department_id=department_id).exclude(item_id=item_id).delete()
    return True


@transaction.atomic
def claim_next(*, user, department, kind: str) -> int | None:
    """The id of the next item of this queue for this user, now claimed by them; None if empty.

    1. An item the user still holds (and that still needs work) is given back first.
    2. Otherwise lock the first candidate nobody holds and the user did not skip recently
       (SKIP LOCKED) and insert the claim; if the insert loses a race, try the next one.
    """
    now = timezone.now()
    queue = queue_for(kind, department)
    department_id = getattr(department, "pk", department)
    held = list(
        Claim.objects.filter(user=user, kind=kind, department_id=department_id, expires_at__gt=now).values_list(
            "item_id", flat=True
        )
    )
    still_open = queue.filter(pk__in=held).values_list("pk", flat=True).first() if held else None
    if still_open is not None and _take(user=user, kind=kind, department_id=department_id, item_id=still_open, now=now):
        return still_open
    busy = Claim.objects.filter(kind=kind, expires_at__gt=now).exclude(user=user).values("item_id")
    skipped = Skip.objects.filter(user=user, kind=kind, until__gt=now).values("item_id")
    passed_over: list[int] = []
    for _ in range(CLAIM_ATTEMPTS):
        # One row at a time: locking a whole batch would hide all of it from a concurrent claimer.
        item_id = (
            queue.exclude(pk__in=busy)
            .exclude(pk__in=skipped)
            .exclude(pk__in=passed_over)
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)
            .first()
        )
        if item_id is None:
            break
        if _take(user=user, kind=kind, department_id=department_id, item_id=item_id, now=now):
            return item_id
        passed_over.append(item_id)  # claimed by someone our snapshot did not see yet
    Claim.objects.filter(user=user, kind=kind, department_id=department_id).delete()
    return None


@transaction.atomic
def claim_hold(*, user, kind: str, item_id: int, department_id: int) -> bool:
    """Take or renew the claim on a given item (opened by its address); False if another holds it."""
    return _take(user=user, kind=kind, department_id=department_id, item_id=item_id, now=timezone.now())


def claim_holder(*, kind: str, item_id: int):
    """The user actively holding an item, or None."""
    claim = (
        Claim.objects.filter(kind=kind, item_id=item_id, expires_at__gt=timezone.now()).select_related("user").first()
    )
    return claim.user if claim else None


def claim_release(*, user, kind: str, item_id: int) -> None:
    Claim.objects.filter(kind=kind, item_id=item_id, user=user).delete()


def skip_remember(*, user, kind: str, item_id: int) -> Skip:
    """Remember that this user skipped the item, and let go of it for others."""
    until = timezone.now() + skip_ttl()
    skip, _ = Skip.objects.update_or_create(user=user, kind=kind, item_id=item_id, defaults={"until": until})
    claim_release(user=user, kind=kind, item_id=item_id)
    return skip
