"""The form of the groups queue: which faces the page showed, which to take out, and the decision."""

from __future__ import annotations

import re
from typing import Any

from django import forms

_DECISION = re.compile(r"^(?:officer:(?P<officer>[1-9][0-9]{0,17})|civilian|skip)$")


class GroupDecisionForm(forms.Form):
    """`decision` is the button pressed: "officer:<id>", "civilian" or "skip"."""

    decision = forms.CharField(max_length=40)
    shown = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    remove = forms.TypedMultipleChoiceField(coerce=int, choices=[], required=False)
    use_for_recognition = forms.BooleanField(required=False)

    def __init__(self, *args, members: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(pk), str(pk)) for pk in members]
        for name in ("shown", "remove"):
            field = self.fields[name]
            assert isinstance(field, forms.TypedMultipleChoiceField)
            field.choices = choices
        self.fields["shown"].error_messages["invalid_choice"] = (
            "This group changed while you looked at it (a face joined or left); nothing was changed. Look again."
        )
        self.fields["remove"].error_messages["invalid_choice"] = "Only faces of this group can be removed from it."

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns (its stub also allows None)
        match = _DECISION.match(data.get("decision") or "")
        if match is None:
            raise forms.ValidationError("Choose an officer, not an officer, or skip.")
        data["officer"] = int(match["officer"]) if match["officer"] else None
        data["action"] = "identify" if match["officer"] else data["decision"]
        return data
