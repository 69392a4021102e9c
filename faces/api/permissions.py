"""API permissions: thin adapters over accounts.roles (the only place roles are decided).

A refused request without credentials becomes 401 (DRF does that when the first
authenticator offers a WWW-Authenticate header, see views/base.py); with credentials, 403.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from accounts import roles


class IsVolunteer(BasePermission):
    message = "Only volunteers, coordinators and administrators may do this."

    def has_permission(self, request, view) -> bool:
        return roles.is_volunteer(request.user)


class IsAdministrator(BasePermission):
    message = "Only administrators may do this."

    def has_permission(self, request, view) -> bool:
        return roles.is_administrator(request.user)


class CanChangeRecognition(BasePermission):
    message = "Only administrators may change facial recognition."

    def has_permission(self, request, view) -> bool:
        return roles.can_change_recognition(request.user)


class ReadOrEditOfficers(BasePermission):
    """Anyone reads; only administrators and coordinators may try to write.

    Which department a coordinator may write to is checked once the body names it
    (roles.can_edit_officers in the view), so a coordinator of another department gets 403.
    """

    message = "Only administrators and the department's coordinators may edit officers."

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return roles.is_administrator(request.user) or roles.coordinator_department_id(request.user) is not None
