"""The public "Report a problem" form, and the ids naming what a report is about."""

from __future__ import annotations

from django import forms

from accountability.models import ProblemReport
from accountability.services import EMAIL_MAX, MESSAGE_MAX

ID_MAX = 2**63 - 1  # a bigint: larger numbers name nothing, and must not reach the database


class SubjectForm(forms.Form):
    """?face= / ?image= / ?officer= / ?video= on the way in, hidden fields on the way back."""

    image = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX, widget=forms.HiddenInput)
    face = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX, widget=forms.HiddenInput)
    officer = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX, widget=forms.HiddenInput)
    video = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX, widget=forms.HiddenInput)


class ReportForm(SubjectForm):
    kind = forms.ChoiceField(
        label="What is wrong?",
        choices=ProblemReport.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what is wrong.", "invalid_choice": "Choose what is wrong from the list."},
    )
    message = forms.CharField(
        label="Tell us more (optional)",
        required=False,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MESSAGE_MAX}),
        help_text=f"Up to {MESSAGE_MAX} characters. Coordinators of the department read it; it is never published.",
    )
    contact_email = forms.EmailField(
        label="Your e-mail address (optional)",
        required=False,
        max_length=EMAIL_MAX,
        help_text="Only to tell you the outcome, once; it is erased from the report then.",
    )
