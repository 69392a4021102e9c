"""Forms of the officer-record pages: bounded, typed input handed to departments.services.

The forms check shape (lengths, types, the http/https scheme, officers of the right department);
the services check the rules again and decide (permission, dates in order, duplicates).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.validators import URLValidator

from departments.models import Department, Link, Officer
from departments.services import OFFICER_EDITABLE

DESCRIPTION_MAX = 20_000
# Line breaks and tabs are text; other control characters are pasted debris or an attack.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RecordForm(forms.Form):
    """Refuses control characters in every text field (NUL is also refused by Django's own validator)."""

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name, value in list(data.items()):
            if isinstance(value, str) and CONTROL.search(value) and name not in self.errors:
                self.add_error(name, "Control characters are not allowed.")
        return data


def _date(label: str, *, required: bool = False, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label, required=required, help_text=help_text, widget=forms.DateInput(attrs={"type": "date"})
    )


class IncidentForm(RecordForm):
    date = _date("Date")
    location = forms.CharField(max_length=500, required=False)
    report_number = forms.CharField(label="Report or case number", max_length=100, required=False)
    description = forms.CharField(max_length=DESCRIPTION_MAX, required=False, widget=forms.Textarea(attrs={"rows": 6}))
    officers = forms.CharField(
        label="Officers involved",
        max_length=5_000,
        required=False,
        help_text="Badge numbers, separated by commas (for example: 1001, 1002).",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, department: Department, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.department = department

    def clean_officers(self) -> list[Officer]:
        badges = list(dict.fromkeys(b.strip().lstrip("#") for b in self.cleaned_data["officers"].split(",")))
        badges = [b for b in badges if b]
        if len(badges) > 200:
            raise forms.ValidationError("At most 200 officers per incident.")
        # Only this department's roster is searched: a badge of another department is simply unknown here.
        found = {o.badge_number: o for o in Officer.objects.filter(department=self.department, badge_number__in=badges)}
        unknown = [b for b in badges if b not in found]
        if unknown:
            raise forms.ValidationError(
                f"No officer of {self.department.name} has badge {', '.join(unknown)}.", code="unknown_badge"
            )
        return [found[b] for b in badges]

    @staticmethod
    def badges_of(officers: Any) -> str:
        return ", ".join(o.badge_number for o in officers)


WEB_ONLY = "Only http and https addresses are allowed (for example https://news.example.org/story)."


class WebAddressField(forms.URLField):
    """http and https only (javascript:, data: … are refused); an address typed without a scheme gets https://."""

    default_error_messages = {"invalid": WEB_ONLY}
    default_validators = [URLValidator(schemes=["http", "https"], message=WEB_ONLY)]
    # A plain text box: the browser's own check of type="url" would refuse "news.example.org/story".
    widget = forms.TextInput(attrs={"inputmode": "url", "autocomplete": "url", "spellcheck": "false"})


class LinkForm(RecordForm):
    title = forms.CharField(max_length=300)
    url = WebAddressField(label="Address (http or https)", max_length=2000, assume_scheme="https")
    kind = forms.ChoiceField(choices=Link.Kind.choices, initial=Link.Kind.NEWS)


class OfficerRecordForm(RecordForm):
    first_name = forms.CharField(max_length=100, required=False)
    middle_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    suffix = forms.CharField(max_length=20, required=False)
    employee_id = forms.CharField(label="Employee ID", max_length=50, required=False)
    employment_date = _date("Employed since")
    separation_date = _date("Left the department")
    gender = forms.CharField(max_length=50, required=False, help_text="Only as the department's roster states it.")
    race = forms.CharField(max_length=100, required=False, help_text="Only as the department's roster states it.")
    birth_year = forms.IntegerField(
        min_value=1900, max_value=2100, required=False, help_text="Only as the department's roster states it."
    )
    public_notes = forms.CharField(max_length=DESCRIPTION_MAX, required=False, widget=forms.Textarea(attrs={"rows": 4}))

    field_order = ["first_name", "middle_name", "last_name", "suffix", "employee_id"]

    @classmethod
    def initial_for(cls, officer: Officer) -> dict[str, Any]:
        return {name: getattr(officer, name) for name in OFFICER_EDITABLE}


class AssignmentForm(RecordForm):
    badge_number = forms.CharField(max_length=50)
    rank = forms.CharField(max_length=100, required=False)
    unit = forms.CharField(max_length=200, required=False)
    start_date = _date("Starts on", required=True)


class SalaryForm(RecordForm):
    year = forms.IntegerField(min_value=1900, max_value=2100)
    is_fiscal_year = forms.BooleanField(label="Fiscal year", required=False)
    salary = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2)
    overtime_pay = forms.DecimalField(
        label="Overtime pay", min_value=0, max_digits=12, decimal_places=2, required=False
    )
