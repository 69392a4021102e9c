"""Officers: public search and profiles; creation by administrators and coordinators."""

from __future__ import annotations

from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts import roles
from departments.services import officer_create
from faces.api import selectors
from faces.api.filters import OfficerFilter
from faces.api.permissions import ReadOrEditOfficers
from faces.api.serializers import OfficerDetailSerializer, OfficerSerializer
from faces.api.views.base import ApiViewMixin


class OfficerList(ApiViewMixin, generics.ListCreateAPIView):
    serializer_class = OfficerSerializer
    filterset_class = OfficerFilter
    permission_classes = [ReadOrEditOfficers]

    def get_queryset(self):
        return selectors.officers()

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not roles.can_edit_officers(request.user, data["department"]):
            raise PermissionDenied("Coordinators may only add officers to their own department.")
        # A ValidationError from the service (duplicate badge, lengths) becomes a 400 with
        # field errors in faces.api.exceptions.
        officer = officer_create(
            department=data["department"],
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            badge_number=data["badge_number"],
            rank=data.get("rank", ""),
            unit=data.get("unit", ""),
            actor=request.user,
        )
        return Response(OfficerSerializer(officer).data, status=status.HTTP_201_CREATED)


class OfficerDetail(ApiViewMixin, generics.RetrieveAPIView):
    serializer_class = OfficerDetailSerializer

    def get_queryset(self):
        return selectors.officers()
