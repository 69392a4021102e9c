"""The roster upload form: one CSV file and the date its assignment changes take effect."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from departments.roster import effective_date_problem
from departments.services.roster_uploads import too_large_message


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="Roster file (CSV, UTF-8)",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        # The name is shown on the preview only; it is never used as a path.
        max_length=10_000,
        # An empty file gets the import's own message ("the first line must name the columns").
        allow_empty_file=True,
    )
    effective_date = forms.DateField(
        label="Assignment changes take effect on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["effective_date"].initial = timezone.localdate()

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size is not None and upload.size > settings.ROSTER_MAX_BYTES:
            raise forms.ValidationError(too_large_message())
        return upload

    def clean_effective_date(self) -> datetime.date:
        # The import refuses it too (every door); here it shows on the field.
        value = self.cleaned_data["effective_date"]
        problem = effective_date_problem(value)
        if problem is not None:
            raise forms.ValidationError(problem)
        return value
