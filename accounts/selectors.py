"""Reads about accounts: the approval queue and its record."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import MembershipDecision, Profile


def pending_members() -> QuerySet[Profile]:
    """Active accounts waiting for approval, oldest first, with `email_verified` annotated."""
    verified = EmailAddress.objects.filter(user_id=OuterRef("user_id"), verified=True)
    return (
        Profile.objects.filter(approved=False, user__is_active=True)
        .annotate(email_verified=Exists(verified))
        .select_related("user")
        .order_by("user__date_joined", "pk")
    )


def recent_membership_decisions(limit: int = 50) -> QuerySet[MembershipDecision]:
    return MembershipDecision.objects.order_by("-created_at", "-pk")[:limit]
