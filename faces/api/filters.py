"""django-filter sets for the API's lists (bad values become 400s with field errors)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Concat

from departments.models import Department, Officer
from faces.models import Face


class DepartmentFilter(django_filters.FilterSet):
    state = django_filters.CharFilter(field_name="state", lookup_expr="iexact", max_length=2)

    class Meta:
        model = Department
        fields = ["state", "slug"]


class OfficerFilter(django_filters.FilterSet):
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all())
    q = django_filters.CharFilter(method="search", max_length=200, label="Name or badge number")

    class Meta:
        model = Officer
        fields = ["department", "q"]

    def search(self, queryset: QuerySet[Officer], name: str, value: str) -> QuerySet[Officer]:
        words = value.split()
        if not words:
            return queryset
        queryset = queryset.annotate(full=Concat("first_name", Value(" "), "last_name"))
        for word in words:
            queryset = queryset.filter(Q(full__icontains=word) | Q(badge_number__istartswith=word))
        return queryset


class GalleryFilter(django_filters.FilterSet):
    # The officer's department; the gate has already removed every disallowed one.
    department = django_filters.ModelChoiceFilter(field_name="officer__department", queryset=Department.objects.all())

    class Meta:
        model = Face
        fields = ["department"]
