"""The external worker's endpoints (administrators' tokens): read the gallery, write vectors.

A GPU machine may compute embeddings, but the gate stays on this server: the gallery
lists only allowed departments (selectors.allowed_gallery_faces) and every vector is written
through face_store_embedding, which locks the departments and re-checks the policy.
"""

from __future__ import annotations

import numpy as np
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from departments.policy import RecognitionNotAllowed
from faces.api import selectors
from faces.api.filters import GalleryFilter
from faces.api.permissions import IsAdministrator
from faces.api.serializers import EmbeddingSerializer, FaceSerializer, GallerySerializer
from faces.api.views.base import ApiViewMixin
from faces.models import Face
from faces.services.processing import face_store_embedding, face_suggest
from faces.throttles import RecognitionThrottle

REFUSED = "Facial recognition is not allowed for this face's department; nothing was stored."


class GalleryPagination(PageNumberPagination):
    page_size = 200
    page_size_query_param = "page_size"
    max_page_size = 1000


class Gallery(ApiViewMixin, generics.ListAPIView):
    """Officers' gallery faces with their vectors — only departments that allow recognition now."""

    permission_classes = [IsAdministrator]
    throttle_classes: list = []
    serializer_class = GallerySerializer
    filterset_class = GalleryFilter
    pagination_class = GalleryPagination

    def get_queryset(self):
        return selectors.allowed_gallery_faces()


class FaceEmbedding(ApiViewMixin, APIView):
    permission_classes = [IsAdministrator]
    throttle_classes = [RecognitionThrottle]  # a stored vector is searched at once

    @extend_schema(
        request=EmbeddingSerializer,
        responses={200: FaceSerializer},
        summary="Store a vector computed elsewhere and search the gallery (administrators)",
    )
    def post(self, request: Request, pk: int) -> Response:
        face = get_object_or_404(Face.objects.defer("embedding").select_related("image"), pk=pk)
        serializer = EmbeddingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        vector = np.asarray(serializer.validated_data["embedding"], dtype=np.float32)
        if not face_store_embedding(face, vector):
            raise RecognitionNotAllowed(REFUSED)
        face.refresh_from_db(fields=["officer"])
        face_suggest(face, vector, actor=request.user)
        return Response(FaceSerializer(selectors.face_for_api(face.pk, viewer=request)).data)
