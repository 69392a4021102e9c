"""The forms of the sequences queue: the decision about a whole sequence, and a split.

Both carry the stills the page showed (`shown`, `ids` the sequence's stills), so a sequence split
by someone else meanwhile is refused instead of decided for stills the volunteer never saw.
"""

from __future__ import annotations

from typing import Any

from django import forms

from review.forms import SetDecisionForm, ShownForm
from videos.services.review import SEQUENCE_CHANGED


class SequenceDecisionForm(SetDecisionForm):
    """`decision` is the button pressed: "officer:<id>", "confirm:<suggestion id>", "civilian" or "skip"."""

    changed = SEQUENCE_CHANGED
    confirmable = True


class SequenceSplitForm(ShownForm):
    changed = SEQUENCE_CHANGED
    still = forms.TypedMultipleChoiceField(coerce=int, choices=[], required=False)

    def __init__(self, *args, ids: list[int], **kwargs) -> None:
        super().__init__(*args, ids=ids, **kwargs)
        self.fields["still"].error_messages["invalid_choice"] = "Only stills of this sequence can be split off."

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns (its stub also allows None)
        if "still" in data and not data["still"]:
            raise forms.ValidationError("Tick the stills that show someone else.")
        return data
