"""The transparency report in the API: JSON, or the monthly table as CSV (`?format=csv`).

Routed from accountability/urls_transparency.py under /api/v1/ (faces, which owns the rest
of the API, must not import accountability). Public: anyone may read aggregates.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accountability.selectors_transparency import MEASURES, transparency_report
from accountability.serializers_transparency import TransparencySerializer
from departments.models import Department
from faces.api.views.base import ApiViewMixin

# Aggregates change slowly: a minute in shared caches lets a busy link cost one report a minute.
MAX_AGE_SECONDS = 60
CSV_COLUMNS = ["month"] + [m.key for m in MEASURES]


class MonthlyCsvRenderer(BaseRenderer):
    """The report's `months` as CSV rows, one per month, oldest first; an error as its detail."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        if isinstance(data, dict) and "months" in data:
            writer.writerow(CSV_COLUMNS)
            for month in data["months"]:
                writer.writerow([month[column] for column in CSV_COLUMNS])
        elif isinstance(data, dict):
            writer.writerow(["detail"])
            writer.writerow([data.get("detail", "")])
        return out.getvalue().encode(self.charset)


FORMAT = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", "csv"],
    description="csv: the monthly counts only, one row per month, oldest first (the columns of `months`).",
)


RESPONSES = {
    (200, "application/json"): TransparencySerializer,
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The monthly counts (`?format=csv`)."),
}


class TransparencyView(ApiViewMixin, APIView):
    renderer_classes = [JSONRenderer, MonthlyCsvRenderer]

    def respond(self, department: Department | None) -> Response:
        response = Response(TransparencySerializer(transparency_report(department)).data)
        patch_cache_control(response, public=True, max_age=MAX_AGE_SECONDS)
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        renderer = getattr(request, "accepted_renderer", None)
        if renderer is not None and renderer.format == "csv" and response.status_code == 200:
            name = f"department-{kwargs['pk']}" if "pk" in kwargs else "site"
            response["Content-Disposition"] = f'attachment; filename="transparency-{name}.csv"'
        return response


class SiteTransparency(TransparencyView):
    """What the site did with faces, month by month, across all departments (aggregates only)."""

    @extend_schema(parameters=[FORMAT], responses=RESPONSES, summary="The site's transparency report")
    def get(self, request: Request) -> Response:
        return self.respond(None)


class DepartmentTransparency(TransparencyView):
    """What the site did with faces, month by month, for one department (aggregates only)."""

    @extend_schema(parameters=[FORMAT], responses=RESPONSES, summary="A department's transparency report")
    def get(self, request: Request, pk: int) -> Response:
        return self.respond(get_object_or_404(Department, pk=pk))
