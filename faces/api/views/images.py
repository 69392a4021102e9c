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
from faces.api.exceptions import ApiError
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
from faces.pipeline.decode import ImageRejected
from faces.services import review
from faces.services.uploads import InvalidBox, StorageUnavailable, face_box_create, image_create
from faces.throttles import UPLOAD_THROTTLES, RecognitionThrottle


class ImageUpload(ApiViewMixin, APIView):
    """POST images/: multipart {file, department}."""

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
        try:
            result = image_create(
                upload=upload,
                department=serializer.validated_data["department"],
                uploaded_by=request.user,
                filename=getattr(upload, "name", ""),
            )
        except ImageRejected as exc:
            raise ApiError(str(exc), status_code=exc.http_status, errors={"file": [str(exc)]}, code=exc.code) from exc
        except StorageUnavailable as exc:
            raise ApiError(
                str(exc), status_code=503, code="storage_unavailable", headers={"Retry-After": "60"}
            ) from exc
        body = ImageCreatedSerializer(result.image, context={"duplicate": not result.created}).data
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class ImageDetail(ApiViewMixin, APIView):
    @extend_schema(responses={200: ImageDetailSerializer}, summary="A photo, its faces and (where allowed) suggestions")
    def get(self, request: Request, pk: int) -> Response:
        image = get_object_or_404(Image, pk=pk)
        return Response(ImageDetailSerializer(selectors.image_for_api(image)).data)


class ImageFaces(ApiViewMixin, APIView):
    """POST images/{id}/faces/: a box drawn by a person; embedding and search are queued."""

    throttle_classes = [RecognitionThrottle]  # it may run a gallery search

    @extend_schema(request=FaceBoxSerializer, responses={201: FaceSerializer}, summary="Add a face box")
    def post(self, request: Request, pk: int) -> Response:
        image = get_object_or_404(Image, pk=pk)
        serializer = FaceBoxSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        box = serializer.validated_data["box"]
        try:
            face = face_box_create(image=image, created_by=request.user, **box)
        except InvalidBox as exc:
            raise ApiError(str(exc), errors={"box": [str(exc)]}, code="invalid_box") from exc
        return Response(FaceSerializer(selectors.face_for_api(face.pk)).data, status=status.HTTP_201_CREATED)


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
        try:
            image = review.image_sort(
                image, contains_officers=serializer.validated_data["contains_officers"], actor=request.user
            )
        except review.ReviewError as exc:
            raise ApiError(str(exc), code="review_error") from exc
        return Response(ImageDetailSerializer(selectors.image_for_api(image)).data)
