"""The video API: POST /api/v1/videos/ (anyone, throttled like photo uploads), GET /api/v1/videos/{id}/.

Routed from oversight/urls.py: faces.api must not import this app.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from faces.api.exceptions import payload_too_large
from faces.api.views.base import ApiViewMixin, declared_length
from faces.throttles import UPLOAD_THROTTLES
from faces.uploader import upload_marker
from videos.selectors import video_for_page, video_page_data
from videos.serializers import VideoSerializer, VideoUploadSerializer, video_body
from videos.services.uploads import video_create
from videos.validation import VideoLimits

BODY_SLACK = 1024 * 1024  # the form's other fields and the multipart framing


class VideoUpload(ApiViewMixin, APIView):
    """POST videos/: multipart {file, department}."""

    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = list(UPLOAD_THROTTLES)

    def initial(self, request, *args, **kwargs) -> None:
        # The one endpoint whose body may exceed DATA_UPLOAD_MAX_MEMORY_SIZE (the photo cap
        # ApiViewMixin applies): checked against the video limit, still before reading it.
        if declared_length(request) > settings.VIDEO_MAX_BYTES + BODY_SLACK:
            raise payload_too_large(VideoLimits.from_settings().size_message())
        APIView.initial(self, request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": VideoUploadSerializer},
        responses={201: VideoSerializer, 200: VideoSerializer},
        summary="Upload a video (a duplicate returns the existing video with duplicate=true)",
    )
    def post(self, request: Request) -> Response:
        serializer = VideoUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        result = video_create(
            upload,
            department=serializer.validated_data["department"],
            uploaded_by=request.user,
            uploader_session=upload_marker(request.user, request.session),
            original_filename=getattr(upload, "name", ""),
        )
        body = video_body(video_page_data(result.video), duplicate=not result.created)
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class VideoDetail(ApiViewMixin, APIView):
    @extend_schema(responses={200: VideoSerializer}, summary="A video: status, progress, public rendition, faces")
    def get(self, request: Request, pk: int) -> Response:
        video = video_for_page(pk)
        if video is None:
            raise Http404("No such video.")
        return Response(video_body(video_page_data(video)))
