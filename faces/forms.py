"""Forms of the public pages: upload, the box editor, and the officer filters."""

from __future__ import annotations

from django import forms

from departments.models import Department

MAX_FILES_PER_REQUEST = 20


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is judged on its own by the upload service."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if not files:
            raise forms.ValidationError("Choose at least one photo to upload.", code="required")
        if len(files) > MAX_FILES_PER_REQUEST:
            raise forms.ValidationError(
                f"Upload at most {MAX_FILES_PER_REQUEST} photos at a time.", code="too_many_files"
            )
        # Per-file checks (is it an image, size, pixels) happen in the service, so one bad
        # file gets its own message and never stops the others.
        return list(files)


class UploadForm(forms.Form):
    department = forms.ModelChoiceField(
        queryset=Department.objects.all(),
        label="Department",
        error_messages={
            "required": "Choose the department whose officers appear in the photos.",
            "invalid_choice": "That department does not exist; choose one from the list.",
        },
    )
    photos = MultipleFileField(
        label="Photos",
        help_text="JPEG, PNG, WebP, HEIC or GIF (first frame). You can choose several.",
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif,image/gif"}),
    )


class BoxForm(forms.Form):
    """A face box in photo pixels, as drawn in the box editor."""

    x = forms.FloatField(min_value=0, max_value=100_000)
    y = forms.FloatField(min_value=0, max_value=100_000)
    w = forms.FloatField(min_value=1, max_value=100_000)
    h = forms.FloatField(min_value=1, max_value=100_000)


class OfficerFilterForm(forms.Form):
    name = forms.CharField(label="Name", required=False, max_length=100)
    badge = forms.CharField(label="Badge number", required=False, max_length=50)
    rank = forms.CharField(label="Rank", required=False, max_length=100)
    unit = forms.CharField(label="Unit", required=False, max_length=200)
    has_photo = forms.BooleanField(label="Only officers with a photo", required=False)
    department = forms.ModelChoiceField(
        queryset=Department.objects.order_by("state", "name"),
        required=False,
        label="Department",
        empty_label="All departments",
        to_field_name="slug",
    )

    def filters(self) -> dict:
        """The cleaned filters as keyword arguments for faces.selectors.officers_filtered."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {key: data.get(key) or "" for key in ("name", "badge", "rank", "unit")} | {
            "has_photo": bool(data.get("has_photo")),
        }
