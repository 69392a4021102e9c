from __future__ import annotations

from django import forms


class RecognitionChangeForm(forms.Form):
    """The reasoned, audited act of switching a department's facial recognition."""

    allowed = forms.TypedChoiceField(
        label="Facial recognition",
        choices=[("true", "On: compare faces with the gallery"), ("false", "Off: purge all biometric data")],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason (kept in the audit trail)",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        strip=True,
    )
    confirm = forms.BooleanField(
        label="I understand what this change does (see the consequences above).",
        required=True,
    )
