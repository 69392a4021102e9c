"""Forms of the officer-record pages: bounded, typed input handed to departments.services.

The forms check shape (lengths, types, the http/https scheme, officers of the right department);
the services check the rules again and decide (permission, dates in order, duplicates).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.validators import URLValidator
from django.db.models import Model

from departments.models import Assignment, Department, Link, Officer
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


def _from_model(model: type[Model], name: str, **overrides: Any) -> forms.Field:
    """The model field's own form field (its max length, required flag, help text), with `overrides`."""
    field = model._meta.get_field(name).formfield(**overrides)  # type: ignore[union-attr]
    assert field is not None, name
    return field


class NotesField(forms.CharField):
    """Text whose line breaks compare equal however the browser sent them (CRLF from a textarea)."""

    def to_python(self, value: Any) -> str:
        return (super().to_python(value) or "").replace("\r\n", "\n")


_DATE_INPUT = forms.DateInput(attrs={"type": "date"})


def _officer_field(name: str, **overrides: Any) -> forms.Field:
    # The page posts the values it showed (hidden "initial-" inputs): `changed_data` is then what
    # this person changed, and only that is saved, so a stale tab never reverts another edit.
    return _from_model(Officer, name, show_hidden_initial=True, **overrides)


class OfficerRecordForm(RecordForm):
    # One of first and last name is enough (the service checks that at least one is given).
    first_name = _officer_field("first_name", required=False)
    middle_name = _officer_field("middle_name")
    last_name = _officer_field("last_name", required=False)
    suffix = _officer_field("suffix")
    employee_id = _officer_field("employee_id", label="Employee ID")
    employment_date = _officer_field("employment_date", label="Employed since", widget=_DATE_INPUT)
    separation_date = _officer_field("separation_date", label="Left the department", widget=_DATE_INPUT)
    gender = _officer_field("gender", help_text="Only as the department's roster states it.")
    race = _officer_field("race", help_text="Only as the department's roster states it.")
    birth_year = _officer_field(
        "birth_year", min_value=1900, max_value=2100, help_text="Only as the department's roster states it."
    )
    public_notes = _officer_field(
        "public_notes", form_class=NotesField, max_length=DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )

    field_order = ["first_name", "middle_name", "last_name", "suffix", "employee_id"]

    @classmethod
    def initial_for(cls, officer: Officer) -> dict[str, Any]:
        return {name: getattr(officer, name) for name in OFFICER_EDITABLE}

    def changed_values(self) -> dict[str, Any]:
        """The cleaned values of the fields this person changed (compared with the values the page showed)."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self.cleaned_data}


class AssignmentForm(RecordForm):
    badge_number = _from_model(Assignment, "badge_number")
    rank = _from_model(Assignment, "rank")
    unit = _from_model(Assignment, "unit")
    start_date = _from_model(Assignment, "start_date", label="Starts on", required=True, widget=_DATE_INPUT)


class SalaryForm(RecordForm):
    year = forms.IntegerField(min_value=1900, max_value=2100)
    is_fiscal_year = forms.BooleanField(label="Fiscal year", required=False)
    salary = forms.DecimalField(min_value=0, max_digits=12, decimal_places=2)
    overtime_pay = forms.DecimalField(
        label="Overtime pay", min_value=0, max_digits=12, decimal_places=2, required=False
    )
