"""Photos: upload (anyone, throttled), read, draw a face box, sort (volunteers)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from faces.api import selectors
from faces.api.permissions import IsVolunteer
from faces.api.serializers import (
    FaceBoxSerializer,
    FaceSerializer,
    ImageCreatedSerializer,
    ImageDetailSerializer,
    ImageUploadSerializer,
    SortSerializer,
)
from faces.api.views.base import ApiViewMixin
from faces.models import Image
from faces.services import review
from faces.services.uploads import face_box_create, image_create
from faces.throttles import UPLOAD_THROTTLES, RecognitionThrottle
from faces.uploader import upload_marker


class ImageUpload(ApiViewMixin, APIView):
    """POST images/: multipart {file, department, notify_email (optional)}."""

    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = list(UPLOAD_THROTTLES)

    @extend_schema(
        request={"multipart/form-data": ImageUploadSerializer},
        responses={201: ImageCreatedSerializer, 200: ImageCreatedSerializer},
        summary="Upload a photo (a duplicate returns the existing photo with duplicate=true)",
    )
    def post(self, request: Request) -> Response:
        # An oversize body was already refused unread (ApiViewMixin.initial).
        serializer = ImageUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        result = image_create(
            upload=upload,
            department=serializer.validated_data["department"],
            uploaded_by=request.user,
            filename=getattr(upload, "name", ""),
            uploader_session=upload_marker(request.user, request.session),
            notify_email=serializer.validated_data.get("notify_email", ""),
        )
        body = ImageCreatedSerializer(result.image, context={"duplicate": not result.created}).data
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class ImageDetail(ApiViewMixin, APIView):
    @extend_schema(responses={200: ImageDetailSerializer}, summary="A photo, its faces and (where allowed) suggestions")
    def get(self, request: Request, pk: int) -> Response:
        image = get_object_or_404(Image, pk=pk)
        return Response(ImageDetailSerializer(selectors.image_for_api(image, viewer=request)).data)


class ImageFaces(ApiViewMixin, APIView):
    """POST images/{id}/faces/: a box drawn by a person; embedding and search are queued."""

    throttle_classes = [RecognitionThrottle]  # it may run a gallery search

    @extend_schema(request=FaceBoxSerializer, responses={201: FaceSerializer}, summary="Add a face box")
    def post(self, request: Request, pk: int) -> Response:
        image = get_object_or_404(Image, pk=pk)
        serializer = FaceBoxSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        box = serializer.validated_data["box"]
        face = face_box_create(image=image, created_by=request.user, **box)
        return Response(
            FaceSerializer(selectors.face_for_api(face.pk, viewer=request)).data, status=status.HTTP_201_CREATED
        )


class ImageSort(ApiViewMixin, APIView):
    permission_classes = [IsVolunteer]
    throttle_classes: list = []

    @extend_schema(
        request=SortSerializer,
        responses={200: ImageDetailSerializer},
        summary="Say whether the photo shows police officers (volunteers)",
    )
    def post(self, request: Request, pk: int) -> Response:
        image = get_object_or_404(Image, pk=pk)
        serializer = SortSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The same service as the dashboard: a photo already sorted is refused with a 409.
        image = review.image_sort(
            image, contains_officers=serializer.validated_data["contains_officers"], actor=request.user
        )
        return Response(ImageDetailSerializer(selectors.image_for_api(image, viewer=request)).data)
