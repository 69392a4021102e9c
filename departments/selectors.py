"""Reads about departments and officers."""
from __future__ import annotations

from django.db.models import Count, QuerySet

from departments.models import Department, Officer


def department_list_with_counts() -> QuerySet[Department]:
    return Department.objects.annotate(officer_count=Count("officers")).order_by("state", "name")


def department_officers(department: Department) -> QuerySet[Officer]:
    return department.officers.select_related("featured_face").order_by("last_name", "first_name")
