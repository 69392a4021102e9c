"""Decisions by volunteers: identify a face, confirm or reject a suggestion.

Each calls the same faces.services.review function as the review pages, which records a
Decision; a ReviewError is the service's refusal, shown as a 400.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from faces.api import selectors
from faces.api.exceptions import ApiError
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


def _refused(exc: review.ReviewError) -> ApiError:
    return ApiError(str(exc), code="review_error")


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
        try:
            review.face_identify(
                face,
                officer=data["officer"],
                civilian=data["civilian"],
                use_for_recognition=data["use_for_recognition"],
                actor=request.user,
            )
        except review.ReviewError as exc:
            raise _refused(exc) from exc
        return Response(FaceSerializer(selectors.face_for_api(face.pk)).data)


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
        try:
            face = review.suggestion_confirm(
                suggestion, actor=request.user, use_for_recognition=serializer.validated_data["use_for_recognition"]
            )
        except review.ReviewError as exc:
            raise _refused(exc) from exc
        return Response(FaceSerializer(selectors.face_for_api(face.pk)).data)


class SuggestionReject(VolunteerView):
    @extend_schema(
        request=None,
        responses={200: SuggestionStatusSerializer},
        summary="Reject a suggested officer: never suggested again for this face (volunteers)",
    )
    def post(self, request: Request, pk: int) -> Response:
        suggestion = get_object_or_404(MatchSuggestion, pk=pk)
        try:
            suggestion = review.suggestion_reject(suggestion, actor=request.user)
        except review.ReviewError as exc:
            raise _refused(exc) from exc
        return Response(SuggestionStatusSerializer(suggestion).data)
