"""django-filter sets for the API's lists (bad values become 400s with field errors)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Concat

from departments.models import Department, Officer
from faces.forms import OfficerRangeChecks
from faces.models import Face
from faces.selectors import officers_filtered


class DepartmentFilter(django_filters.FilterSet):
    state = django_filters.CharFilter(field_name="state", lookup_expr="iexact", max_length=2)

    class Meta:
        model = Department
        fields = ["state", "slug"]


# The roster filters of the pages (faces.forms.OfficerFilterForm): declared here so bad values
# become 400s and the schema lists them, applied together by faces.selectors.officers_filtered
# so the API and the pages answer the same question the same way.
ROSTER_FILTERS = (
    "name",
    "badge",
    "rank",
    "unit",
    "gender",
    "race",
    "min_age",
    "max_age",
    "employed_from",
    "employed_to",
    "has_photo",
)


class OfficerFilter(django_filters.FilterSet):
    department = django_filters.ModelChoiceFilter(queryset=Department.objects.all())
    q = django_filters.CharFilter(method="search", max_length=200, label="Name or badge number")
    name = django_filters.CharFilter(method="roster", max_length=100, label="First, middle or last name contains")
    badge = django_filters.CharFilter(method="roster", max_length=50, label="Badge number contains")
    rank = django_filters.CharFilter(method="roster", max_length=100, label="Current rank (exact, any case)")
    unit = django_filters.CharFilter(method="roster", max_length=200, label="Current unit contains")
    gender = django_filters.CharFilter(method="roster", max_length=50, label="Gender exactly as on the roster")
    race = django_filters.CharFilter(method="roster", max_length=100, label="Race exactly as on the roster")
    min_age = django_filters.NumberFilter(
        method="roster", min_value=0, max_value=130, decimal_places=0, label="Age at least (roster birth year)"
    )
    max_age = django_filters.NumberFilter(
        method="roster", min_value=0, max_value=130, decimal_places=0, label="Age at most (roster birth year)"
    )
    employed_from = django_filters.DateFilter(method="roster", label="Employed on or after")
    employed_to = django_filters.DateFilter(method="roster", label="Employed on or before")
    has_photo = django_filters.BooleanFilter(method="roster", label="Has a public photo")

    class Meta:
        model = Officer
        fields = ["department", "q"]
        form = OfficerRangeChecks

    def search(self, queryset: QuerySet[Officer], name: str, value: str) -> QuerySet[Officer]:
        words = value.split()
        if not words:
            return queryset
        queryset = queryset.annotate(full=Concat("first_name", Value(" "), "last_name"))
        for word in words:
            queryset = queryset.filter(Q(full__icontains=word) | Q(badge_number__istartswith=word))
        return queryset

    def roster(self, queryset: QuerySet[Officer], name: str, value: object) -> QuerySet[Officer]:
        return queryset  # applied all at once in filter_queryset

    def filter_queryset(self, queryset: QuerySet[Officer]) -> QuerySet[Officer]:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        # 0 is a real age filter; "" and False (an unticked box) mean "not given".
        given = {key: data[key] for key in ROSTER_FILTERS if data.get(key) not in (None, "") and data[key] is not False}
        if not given:
            return queryset
        for key in ("min_age", "max_age"):
            if key in given:
                given[key] = int(given[key])
        return queryset.filter(pk__in=officers_filtered(**given).values("pk"))


class GalleryFilter(django_filters.FilterSet):
    # The officer's department; the gate has already removed every disallowed one.
    department = django_filters.ModelChoiceFilter(field_name="officer__department", queryset=Department.objects.all())

    class Meta:
        model = Face
        fields = ["department"]
