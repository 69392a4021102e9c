"""API shapes. Input serializers only validate; the services do the writing.

No serializer here can emit a face vector except GallerySerializer, which only the
administrators' gallery endpoint uses.
"""

from __future__ import annotations

import math

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from departments.models import Assignment, Department, Incident, Link, Officer, Salary
from faces.models import EMBEDDING_DIMENSIONS, Face, Image, MatchSuggestion
from faces.pipeline.search import confidence_label

MAX_COORDINATE = 100_000  # larger than any photo we accept (UPLOAD_MAX_PIXELS)
MAX_VECTOR_COMPONENT = 1000.0  # dlib descriptors lie within ±1; this only keeps float4 safe
# Ids are whole numbers: without this, {"officer": 1.5} would be read as officer 1.
WHOLE_NUMBER_ID = serializers.IntegerField(min_value=1)


def image_public_url(image_id: int) -> str:
    """The public rendition (metadata stripped, civilians blurred), never the original."""
    return reverse("image_public", args=[image_id])


# --- Departments -------------------------------------------------------------------------
class DepartmentSerializer(serializers.ModelSerializer):
    # Whether recognition is allowed *now*: the flag and the state's rules (selectors).
    facial_recognition_allowed = serializers.BooleanField(source="recognition_now", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "name", "slug", "state", "facial_recognition_allowed"]
        read_only_fields = fields


class RecognitionChangeSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000, allow_blank=False)


class RecognitionResultSerializer(serializers.Serializer):
    department = DepartmentSerializer()
    facial_recognition_allowed = serializers.BooleanField()
    changed = serializers.BooleanField()
    purged_embeddings = serializers.IntegerField()
    withdrawn_suggestions = serializers.IntegerField()


# --- Officers ----------------------------------------------------------------------------
class OfficerBriefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="full_name", read_only=True)

    class Meta:
        model = Officer
        fields = ["id", "name", "badge_number", "department"]
        read_only_fields = fields


class BoxSerializer(serializers.Serializer):
    x = serializers.IntegerField(min_value=0, max_value=MAX_COORDINATE)
    y = serializers.IntegerField(min_value=0, max_value=MAX_COORDINATE)
    w = serializers.IntegerField(min_value=1, max_value=MAX_COORDINATE)
    h = serializers.IntegerField(min_value=1, max_value=MAX_COORDINATE)


class OfficerSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="full_name", read_only=True)
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(), pk_field=WHOLE_NUMBER_ID)

    class Meta:
        model = Officer
        fields = ["id", "department", "name", "first_name", "last_name", "badge_number", "rank", "unit"]
        read_only_fields = ["id", "name"]
        # Names, badge and duplicates are validated once, by departments.services.officer_create.
        validators: list = []
        extra_kwargs = {
            "first_name": {"required": False, "allow_blank": True},
            "last_name": {"required": False, "allow_blank": True},
            "badge_number": {"allow_blank": True},
        }


class OfficerFaceSerializer(serializers.ModelSerializer):
    """A face identified as the officer: its public crop, and the box in the public photo."""

    box = BoxSerializer(read_only=True)
    url = serializers.SerializerMethodField()
    image_url = serializers.SerializerMethodField()

    class Meta:
        model = Face
        fields = ["id", "image", "box", "url", "image_url"]
        read_only_fields = fields

    def get_url(self, face: Face) -> str:
        return reverse("face_crop", args=[face.pk])

    def get_image_url(self, face: Face) -> str:
        return image_public_url(face.image_id)


class AssignmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Assignment
        fields = ["badge_number", "rank", "unit", "start_date", "end_date"]
        read_only_fields = fields


class LinkSerializer(serializers.ModelSerializer):
    # Public data only: who added a link is not published.
    class Meta:
        model = Link
        fields = ["id", "url", "title", "kind"]
        read_only_fields = fields


class IncidentSerializer(serializers.ModelSerializer):
    links = LinkSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = ["id", "date", "location", "description", "report_number", "officers", "links"]
        read_only_fields = fields


class SalarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Salary
        fields = ["year", "is_fiscal_year", "salary", "overtime_pay"]
        read_only_fields = fields


ROSTER_FIELDS = [
    "employee_id",
    "middle_name",
    "suffix",
    "employment_date",
    "separation_date",
    "gender",
    "race",
    "birth_year",
]


class OfficerDetailSerializer(OfficerSerializer):
    """The profile: the roster's fields (demographics as the roster states them), the history, the photos."""

    faces = serializers.SerializerMethodField()
    current_assignment = serializers.SerializerMethodField()
    assignments = AssignmentSerializer(many=True, read_only=True)
    incidents = IncidentSerializer(many=True, read_only=True)
    links = LinkSerializer(many=True, read_only=True)
    salaries = SalarySerializer(many=True, read_only=True)

    class Meta(OfficerSerializer.Meta):
        fields = [
            *OfficerSerializer.Meta.fields,
            *ROSTER_FIELDS,
            "current_assignment",
            "assignments",
            "incidents",
            "links",
            "salaries",
            "faces",
        ]
        read_only_fields = [*OfficerSerializer.Meta.read_only_fields, *ROSTER_FIELDS]

    @extend_schema_field(AssignmentSerializer(allow_null=True))
    def get_current_assignment(self, officer: Officer) -> dict | None:
        current = next((a for a in officer.assignments.all() if a.end_date is None), None)
        return AssignmentSerializer(current).data if current is not None else None

    @extend_schema_field(OfficerFaceSerializer(many=True))
    def get_faces(self, officer: Officer) -> list[dict]:
        from faces.selectors import officer_public_faces

        faces = officer_public_faces(officer).defer("embedding")
        # many=True makes a ListSerializer, whose .data is a list; the stub types it as a dict.
        return OfficerFaceSerializer(faces, many=True).data  # type: ignore[return-value]


# --- Images and faces --------------------------------------------------------------------
class ImageUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)  # the service explains empty files
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(), pk_field=WHOLE_NUMBER_ID)
    # Optional: the uploader's address for the photo's two notices (faces.services.notifications).
    notify_email = serializers.EmailField(required=False, allow_blank=True, max_length=254)


class ImageCreatedSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    duplicate = serializers.SerializerMethodField()

    class Meta:
        model = Image
        fields = ["id", "status", "sha256", "width", "height", "url", "duplicate"]
        read_only_fields = fields

    def get_url(self, image: Image) -> str:
        return image_public_url(image.pk)

    def get_duplicate(self, image: Image) -> bool:
        return bool(self.context.get("duplicate", False))


class SuggestionSerializer(serializers.ModelSerializer):
    officer = OfficerBriefSerializer(read_only=True)
    confidence = serializers.SerializerMethodField()

    class Meta:
        model = MatchSuggestion
        fields = ["id", "officer", "distance", "confidence"]
        read_only_fields = fields

    def get_confidence(self, suggestion: MatchSuggestion) -> str:
        return confidence_label(suggestion.distance)


class FaceSerializer(serializers.ModelSerializer):
    """A face as the API shows it: never the vector, only whether one exists."""

    box = BoxSerializer(read_only=True)
    officer = OfficerBriefSerializer(read_only=True, allow_null=True)
    civilian = serializers.BooleanField(source="is_civilian", read_only=True)
    embedded = serializers.BooleanField(source="has_embedding", read_only=True)
    suggestions = SuggestionSerializer(source="visible_suggestions", many=True, read_only=True)

    class Meta:
        model = Face
        fields = [
            "id",
            "image",
            "box",
            "source",
            "officer",
            "civilian",
            "use_for_recognition",
            "embedded",
            "suggestions",
        ]
        read_only_fields = fields


class ImageDetailSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    faces = FaceSerializer(source="api_faces", many=True, read_only=True)

    class Meta:
        model = Image
        fields = [
            "id",
            "status",
            "error",
            "department",
            "width",
            "height",
            "labels",
            "contains_officers",
            "url",
            "faces",
        ]
        read_only_fields = fields

    def get_url(self, image: Image) -> str:
        return image_public_url(image.pk)


class FaceBoxSerializer(serializers.Serializer):
    box = BoxSerializer()


class SortSerializer(serializers.Serializer):
    contains_officers = serializers.BooleanField()


class IdentifySerializer(serializers.Serializer):
    officer = serializers.PrimaryKeyRelatedField(
        queryset=Officer.objects.all(), allow_null=True, required=False, default=None, pk_field=WHOLE_NUMBER_ID
    )
    civilian = serializers.BooleanField(default=False)
    use_for_recognition = serializers.BooleanField(default=True)


class ConfirmSerializer(serializers.Serializer):
    use_for_recognition = serializers.BooleanField(default=True)


class SuggestionStatusSerializer(serializers.ModelSerializer):
    class Meta:
        model = MatchSuggestion
        fields = ["id", "face", "officer", "status"]
        read_only_fields = fields


# --- The external worker's endpoints (administrators only) -------------------------------
class EmbeddingSerializer(serializers.Serializer):
    embedding = serializers.ListField(
        child=serializers.FloatField(), min_length=EMBEDDING_DIMENSIONS, max_length=EMBEDDING_DIMENSIONS
    )

    def validate_embedding(self, value: list[float]) -> list[float]:
        if not all(math.isfinite(v) for v in value):
            raise serializers.ValidationError("Every component must be a finite number.")
        if any(abs(v) > MAX_VECTOR_COMPONENT for v in value):
            raise serializers.ValidationError(f"Every component must lie within ±{MAX_VECTOR_COMPONENT:g}.")
        return value


class GallerySerializer(serializers.ModelSerializer):
    face = serializers.IntegerField(source="pk", read_only=True)
    department = serializers.IntegerField(source="officer.department_id", read_only=True)
    embedding = serializers.SerializerMethodField()

    class Meta:
        model = Face
        fields = ["face", "officer", "department", "embedding"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.FloatField()))
    def get_embedding(self, face: Face) -> list[float]:
        assert face.embedding is not None  # the gallery holds embedded faces only
        return [float(v) for v in face.embedding]
