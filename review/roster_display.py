"""A roster report (RosterReport.as_dict()) as the roster pages' tables show it: split, ordered, labelled."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist

from departments import selectors as department_selectors
from departments.models import Department, Officer
from departments.roster_columns import ROSTER_COLUMNS


def label(name: str) -> str:
    try:
        field = Officer._meta.get_field(name)
    except FieldDoesNotExist:  # a name from an older report: show it as it is
        return name
    return str(getattr(field, "verbose_name", name)).capitalize()


def column_order(name: str) -> int:
    # Reports stored as jsonb come back with their keys re-ordered; show the roster's column order.
    return ROSTER_COLUMNS.index(name) if name in ROSTER_COLUMNS else len(ROSTER_COLUMNS)


def report_for_display(report: dict[str, Any] | None, department: Department) -> dict[str, Any] | None:
    """The report with its changes split into updated and created rows, ordered and labelled."""
    if report is None:
        return None
    changes = report.get("changes", [])
    names = department_selectors.officer_names_by_roster_key(department, [c["key"] for c in changes])
    updated: list[dict[str, Any]] = []
    created: list[dict[str, Any]] = []
    for change in changes:
        fields = [
            {"label": label(name), "before": change["fields"][name][0], "after": change["fields"][name][1]}
            for name in sorted(change["fields"], key=column_order)
        ]
        column, _, value = change["key"].partition(" ")
        officer = names.get(change["key"])
        # A new officer, before the apply, is known only by the file's values.
        given = " ".join(str(change["fields"].get(n, [None, ""])[1] or "") for n in ("first_name", "last_name"))
        row = {
            "line": change["line"],
            "key": f"{label(column)} {value}",
            "officer_id": officer[0] if officer else None,
            "name": officer[1] if officer else given.strip(),
            "fields": fields,
        }
        (created if change["action"] == "create" else updated).append(row)
    return {**report, "updated_rows": updated, "created_rows": created}
