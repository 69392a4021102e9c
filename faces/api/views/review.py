"""Decisions by volunteers: identify a face, confirm or reject a suggestion.

Each calls the same faces.services.review function as the review dashboard, with the same
checks: a face already decided, or a suggestion that is settled or hidden by the gate, is
refused with a 409 (the service's DomainError, mapped once in faces.api.exceptions).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from faces.api import selectors
from faces.api.permissions import IsVolunteer
from faces.api.serializers import (
    ConfirmSerializer,
    FaceSerializer,
    IdentifySerializer,
    SuggestionStatusSerializer,
)
from faces.api.views.base import ApiViewMixin
from faces.models import Face, MatchSuggestion
from faces.services import review


class VolunteerView(ApiViewMixin, APIView):
    permission_classes = [IsVolunteer]
    throttle_classes: list = []


class FaceIdentify(VolunteerView):
    @extend_schema(
        request=IdentifySerializer,
        responses={200: FaceSerializer},
        summary="Say who a face is: an officer, a civilian, or unknown (volunteers)",
    )
    def post(self, request: Request, pk: int) -> Response:
        face = get_object_or_404(Face.objects.defer("embedding"), pk=pk)
        serializer = IdentifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        review.face_identify(
            face,
            officer=data["officer"],
            civilian=data["civilian"],
            use_for_recognition=data["use_for_recognition"],
            actor=request.user,
        )
        return Response(FaceSerializer(selectors.face_for_api(face.pk, viewer=request)).data)


class SuggestionConfirm(VolunteerView):
    @extend_schema(
        request=ConfirmSerializer,
        responses={200: FaceSerializer},
        summary="Confirm a suggested officer for a face (volunteers)",
    )
    def post(self, request: Request, pk: int) -> Response:
        suggestion = get_object_or_404(MatchSuggestion, pk=pk)
        serializer = ConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        face = review.suggestion_confirm(
            suggestion, actor=request.user, use_for_recognition=serializer.validated_data["use_for_recognition"]
        )
        return Response(FaceSerializer(selectors.face_for_api(face.pk, viewer=request)).data)


class SuggestionReject(VolunteerView):
    @extend_schema(
        request=None,
        responses={200: SuggestionStatusSerializer},
        summary="Reject a suggested officer: never suggested again for this face (volunteers)",
    )
    def post(self, request: Request, pk: int) -> Response:
        suggestion = get_object_or_404(MatchSuggestion, pk=pk)
        suggestion = review.suggestion_reject(suggestion, actor=request.user)
        return Response(SuggestionStatusSerializer(suggestion).data)
