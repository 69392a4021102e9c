"""POST departments/{id}/roster/: a roster CSV, checked (dry_run) or imported, in one request.

The same `departments.roster.roster_import` as the page and the command. The answer is the
report (`RosterReport.as_dict()`): 200 when applied or when a dry run found no error, 400 with
the same report when the file has errors (nothing written). A dry run's report carries the
plan's digest; sent back as `expect_digest`, the import writes only that plan (409 with the new
report when the roster changed meanwhile so that the file would now change something else).
"""

from __future__ import annotations

import io

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import roles
from departments.models import Department
from departments.roster import roster_import
from departments.services.roster_uploads import clean_file_name, read_roster_upload
from faces.api.permissions import ReadOrEditOfficers
from faces.api.views.base import ApiViewMixin
from faces.throttles import UPLOAD_THROTTLES


class RosterImportSerializer(serializers.Serializer):
    # Empty files reach the import, which says what a roster's first line must be.
    file = serializers.FileField(allow_empty_file=True, help_text="The roster CSV, UTF-8 (a BOM is fine).")
    dry_run = serializers.BooleanField(default=False, help_text="Check and report; write nothing.")
    effective_date = serializers.DateField(
        required=False, allow_null=True, help_text="When badge, rank and unit changes take effect (default today)."
    )
    expect_digest = serializers.RegexField(
        r"^[0-9a-f]{64}$",
        required=False,
        help_text=(
            "The plan_digest of a dry run of this file: import only if the file still makes exactly the "
            "changes that dry run reported (else 409 and nothing is written)."
        ),
    )


class RosterErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    column = serializers.CharField(allow_null=True)
    message = serializers.CharField()


# "fields" and "errors" are attributes of DRF's Serializer, so these two describe the report
# for the schema through inline_serializer (a class built at run time) instead of a class body.
ROSTER_CHANGE = inline_serializer(
    name="RosterChange",
    fields={
        "line": serializers.IntegerField(),
        "key": serializers.CharField(help_text='e.g. "employee_id E-1" or "badge_number 1001"'),
        "action": serializers.ChoiceField(choices=["create", "update"]),
        "fields": serializers.DictField(
            child=serializers.ListField(min_length=2, max_length=2),
            help_text="field name -> [before, after] (before is null for a new officer)",
        ),
    },
    many=True,
)
ROSTER_REPORT = inline_serializer(
    name="RosterReport",
    fields={
        "file_name": serializers.CharField(),
        "dry_run": serializers.BooleanField(),
        "applied": serializers.BooleanField(),
        "effective_date": serializers.DateField(allow_null=True),
        "rows": serializers.IntegerField(),
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "assignments_changed": serializers.IntegerField(),
        "unknown_columns": serializers.ListField(child=serializers.CharField()),
        "errors": RosterErrorSerializer(many=True),
        "errors_truncated": serializers.BooleanField(),
        "changes": ROSTER_CHANGE,
        "changes_truncated": serializers.BooleanField(),
        "plan_digest": serializers.CharField(
            allow_null=True, help_text="SHA-256 of every change the file makes (null when it has errors)."
        ),
        "plan_changed": serializers.BooleanField(
            help_text="True when expect_digest no longer matched: nothing was written (409)."
        ),
    },
)


class DepartmentRoster(ApiViewMixin, APIView):
    """Coordinators of the department and administrators; all rows or none."""

    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [ReadOrEditOfficers]
    throttle_classes = list(UPLOAD_THROTTLES)

    @extend_schema(
        request={"multipart/form-data": RosterImportSerializer},
        responses={200: ROSTER_REPORT, 400: ROSTER_REPORT, 409: ROSTER_REPORT},
        summary="Import a department's roster CSV (coordinators of the department, administrators)",
        description=(
            "Columns by header name (employee_id, badge_number, first_name, middle_name, last_name, suffix, "
            "rank, unit, employment_date, separation_date, gender, race, birth_year; OpenOversight's headers "
            "too). Officers are matched by employee_id, else badge_number; officers absent from the file are "
            "untouched. A changed badge, rank or unit closes the current assignment and opens one on "
            "effective_date. 200: applied, or a dry run with no error. 400: the report with every error by "
            "line and column; nothing was written (an effective_date more than 50 years from today is an "
            "error too). 409: expect_digest was given and the file now makes other changes than that dry "
            "run reported (the roster changed meanwhile); nothing was written, the report is the new plan. "
            "413: the file is over ROSTER_MAX_BYTES."
        ),
        examples=[
            OpenApiExample(
                "A dry run with one error",
                response_only=True,
                status_codes=["400"],
                value={
                    "file_name": "roster.csv",
                    "dry_run": True,
                    "applied": False,
                    "effective_date": "2024-07-01",
                    "rows": 2,
                    "created": 1,
                    "updated": 0,
                    "unchanged": 0,
                    "assignments_changed": 0,
                    "unknown_columns": ["notes"],
                    "errors": [{"line": 3, "column": "birth_year", "message": "'19x5' is not a plausible birth year"}],
                    "errors_truncated": False,
                    "changes": [],
                    "changes_truncated": False,
                    "plan_digest": None,
                    "plan_changed": False,
                },
            )
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        department = get_object_or_404(Department, pk=pk)
        if not roles.can_edit_officers(request.user, department):
            raise PermissionDenied("Only coordinators of this department and administrators may import its roster.")
        serializer = RosterImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        data = read_roster_upload(upload)
        report = roster_import(
            department,
            io.BytesIO(data),
            actor=request.user,
            effective_date=serializer.validated_data.get("effective_date"),
            dry_run=serializer.validated_data["dry_run"],
            file_name=clean_file_name(getattr(upload, "name", "") or ""),
            expect_digest=serializer.validated_data.get("expect_digest"),
        )
        answer: int
        if not report.ok:
            answer = status.HTTP_400_BAD_REQUEST
        elif report.plan_changed:
            answer = status.HTTP_409_CONFLICT
        else:
            answer = status.HTTP_200_OK
        return Response(report.as_dict(), status=answer)
