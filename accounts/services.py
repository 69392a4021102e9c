"""Writes about accounts: disable / re-enable people, approve or decline new volunteers."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet

from accounts import roles
from accounts.models import MembershipDecision, Profile, Role
from oversight.exceptions import Conflict, NotPermitted


@transaction.atomic
def users_set_active(users: QuerySet, *, active: bool, actor) -> int:
    """Disable or re-enable accounts. An administrator cannot disable themselves.

    A disabled account's sessions stop authenticating at once (Django checks is_active
    on every request), and accounts.roles gives it no role.
    """
    users = users.exclude(pk=actor.pk) if not active and getattr(actor, "pk", None) else users
    return get_user_model().objects.filter(pk__in=users.values("pk")).update(is_active=active)


def _record(kind: str, member, actor) -> MembershipDecision:
    return MembershipDecision.objects.create(
        kind=kind,
        member=member,
        member_username=member.get_username(),
        actor=actor,
        actor_username=actor.get_username(),
    )


@transaction.atomic
def profiles_approve(profiles: QuerySet, *, actor) -> int:
    """The admin's bulk action: approve the selected profiles in the role they hold, audited."""
    pending = list(
        Profile.objects.select_for_update().filter(pk__in=profiles.values("pk"), approved=False).select_related("user")
    )
    for profile in pending:
        profile.approved = True
        profile.save(update_fields=["approved"])
        _record(MembershipDecision.Kind.APPROVE, profile.user, actor)
    return len(pending)


def _pending_profile(member, actor) -> Profile:
    """The member's profile, locked, if the actor may decide and it still waits; refuse otherwise."""
    if not roles.can_approve_members(actor):
        raise NotPermitted("Only coordinators and administrators can approve or decline new accounts.")
    # Locked so that two coordinators deciding at once cannot both succeed.
    profile = Profile.objects.select_for_update().filter(user=member).first()
    if profile is None or profile.approved:
        raise Conflict(
            f"{member.get_username()} is not waiting for approval (someone may have decided already).",
            code="not_pending",
        )
    if not member.is_active:
        raise Conflict(f"{member.get_username()}'s account is disabled.", code="account_disabled")
    return profile


@transaction.atomic
def member_approve(member, *, actor) -> Profile:
    """Approve a waiting account as a volunteer — never more: the role is set, not kept."""
    profile = _pending_profile(member, actor)
    profile.role = Role.VOLUNTEER
    profile.department = None
    profile.approved = True
    profile.save(update_fields=["role", "department", "approved"])
    _record(MembershipDecision.Kind.APPROVE, member, actor)
    return profile


@transaction.atomic
def member_decline(member, *, actor) -> Profile:
    """Decline a waiting account: it stays a member of the public (it may still upload)."""
    profile = _pending_profile(member, actor)
    profile.role = Role.MEMBER
    profile.department = None
    profile.approved = True  # nothing left to approve: a member needs no approval
    profile.save(update_fields=["role", "department", "approved"])
    _record(MembershipDecision.Kind.DECLINE, member, actor)
    return profile
