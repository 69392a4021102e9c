"""Reads about departments and officers, for the public pages."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet

from departments.models import (
    Assignment,
    Department,
    Incident,
    JurisdictionRule,
    Link,
    Officer,
    RosterUpload,
    Salary,
)
from departments.policy import allowed_department_ids

US_STATES = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "DC": "District of Columbia",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
    "PR": "Puerto Rico",
    "GU": "Guam",
    "VI": "U.S. Virgin Islands",
    "AS": "American Samoa",
    "MP": "Northern Mariana Islands",
}


def state_name(code: str) -> str:
    return US_STATES.get(code, code)


@dataclass(frozen=True)
class PickerDepartment:
    id: int
    name: str
    slug: str
    state: str
    recognition: bool
    rule_reason: str  # the state law that forbids recognition, if one does


@dataclass
class StateGroup:
    state: str
    label: str
    departments: list[PickerDepartment] = field(default_factory=list)


def department_picker_groups() -> list[StateGroup]:
    """Every department grouped by state, each saying whether recognition is used now."""
    allowed = allowed_department_ids()
    rules = {r.state: r.legal_reason for r in JurisdictionRule.objects.filter(recognition_forbidden=True)}
    groups: dict[str, StateGroup] = {}
    for dept in Department.objects.order_by("state", "name").only("id", "name", "slug", "state"):
        group = groups.setdefault(dept.state, StateGroup(dept.state, f"{state_name(dept.state)} ({dept.state})"))
        group.departments.append(
            PickerDepartment(dept.pk, dept.name, dept.slug, dept.state, dept.pk in allowed, rules.get(dept.state, ""))
        )
    return sorted(groups.values(), key=lambda g: g.label)


def forbidding_rules() -> list[JurisdictionRule]:
    return list(JurisdictionRule.objects.filter(recognition_forbidden=True).order_by("state"))


def department_list_with_counts() -> QuerySet[Department]:
    return Department.objects.annotate(officer_count=Count("officers")).order_by("state", "name")


def department_ranks(department: Department | None = None) -> list[str]:
    officers = Officer.objects.exclude(rank="")
    if department is not None:
        officers = officers.filter(department=department)
    return sorted(set(officers.values_list("rank", flat=True)))


@dataclass
class OfficerRecord:
    """The public record on an officer's page (and in the API): everything but the photos."""

    assignments: list[Assignment]
    incidents: list[Incident]
    links: list[Link]
    salaries: list[Salary]

    @property
    def current_assignment(self) -> Assignment | None:
        return next((a for a in self.assignments if a.end_date is None), None)


def officer_record(officer: Officer) -> OfficerRecord:
    """Assignments (current first, then newest), incidents with their links, links, salaries (newest year first)."""
    incidents = officer.incidents.prefetch_related(Prefetch("links", queryset=Link.objects.order_by("-created_at")))
    return OfficerRecord(
        assignments=list(officer.assignments.all()),
        incidents=list(incidents),
        links=list(officer.links.all()),
        salaries=list(officer.salaries.all()),
    )


def recent_roster_uploads(department: Department, limit: int = 10) -> list[RosterUpload]:
    """The department's latest roster uploads, newest first, with who uploaded them."""
    return list(RosterUpload.objects.filter(department=department).select_related("uploaded_by")[:limit])


def roster_upload_with_people(pk: int) -> RosterUpload:
    """One roster upload with its department and people; DoesNotExist if none."""
    return RosterUpload.objects.select_related("department", "uploaded_by", "applied_by").get(pk=pk)


def officer_names_by_roster_key(department: Department, keys: list[str]) -> dict[str, tuple[int, str]]:
    """{key: (officer id, full name)} for a roster report's keys ("employee_id E-1", "badge_number 1001")."""
    wanted: dict[str, set[str]] = {"employee_id": set(), "badge_number": set()}
    for key in keys:
        column, _, value = key.partition(" ")
        if column in wanted and value:
            wanted[column].add(value)
    found: dict[str, tuple[int, str]] = {}
    for column, values in wanted.items():
        if not values:
            continue
        for officer in Officer.objects.filter(department=department, **{f"{column}__in": values}).only(
            "pk", "first_name", "last_name", column
        ):
            found[f"{column} {getattr(officer, column)}"] = (officer.pk, officer.full_name)
    return found
