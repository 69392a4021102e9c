"""POST /api/v1/reports/: a problem report through the API, same service and allowance as the form.

Routed from oversight/urls.py (faces.api must not import this app).
"""

from __future__ import annotations

from typing import NoReturn

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accountability.errors import ReportThrottled
from accountability.forms import ID_MAX
from accountability.models import ProblemReport
from accountability.services import EMAIL_MAX, MESSAGE_MAX, report_create
from accountability.throttles import REPORT_THROTTLES
from departments.models import Officer
from faces.api.views.base import ApiViewMixin
from faces.models import Face, Image
from videos.models import Video


def _id_field(queryset) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(
        queryset=queryset,
        required=False,
        allow_null=True,
        default=None,
        pk_field=serializers.IntegerField(min_value=1, max_value=ID_MAX),
    )


class ReportCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ProblemReport.Kind.choices)
    message = serializers.CharField(max_length=MESSAGE_MAX, required=False, allow_blank=True, default="")
    contact_email = serializers.EmailField(max_length=EMAIL_MAX, required=False, allow_blank=True, default="")
    image = _id_field(Image.objects.all())
    face = _id_field(Face.objects.select_related("image").defer("embedding"))
    officer = _id_field(Officer.objects.all())
    video = _id_field(Video.objects.all())


class ReportCreatedSerializer(serializers.Serializer):
    kind = serializers.CharField()
    status = serializers.CharField()
    status_url = serializers.URLField(help_text="The reporter's private page; the only way to see the report again.")


class ReportCreate(ApiViewMixin, APIView):
    throttle_classes = list(REPORT_THROTTLES)

    def throttled(self, request: Request, wait: float | None) -> NoReturn:
        raise Throttled(wait=wait, detail=ReportThrottled(wait or 60).message)

    @extend_schema(
        request=ReportCreateSerializer,
        responses={
            201: ReportCreatedSerializer,
            400: OpenApiResponse(description="Invalid or inconsistent report"),
            429: OpenApiResponse(description="Too many reports for now; nothing was stored"),
        },
        summary="Report a problem with a photo, a face, a video or an officer page (anyone, rate-limited)",
        tags=["reports"],
    )
    def post(self, request: Request) -> Response:
        serializer = ReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = report_create(**serializer.validated_data)
        url = request.build_absolute_uri(reverse("report_status", args=[report.token]))
        body = ReportCreatedSerializer({"kind": report.kind, "status": report.status, "status_url": url}).data
        return Response(body, status=status.HTTP_201_CREATED)
