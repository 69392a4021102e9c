"""The forms of the sequences queue: the decision about a whole sequence, and a split.

Both carry the stills the page showed (`shown`), so a sequence split by someone else
meanwhile is refused instead of decided for stills the volunteer never saw.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms

_DECISION = re.compile(
    r"^(?:officer:(?P<officer>[1-9][0-9]{0,17})|confirm:(?P<suggestion>[1-9][0-9]{0,17})|civilian|skip)$"
)
CHANGED = "This sequence changed while you looked at it (it was split); nothing was changed. Look again."


def _stills_field(required: bool = True) -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(coerce=int, choices=[], required=required)


class _StillsForm(forms.Form):
    shown = _stills_field()

    def __init__(self, *args, stills: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(pk), str(pk)) for pk in stills]
        for field in self.fields.values():
            if isinstance(field, forms.TypedMultipleChoiceField):
                field.choices = choices
        self.fields["shown"].error_messages["invalid_choice"] = CHANGED


class SequenceDecisionForm(_StillsForm):
    """`decision` is the button pressed: "officer:<id>", "confirm:<suggestion id>", "civilian" or "skip"."""

    decision = forms.CharField(max_length=40)
    use_for_recognition = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns (its stub also allows None)
        match = _DECISION.match(data.get("decision") or "")
        if match is None:
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


class SequenceSplitForm(_StillsForm):
    still = _stills_field(required=False)

    def __init__(self, *args, stills: list[int], **kwargs) -> None:
        super().__init__(*args, stills=stills, **kwargs)
        self.fields["still"].error_messages["invalid_choice"] = "Only stills of this sequence can be split off."

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns (its stub also allows None)
        if "still" in data and not data["still"]:
            raise forms.ValidationError("Tick the stills that show someone else.")
        return data
