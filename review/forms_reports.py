"""The coordinators' form resolving a problem report."""

from __future__ import annotations

from django import forms

from accountability.models import ProblemReport
from accountability.services import MESSAGE_MAX


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Reason (required to dismiss; the reporter reads it)",
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MESSAGE_MAX}),
    )

    def __init__(self, *args, outcomes: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(ProblemReport.Status.choices)
        field = self.fields["outcome"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(value, labels[value]) for value in outcomes]
