"""Roles. Authentication itself is django-allauth's; this only says what a person may do."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    MEMBER = "member", "Member of the public"
    VOLUNTEER = "volunteer", "Volunteer"
    COORDINATOR = "coordinator", "Area coordinator"
    ADMINISTRATOR = "administrator", "Administrator"


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    role = models.CharField(max_length=15, choices=Role.choices, default=Role.MEMBER)
    # An area coordinator edits officers of this one department only.
    department = models.ForeignKey(
        "departments.Department", null=True, blank=True, on_delete=models.SET_NULL, related_name="coordinators"
    )
    # With ACCOUNTS_REQUIRE_APPROVAL (the default), a new sign-up waits here, unapproved,
    # until a coordinator or administrator approves it (accounts.services.member_approve);
    # until then accounts.roles treats it as a member of the public.
    approved = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="coordinator") | models.Q(department__isnull=False),
                name="coordinator_has_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class MembershipDecision(models.Model):
    """Audit of every approval or decline of a new account: who decided about whom, when.

    The usernames are copied so the record still reads after either account is deleted.
    """

    class Kind(models.TextChoices):
        APPROVE = "approve", "Approved as a volunteer"
        DECLINE = "decline", "Declined"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="membership_decisions"
    )
    member_username = models.CharField(max_length=150)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_username = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.actor_username}: {self.get_kind_display()} {self.member_username}"
