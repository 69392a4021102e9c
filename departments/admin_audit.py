"""The Django admin writes the officer record under the services' rules: the editor check and a RecordChange.

The admin saves through its own forms (inlines, many-to-many widgets), so instead of calling each
service it asks the same question (`require_editor`) and writes the same audit row (`audit`)
for every add, change and delete, of the page's object and of every inline row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from departments.models import Assignment, Department, Incident, Link, Officer, Salary
from departments.services.incidents import INCIDENT_EDITABLE, LINK_FIELDS
from departments.services.officers import OFFICER_EDITABLE
from departments.services.records import RecordInvalid, audit, record_editable_by, require_editor, snapshot

ASSIGNMENT_FIELDS = ("badge_number", "rank", "unit", "start_date", "end_date")
SALARY_FIELDS = ("year", "salary", "overtime_pay", "is_fiscal_year")


def _incident_state(incident: Incident) -> dict[str, Any]:
    officers = sorted(incident.officers.values_list("pk", flat=True))
    return {**snapshot(incident, ("department_id", *INCIDENT_EDITABLE)), "officers": officers}


def _link_department(link: Link) -> Department:
    subject = link.officer if link.officer_id is not None else link.incident
    if subject is None:
        raise RecordInvalid("A link belongs to exactly one officer or one incident.")
    return subject.department


def _fields(*names: str) -> Callable[[Model], dict[str, Any]]:
    return lambda obj: snapshot(obj, names)


# model → (name in RecordChange.what, its state as the audit records it, its department)
AUDITED: dict[type[Model], tuple[str, Callable[[Any], dict[str, Any]], Callable[[Any], Department]]] = {
    Officer: (
        "officer",
        _fields("department_id", *OFFICER_EDITABLE, "badge_number", "rank", "unit"),
        lambda o: o.department,
    ),
    Assignment: ("assignment", _fields(*ASSIGNMENT_FIELDS), lambda a: a.officer.department),
    Incident: ("incident", _incident_state, lambda i: i.department),
    Link: ("link", _fields(*LINK_FIELDS), lambda link: _link_department(link)),
    Salary: ("salary", _fields(*SALARY_FIELDS), lambda s: s.officer.department),
}


def _state(obj: Model) -> dict[str, Any]:
    return AUDITED[type(obj)][1](obj)


def _department(obj: Model) -> Department:
    return AUDITED[type(obj)][2](obj)


def _record(request: HttpRequest, obj: Model, action: str, before: dict | None, after: dict | None) -> None:
    if before is not None and after is not None and before == after:
        return
    audit(request.user, _department(obj), f"{AUDITED[type(obj)][0]}.{action}", obj, before, after)


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin of the officer record: editors only (per department), every write audited."""

    def _may_edit(self, request: HttpRequest, obj: Model | None) -> bool:
        return obj is None or record_editable_by(request.user, _department(obj))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self._may_edit(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self._may_edit(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before_obj = type(obj).objects.get(pk=obj.pk) if change else None
        if before_obj is not None:
            require_editor(request.user, _department(before_obj))  # a transfer needs both departments
        require_editor(request.user, _department(obj))
        # The many-to-many fields are saved after this (save_related), so the audit row is written there.
        obj._audit_before = _state(before_obj) if before_obj is not None else None
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        self.related_saved(request, obj)
        obj.refresh_from_db()
        before = getattr(obj, "_audit_before", None)
        _record(request, obj, "update" if change else "create", before, _state(obj))

    def related_saved(self, request: HttpRequest, obj: Any) -> None:
        """After the inlines and many-to-many fields are saved, before the audit row reads the result."""

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model not in AUDITED:
            super().save_formset(request, form, formset, change)
            return
        existing = [f.instance for f in formset.initial_forms if f.instance.pk is not None]
        fresh = {row.pk: row for row in formset.model.objects.filter(pk__in=[o.pk for o in existing])}
        before = {id(o): (o.pk, _state(fresh[o.pk])) for o in existing if o.pk in fresh}
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            if isinstance(obj, Link) and obj.added_by_id is None:
                Link.objects.filter(pk=obj.pk).update(added_by=request.user)
            obj.refresh_from_db()
            _record(request, obj, "create", None, _state(obj))
        for obj, _changed in formset.changed_objects:
            obj.refresh_from_db()
            _record(request, obj, "update", before[id(obj)][1], _state(obj))
        for obj in formset.deleted_objects:
            # delete() cleared the primary key; the audit row names the row that was.
            obj.pk, state = before[id(obj)]
            _record(request, obj, "delete", state, None)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._delete(request, [obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._delete(request, list(queryset))

    def _delete(self, request: HttpRequest, objects: Iterable[Model]) -> None:
        for obj in objects:
            department, state, pk = _department(obj), _state(obj), obj.pk
            require_editor(request.user, department)
            obj.delete()
            obj.pk = pk
            audit(request.user, department, f"{AUDITED[type(obj)][0]}.delete", obj, state, None)
