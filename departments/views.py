from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from departments import policy, selectors
from departments.models import Department


def department_detail(request: HttpRequest, slug: str) -> HttpResponse:
    department = get_object_or_404(Department, slug=slug)
    return render(
        request,
        "departments/department_detail.html",
        {
            "department": department,
            "officers": selectors.department_officers(department),
            "recognition_allowed": policy.recognition_allowed(department),
            "rule": policy.forbidding_rule(department.state),
        },
    )
