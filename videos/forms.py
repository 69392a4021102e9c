"""The video upload form: one file and its department (checks of the file itself: videos.validation);
the takedown's reason."""

from __future__ import annotations

from django import forms

from faces.forms import TakedownForm, department_field

ACCEPT = "video/mp4,video/quicktime,video/webm,.mp4,.mov,.m4v,.webm"


class VideoUploadForm(forms.Form):
    department = department_field("the video")
    file = forms.FileField(
        label="Video",
        help_text="MP4, MOV or WebM.",
        error_messages={"required": "Choose a video to upload.", "empty": "This file is empty."},
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )


class VideoTakedownForm(TakedownForm):
    """The photos' takedown form (faces.forms), worded for a video."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = "Why is this video taken down?"
