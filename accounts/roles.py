"""Who may do what. Every view, API endpoint and template asks these, nothing else."""

from __future__ import annotations

from accounts.models import Profile, Role


def _profile(user) -> Profile | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def role_of(user) -> str | None:
    """The effective role of an active, approved user; None for anonymous or disabled people."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMINISTRATOR
    profile = _profile(user)
    if profile is None:
        return Role.MEMBER
    if not profile.approved:
        return Role.MEMBER
    return profile.role


def is_administrator(user) -> bool:
    return role_of(user) == Role.ADMINISTRATOR


def is_volunteer(user) -> bool:
    """Volunteers, coordinators and administrators may all review."""
    return role_of(user) in (Role.VOLUNTEER, Role.COORDINATOR, Role.ADMINISTRATOR)


def coordinator_department_id(user) -> int | None:
    if role_of(user) != Role.COORDINATOR:
        return None
    profile = _profile(user)  # a coordinator always has one
    return profile.department_id if profile is not None else None


def can_edit_officers(user, department) -> bool:
    """Administrators everywhere; a coordinator only in their own department."""
    if is_administrator(user):
        return True
    department_id = getattr(department, "pk", department)
    return department_id is not None and coordinator_department_id(user) == department_id


def can_undo_decisions(user, department) -> bool:
    return can_edit_officers(user, department)


def can_change_recognition(user) -> bool:
    return is_administrator(user)


def can_approve_members(user) -> bool:
    """Coordinators and administrators approve new accounts as volunteers.

    Volunteers are not tied to a department (they review every queue), so any coordinator
    may approve any pending account; the audit names who did.
    """
    return role_of(user) in (Role.COORDINATOR, Role.ADMINISTRATOR)
