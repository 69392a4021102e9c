"""The form of the groups queue: which faces the page showed, which to take out, and the decision."""

from __future__ import annotations

from django import forms

from review.forms import SetDecisionForm
from review.services.groups import GROUP_CHANGED


class GroupDecisionForm(SetDecisionForm):
    """`decision` is the button pressed: "officer:<id>", "civilian" or "skip"; `ids` are the group's faces."""

    changed = GROUP_CHANGED
    remove = forms.TypedMultipleChoiceField(coerce=int, choices=[], required=False)

    def __init__(self, *args, ids: list[int], **kwargs) -> None:
        super().__init__(*args, ids=ids, **kwargs)
        self.fields["remove"].error_messages["invalid_choice"] = "Only faces of this group can be removed from it."
