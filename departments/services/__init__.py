"""Writes about officers and their record. Views, the review dashboard, the API and the roster
import call these; `records` holds what every edit shares (permission, audit, validation)."""

from departments.services.incidents import incident_create, incident_update, link_add, link_remove, salary_set
from departments.services.officers import (
    OFFICER_EDITABLE,
    assignment_start,
    officer_create,
    officer_sync_current,
    officer_update,
)
from departments.services.records import SYSTEM, RecordInvalid, SystemActor, record_editable_by

__all__ = [
    "OFFICER_EDITABLE",
    "SYSTEM",
    "RecordInvalid",
    "SystemActor",
    "assignment_start",
    "incident_create",
    "incident_update",
    "link_add",
    "link_remove",
    "officer_create",
    "officer_sync_current",
    "officer_update",
    "record_editable_by",
    "salary_set",
]
