"""The review API of video sequences (volunteers): identify a whole sequence, or split it.

POST /api/v1/sequences/{id}/identify/ and /split/ go through the same services as the
dashboard's sequences queue (review.services.sequences around videos.services.review), with the
same checks: a sequence decided already, held by another volunteer, changed since it was read,
or a suggestion the gate hides is refused with 409; an officer of another department with 400;
mapped once in faces.api.exceptions. A split is recorded (review.SequenceSplit) as on the page.
Routed from oversight/urls.py: faces.api must not import the review app.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from departments.models import Officer
from faces.api.permissions import IsVolunteer
from faces.api.views.base import ApiViewMixin
from review.services.sequences import sequence_decide, sequence_split_record
from videos.models import FaceSequence, SequenceFace

MAX_ID = 2**62


def _id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class SequenceReviewIdentifySerializer(serializers.Serializer):
    """Exactly one of: `officer` (an officer of the video's department), `suggestion` (one on a
    still of this sequence), or `civilian: true`. `stills`, if given, must be the sequence's stills
    as the client saw them (a sequence split meanwhile is refused)."""

    officer = _id_field(required=False, allow_null=True, default=None)
    suggestion = _id_field(required=False, allow_null=True, default=None)
    civilian = serializers.BooleanField(default=False)
    use_for_recognition = serializers.BooleanField(default=True)
    stills = serializers.ListField(child=_id_field(), required=False, max_length=1000)

    def validate(self, attrs: dict) -> dict:
        chosen = [attrs["officer"] is not None, attrs["suggestion"] is not None, attrs["civilian"]]
        if sum(chosen) != 1:
            raise serializers.ValidationError("Give exactly one of officer, suggestion or civilian.")
        actions = ("identify", "confirm", "civilian")
        attrs["action"] = actions[chosen.index(True)]
        return attrs


class SequenceReviewSplitSerializer(serializers.Serializer):
    split = serializers.ListField(child=_id_field(), min_length=1, max_length=1000)
    stills = serializers.ListField(child=_id_field(), required=False, max_length=1000)


class SequenceReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    video = serializers.IntegerField(source="video_id")
    number = serializers.IntegerField()
    status = serializers.CharField()
    officer = serializers.IntegerField(source="officer_id", allow_null=True)
    split_from = serializers.IntegerField(source="split_from_id", allow_null=True)
    first_time = serializers.FloatField()
    last_time = serializers.FloatField()
    stills = serializers.SerializerMethodField()

    def get_stills(self, sequence: FaceSequence) -> list[dict]:
        rows = SequenceFace.objects.filter(sequence=sequence).select_related("face").order_by("time", "pk")
        return [
            {
                "id": still.pk,
                "face": still.face_id,
                "time": still.time,
                "officer": still.face.officer_id,
                "civilian": still.face.is_civilian,
            }
            for still in rows
        ]


def _read(request: Request, pk: int, serializer_class: type[serializers.Serializer]) -> tuple[FaceSequence, dict]:
    """The sequence (404 if there is none) and the request's body, validated (400 if not valid)."""
    sequence = FaceSequence.objects.select_related("video").filter(pk=pk).first()
    if sequence is None:
        raise Http404("No such sequence.")
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return sequence, serializer.validated_data


class _VolunteerView(ApiViewMixin, APIView):
    permission_classes = [IsVolunteer]
    throttle_classes: list = []


class SequenceIdentify(_VolunteerView):
    @extend_schema(
        request=SequenceReviewIdentifySerializer,
        responses={200: SequenceReviewSerializer},
        summary="Identify every still of a video face sequence: an officer, a suggestion, or not an officer",
    )
    def post(self, request: Request, pk: int) -> Response:
        sequence, data = _read(request, pk, SequenceReviewIdentifySerializer)
        officer = None
        if data["officer"] is not None:
            officer = Officer.objects.filter(pk=data["officer"]).first()
            if officer is None:
                raise serializers.ValidationError({"officer": ["No such officer."]})
        sequence = sequence_decide(
            sequence,
            action=data["action"],
            actor=request.user,
            shown=data.get("stills"),  # without it the client accepts the sequence as it is now
            officer=officer,
            suggestion_id=data["suggestion"],
            use_for_recognition=data["use_for_recognition"],
        )
        return Response(SequenceReviewSerializer(sequence).data)


class SequenceSplit(_VolunteerView):
    @extend_schema(
        request=SequenceReviewSplitSerializer,
        responses={201: SequenceReviewSerializer},
        summary="Split stills (SequenceFace ids) off an open sequence that joined two people; returns the new one",
    )
    def post(self, request: Request, pk: int) -> Response:
        sequence, data = _read(request, pk, SequenceReviewSplitSerializer)
        created = sequence_split_record(sequence, still_ids=data["split"], actor=request.user, shown=data.get("stills"))
        return Response(SequenceReviewSerializer(created).data, status=status.HTTP_201_CREATED)
