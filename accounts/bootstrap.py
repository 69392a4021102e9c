"""The first administrator (`make admin`): an account that can sign in at once.

`createsuperuser` makes an account the site's own sign-in refuses: e-mail verification is
mandatory and its link is printed only on the worker's console. Here the person running
the command on the server vouches for the address, so it is stored verified and primary;
everyone else still confirms theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import Profile, Role
from oversight.exceptions import DomainError


class InvalidAdministrator(DomainError):
    code = "invalid_administrator"
    status = 400


@dataclass(frozen=True)
class AdministratorResult:
    user: AbstractBaseUser
    created: bool


def _clean(username: str, email: str, password: str) -> tuple[str, str]:
    User = get_user_model()
    username, email = username.strip(), email.strip().lower()
    if not username:
        raise InvalidAdministrator("A username is required.")
    try:
        User.username_validator(username)
    except ValidationError as exc:
        raise InvalidAdministrator(f"Username {username!r}: {' '.join(exc.messages)}") from exc
    max_length = User._meta.get_field("username").max_length or 150
    if len(username) > max_length:
        raise InvalidAdministrator(f"The username is too long (at most {max_length} characters).")
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidAdministrator(f"{email!r} is not a valid e-mail address.") from exc
    if not password:
        raise InvalidAdministrator("A password is required.")
    return username, email


@transaction.atomic
def administrator_create_or_update(*, username: str, email: str, password: str) -> AdministratorResult:
    """Create the account, or bring an existing one (found by username) up to administrator.

    Staff, superuser, active, the administrator role (approved), the given password and
    the given address as its verified primary e-mail. Refuses, changing nothing, on an
    invalid username or address, a password Django's validators reject, or an address
    another account already uses.
    """
    User = get_user_model()
    username, email = _clean(username, email, password)
    existing = User.objects.select_for_update().filter(username__iexact=username).first()
    created = existing is None
    user = User(username=username) if existing is None else existing
    taken = EmailAddress.objects.filter(email__iexact=email).exclude(user_id=user.pk).exists() or (
        User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists()
    )
    if taken:
        raise InvalidAdministrator(f"{email} already belongs to another account.")
    user.email = email
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise InvalidAdministrator("The password is too weak: " + " ".join(exc.messages)) from exc
    user.set_password(password)
    user.is_staff = user.is_superuser = user.is_active = True
    user.save()
    Profile.objects.update_or_create(
        user=user, defaults={"role": Role.ADMINISTRATOR, "department": None, "approved": True}
    )
    EmailAddress.objects.filter(user=user).exclude(email__iexact=email).update(primary=False)
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    else:
        address.verified = address.primary = True
        address.save(update_fields=["verified", "primary"])
    if not created:
        _forget_failed_logins(user.get_username())
    return AdministratorResult(user, created)


def _forget_failed_logins(username: str) -> None:
    """A reset password starts with a clean slate: lift django-axes' lockout (kept in the
    database). allauth's own short limit lives in the web process's cache and expires alone."""
    from axes.utils import reset

    reset(username=username)
