"""Departments: public reads; the recognition switch for administrators."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from departments.models import Department
from faces.api import selectors
from faces.api.filters import DepartmentFilter
from faces.api.permissions import CanChangeRecognition
from faces.api.serializers import DepartmentSerializer, RecognitionChangeSerializer, RecognitionResultSerializer
from faces.api.views.base import ApiViewMixin
from faces.exports import export_response
from faces.services.recognition import department_set_recognition


class DepartmentList(ApiViewMixin, generics.ListAPIView):
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter

    def get_queryset(self):
        return selectors.departments_with_recognition()


class DepartmentDetail(ApiViewMixin, generics.RetrieveAPIView):
    serializer_class = DepartmentSerializer

    def get_queryset(self):
        return selectors.departments_with_recognition()


class DepartmentRecognition(ApiViewMixin, APIView):
    """Turn facial recognition on or off; turning it off purges in the same transaction."""

    permission_classes = [CanChangeRecognition]
    throttle_classes: list = []

    @extend_schema(
        request=RecognitionChangeSerializer,
        responses={200: RecognitionResultSerializer},
        summary="Turn a department's facial recognition on or off (administrators)",
    )
    def post(self, request: Request, pk: int) -> Response:
        department = get_object_or_404(Department, pk=pk)
        serializer = RecognitionChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = department_set_recognition(
            department,
            allowed=serializer.validated_data["allowed"],
            actor=request.user,
            reason=serializer.validated_data["reason"],
        )
        fresh = selectors.departments_with_recognition().get(pk=department.pk)
        body = {
            "department": fresh,
            "facial_recognition_allowed": fresh.recognition_now,
            "changed": result.changed,
            "purged_embeddings": result.purged_embeddings,
            "withdrawn_suggestions": result.withdrawn_suggestions,
        }
        return Response(RecognitionResultSerializer(body).data)


class DepartmentExport(ApiViewMixin, APIView):
    """The department's public record as a streamed ZIP of CSV files (see faces.exports)."""

    @extend_schema(responses={(200, "application/zip"): bytes})
    def get(self, request: Request, pk: int) -> StreamingHttpResponse:
        department = get_object_or_404(Department, pk=pk)
        return export_response(department)
