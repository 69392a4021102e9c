"""The record changes of a department (who changed what, when, before → after), for its editors."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from departments.models import Department, RecordChange
from departments.selectors_records import department_record_changes, record_change_kinds
from review.views.access import require_record_editor, volunteer_required

PAGE_SIZE = 50


def _fields(change: RecordChange) -> list[dict[str, Any]]:
    """One row per field that differs between before and after (every field when one side is empty)."""
    before, after = change.before or {}, change.after or {}
    names = list(dict.fromkeys([*before, *after]))
    return [
        {"name": name.replace("_", " "), "before": before.get(name), "after": after.get(name)}
        for name in names
        if change.before is None or change.after is None or before.get(name) != after.get(name)
    ]


@require_GET
@volunteer_required
def record_changes(request: HttpRequest, slug: str) -> HttpResponse:
    department = get_object_or_404(Department, slug=slug)
    require_record_editor(request, department)
    kinds = record_change_kinds(department)
    what = request.GET.get("what", "")
    what = what if what in kinds else ""
    page = Paginator(department_record_changes(department, what=what), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"change": change, "fields": _fields(change)} for change in page]
    return render(
        request,
        "review/record_changes.html",
        {"department": department, "page": page, "rows": rows, "kinds": kinds, "what": what},
    )
