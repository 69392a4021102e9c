"""The headshot import form: many photos, or one ZIP, and an optional mapping CSV."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented recipe): a list of UploadedFile."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None) -> list:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class HeadshotUploadForm(forms.Form):
    # Names are shown back on the report only; they are never used as paths.
    photos = MultipleFileField(label="Photos", required=False, max_length=10_000, allow_empty_file=True)
    archive = forms.FileField(
        label="or one ZIP of photos",
        required=False,
        max_length=10_000,
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )
    mapping = forms.FileField(
        label="Mapping file (optional CSV: filename,employee_id)",
        required=False,
        max_length=10_000,
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        photos, archive = data.get("photos") or [], data.get("archive")
        if not photos and not archive:
            raise forms.ValidationError("Choose the photos, or one ZIP of them.")
        if photos and archive:
            raise forms.ValidationError("Send either photos or one ZIP, not both.")
        if archive is not None and archive.size > settings.HEADSHOTS_MAX_TOTAL_BYTES:
            limit = settings.HEADSHOTS_MAX_TOTAL_BYTES // (1024 * 1024)
            self.add_error("archive", f"This ZIP is larger than the {limit} MB limit of a batch.")
        return data
