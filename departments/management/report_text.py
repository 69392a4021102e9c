"""What the import commands share: the --effective-date argument and the error list they print."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.core.management.base import CommandError

SHOWN_ERRORS = 20


def effective_date_argument(value: str) -> datetime.date:
    """An argparse `type` for --effective-date (YYYY-MM-DD)."""
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--effective-date {value!r} is not a date; use YYYY-MM-DD.") from exc


def error_lines(errors: Sequence[object], *, truncated: bool = False) -> list[str]:
    """ "errors: N", then the first SHOWN_ERRORS errors indented, then how many more there are."""
    if not errors:
        return []
    more = "+" if truncated else ""
    lines = [f"errors: {len(errors)}{more}"]
    lines += [f"  {error}" for error in errors[:SHOWN_ERRORS]]
    if len(errors) > SHOWN_ERRORS:
        lines.append(f"  … and {len(errors) - SHOWN_ERRORS}{more} more")
    return lines
