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


def department_field(appear_in: str) -> forms.ModelChoiceField:
    """The upload forms' department: whose officers appear in `appear_in` ("the photos", "the video")."""
    return forms.ModelChoiceField(
        queryset=Department.objects.all(),
        label="Department",
        error_messages={
            "required": f"Choose the department whose officers appear in {appear_in}.",
            "invalid_choice": "That department does not exist; choose one from the list.",
        },
    )


class UploadForm(forms.Form):
    department = department_field("the photos")
    photos = MultipleFileField(
        label="Photos",
        help_text="JPEG, PNG, WebP, HEIC or GIF (first frame). You can choose several.",
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif,image/gif"}),
    )
    # Optional; kept only to send this photo's two notices (faces.services.notifications).
    notify_email = forms.EmailField(
        label="Your e-mail address (optional)",
        required=False,
        max_length=254,
        help_text=(
            "We e-mail you once when an officer in your photo is identified, and once if the photo is taken down. "
            "It is used for nothing else, and each e-mail has a link to delete it."
        ),
        error_messages={"invalid": "Enter one e-mail address like name@example.org, or leave it empty."},
    )


class BoxForm(forms.Form):
    """A face box in photo pixels, as drawn in the box editor."""

    x = forms.FloatField(min_value=0, max_value=100_000)
    y = forms.FloatField(min_value=0, max_value=100_000)
    w = forms.FloatField(min_value=1, max_value=100_000)
    h = forms.FloatField(min_value=1, max_value=100_000)


class OfficerRangeChecks(forms.Form):
    """The checks across fields that the roster filters share, on the pages and in the API."""

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and low > high:
            self.add_error("max_age", "The upper age must not be below the lower one.")
        start, end = data.get("employed_from"), data.get("employed_to")
        if start is not None and end is not None and start > end:
            self.add_error("employed_to", "The end date must not be before the start date.")
        return data


class OfficerFilterForm(OfficerRangeChecks):
    """The roster and search filters; a bad filter shows an error and the page still answers 200."""

    name = forms.CharField(label="Name", required=False, max_length=100)
    badge = forms.CharField(label="Badge number", required=False, max_length=50)
    rank = forms.CharField(label="Rank", required=False, max_length=100)
    unit = forms.CharField(label="Unit", required=False, max_length=200)
    gender = forms.CharField(label="Gender", required=False, max_length=50)
    race = forms.CharField(label="Race", required=False, max_length=100)
    min_age = forms.IntegerField(label="Age from", required=False, min_value=0, max_value=130)
    max_age = forms.IntegerField(label="Age to", required=False, min_value=0, max_value=130)
    employed_from = forms.DateField(label="Employed from", required=False)
    employed_to = forms.DateField(label="Employed to", required=False)
    has_photo = forms.BooleanField(label="Only officers with a photo", required=False)
    department = forms.ModelChoiceField(
        queryset=Department.objects.order_by("state", "name"),
        required=False,
        label="Department",
        empty_label="All departments",
        to_field_name="slug",
    )

    TEXT_FILTERS = ("name", "badge", "rank", "unit", "gender", "race")
    VALUE_FILTERS = ("min_age", "max_age", "employed_from", "employed_to")

    def filters(self) -> dict:
        """The cleaned filters as keyword arguments for faces.selectors.officers_filtered."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return (
            {key: data.get(key) or "" for key in self.TEXT_FILTERS}
            | {key: data.get(key) for key in self.VALUE_FILTERS}
            | {"has_photo": bool(data.get("has_photo"))}
        )


class TakedownForm(forms.Form):
    reason = forms.CharField(
        label="Why is this photo taken down?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Kept in the audit of takedowns; the uploader is not shown it.",
    )
