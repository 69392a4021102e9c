"""Forms of the review dashboard. Every POST goes through one of these: bounded, typed input."""

from __future__ import annotations

import re
from typing import Any

from django import forms


class SortForm(forms.Form):
    answer = forms.ChoiceField(choices=[("yes", "Yes"), ("no", "No"), ("skip", "Skip")])


class FaceDecisionForm(forms.Form):
    ACTIONS = [
        ("confirm", "Confirm"),
        ("reject", "Reject"),
        ("identify", "Identify"),
        ("civilian", "Not an officer"),
        ("skip", "Skip"),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    suggestion = forms.IntegerField(required=False, min_value=1, max_value=2**62)
    officer = forms.IntegerField(required=False, min_value=1, max_value=2**62)
    use_for_recognition = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns (its stub also allows None)
        action = data.get("action")
        if action in ("confirm", "reject") and not data.get("suggestion"):
            raise forms.ValidationError("Choose which suggestion to confirm or reject.")
        if action == "identify" and not data.get("officer"):
            raise forms.ValidationError("Choose an officer.")
        return data


class ShownForm(forms.Form):
    """A form about a set of faces the page showed (a group's faces, a sequence's stills), by id.

    `shown` is the set as the page showed it, so a set changed by someone else meanwhile is refused
    (`changed`) instead of decided for faces the volunteer never saw. Every multiple-choice field of
    the form offers only the set's ids.
    """

    changed: str  # each form's refusal when the set changed (the service's own words)
    shown = forms.TypedMultipleChoiceField(coerce=int, choices=[])

    def __init__(self, *args, ids: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(pk), str(pk)) for pk in ids]
        for field in self.fields.values():
            if isinstance(field, forms.TypedMultipleChoiceField):
                field.choices = choices
        self.fields["shown"].error_messages["invalid_choice"] = self.changed


_SET_DECISION = re.compile(
    r"^(?:officer:(?P<officer>[1-9][0-9]{0,17})|confirm:(?P<suggestion>[1-9][0-9]{0,17})|civilian|skip)$"
)


class SetDecisionForm(ShownForm):
    """One decision for the whole set. `decision` is the button pressed: "officer:<id>", "civilian", "skip",
    or "confirm:<suggestion id>" where the page offers suggestions (`confirmable`).

    cleaned_data gets `action` (identify, confirm, civilian, skip), `officer` and `suggestion` (ids or None).
    """

    confirmable = False
    decision = forms.CharField(max_length=40)
    use_for_recognition = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns (its stub also allows None)
        match = _SET_DECISION.match(data.get("decision") or "")
        if match is None or (match["suggestion"] and not self.confirmable):
            raise forms.ValidationError("Choose an officer, not an officer, or skip.")
        data["officer"] = int(match["officer"]) if match["officer"] else None
        data["suggestion"] = int(match["suggestion"]) if match["suggestion"] else None
        if match["officer"]:
            data["action"] = "identify"
        elif match["suggestion"]:
            data["action"] = "confirm"
        else:
            data["action"] = data["decision"]
        return data


class OfficerSearchForm(forms.Form):
    q = forms.CharField(label="Search officers by name or badge", max_length=100, required=False, strip=True)


class NewOfficerForm(forms.Form):
    first_name = forms.CharField(max_length=100, required=False, strip=True)
    last_name = forms.CharField(max_length=100, strip=True)
    badge_number = forms.CharField(max_length=50, strip=True)
    rank = forms.CharField(max_length=100, required=False, strip=True)
    unit = forms.CharField(max_length=200, required=False, strip=True)
    use_for_recognition = forms.BooleanField(required=False, initial=True)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns (its stub also allows None)
        for name, value in list(data.items()):
            if isinstance(value, str) and any(ord(ch) < 32 for ch in value):
                self.add_error(name, "Control characters are not allowed.")
        return data


class GalleryForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("use", "Use for recognition"),
            ("unuse", "Do not use"),
            ("feature", "Feature"),
            ("unfeature", "Remove featured face"),
        ]
    )
    face = forms.IntegerField(required=False, min_value=1, max_value=2**62)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns (its stub also allows None)
        if data.get("action") in ("use", "unuse", "feature") and not data.get("face"):
            raise forms.ValidationError("Choose a face.")
        return data


class RecognitionSwitchForm(forms.Form):
    """Step 1 asks for the direction and a reason; step 2 repeats them with confirm=yes."""

    allowed = forms.TypedChoiceField(
        choices=[("true", "On"), ("false", "Off")],
        coerce=lambda value: value == "true",
    )
    reason = forms.CharField(
        label="Reason (kept in the audit trail)", max_length=2000, strip=True, widget=forms.Textarea(attrs={"rows": 3})
    )
    confirm = forms.BooleanField(required=False)
