"""The API's video shapes: an upload, and a video with its progress and timeline."""

from __future__ import annotations

from rest_framework import serializers

from departments.models import Department
from faces.api.serializers import WHOLE_NUMBER_ID


class VideoUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)  # the service explains empty files
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(), pk_field=WHOLE_NUMBER_ID)


class SequenceOfficerSerializer(serializers.Serializer):
    """The officer a sequence was identified as, with a link to their page (not faces.api's OfficerBrief)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    badge = serializers.CharField()
    url = serializers.CharField()


class SequenceSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    first_time = serializers.FloatField(help_text="Seconds into the video.")
    last_time = serializers.FloatField()
    frame_count = serializers.IntegerField(help_text="Sampled frames in which the face was found.")
    status = serializers.ChoiceField(choices=["open", "identified", "civilian"])
    officer = SequenceOfficerSerializer(allow_null=True, help_text="Only once a volunteer identified the officer.")
    thumb_url = serializers.CharField(help_text="The officer's face; empty for every other sequence.")
    track = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField()),
        help_text="[time, x, y, w, h] per sampled frame, in video pixels (geometry only).",
    )


class VideoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["queued", "processing", "done", "failed"])
    error = serializers.CharField(help_text="Why processing failed; empty otherwise.")
    frames_done = serializers.IntegerField(help_text="Frames of the video decoded so far.")
    frames_total = serializers.IntegerField(help_text="Frames in the video (the real count once scanned).")
    percent = serializers.IntegerField(help_text="frames_done / frames_total; 100 once processed.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    duration_seconds = serializers.FloatField()
    public_url = serializers.CharField(help_text="The public rendition (faces blurred); empty until it is written.")
    page_url = serializers.CharField()
    status_url = serializers.CharField()
    duplicate = serializers.BooleanField(help_text="True when these bytes were uploaded before (this is that video).")
    sequences = SequenceSerializer(many=True)


SEQUENCE_FIELDS = ("number", "first_time", "last_time", "frame_count", "status", "officer", "thumb_url", "track")


def video_body(data: dict, *, duplicate: bool = False) -> dict:
    """The API's body from videos.selectors.video_page_data (the page's own dict)."""
    return {
        "id": data["id"],
        "status": data["status"],
        "error": data["error"],
        "frames_done": data["progress"]["frames_done"],
        "frames_total": data["progress"]["frames_total"],
        "percent": data["progress"]["percent"],
        "width": data["width"],
        "height": data["height"],
        "duration_seconds": data["duration_seconds"],
        "public_url": data["public_url"],
        "page_url": data["urls"]["page"],
        "status_url": data["urls"]["status"],
        "duplicate": duplicate,
        "sequences": [{key: s[key] for key in SEQUENCE_FIELDS} for s in data["sequences"]],
    }
