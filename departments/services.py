"""Writes about officers. Views, the review dashboard and the API call these."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from departments.models import Department, Officer


@transaction.atomic
def officer_create(
    *,
    department: Department,
    first_name: str,
    last_name: str,
    badge_number: str,
    rank: str = "",
    unit: str = "",
    actor=None,
) -> Officer:
    """Add an officer to a department's roster.

    1. Trim the fields and validate them like a form would (lengths, required names/badge).
    2. Refuse a badge number already used in the department (ValidationError on the field).
    3. Create the row; a concurrent duplicate surfaces as the same ValidationError.

    `actor` is accepted for the audit trail of callers; permission checks belong to them.
    """
    officer = Officer(
        department=department,
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
        badge_number=(badge_number or "").strip(),
        rank=(rank or "").strip(),
        unit=(unit or "").strip(),
    )
    if not officer.last_name and not officer.first_name:
        raise ValidationError({"last_name": "Give at least a first or a last name."})
    # Some rosters know only one of the names, so an empty one is not an error here.
    exclude = ["featured_face", "public_notes"] + [n for n in ("first_name", "last_name") if not getattr(officer, n)]
    officer.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    duplicate = ValidationError(
        {"badge_number": f"Badge {officer.badge_number} is already used by an officer of {department.name}."}
    )
    if Officer.objects.filter(department=department, badge_number=officer.badge_number).exists():
        raise duplicate
    try:
        with transaction.atomic():
            officer.save()
    except IntegrityError as exc:
        raise duplicate from exc
    return officer
