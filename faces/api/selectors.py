"""Reads for the API. The gate itself is not repeated here:

- suggestions come from faces.selectors.public_suggestions, the same read the pages use
  (shown only while recognition is allowed for the photo's department *now*, and only for
  officers of departments that allow it now — docs/architecture.md, rule 3), and only to the viewers
  faces.selectors.suggestions_visible_to() names: the uploader and volunteers (rule 6);
- the gallery served to external workers holds only what rule 2 allows;
- vectors are never loaded for display: `embedded` is computed in SQL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from departments import policy
from departments.models import Department, Officer
from faces.models import Face, Image
from faces.selectors import Viewer, public_suggestions, suggestion_face_limit, suggestions_visible_to

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # a dev dependency: types only


class RecognitionNow(TypedDict):
    recognition_now: bool


def departments_with_recognition() -> QuerySet[WithAnnotations[Department, RecognitionNow]]:
    """Departments annotated with whether recognition is allowed now (flag and state rules)."""
    return Department.objects.annotate(
        recognition_now=ExpressionWrapper(policy.allowed_departments_q(), output_field=BooleanField())
    ).order_by("state", "name", "pk")


def officers() -> QuerySet[Officer]:
    return Officer.objects.select_related("department").order_by("last_name", "first_name", "pk")


def _faces() -> QuerySet[Face]:
    return (
        Face.objects.defer("embedding")
        .annotate(has_embedding=ExpressionWrapper(Q(embedding__isnull=False), output_field=BooleanField()))
        .select_related("officer")
        .order_by("x", "y", "pk")
    )


def _visible_suggestions(image: Image, viewer: Viewer) -> dict:
    if not suggestions_visible_to(viewer, image):
        return {}
    return public_suggestions(image, limit=suggestion_face_limit(viewer))


def image_for_api(image: Image, *, viewer: Viewer) -> Image:
    """The photo with its faces and, where the gate and the viewer allow, their pending suggestions."""
    by_face = _visible_suggestions(image, viewer)
    image.api_faces = list(_faces().filter(image=image))
    for face in image.api_faces:
        face.visible_suggestions = by_face.get(face.pk, [])
    return image


def face_for_api(face_id: int, *, viewer: Viewer) -> Face:
    face = _faces().select_related("image").get(pk=face_id)
    face.visible_suggestions = _visible_suggestions(face.image, viewer).get(face.pk, [])
    return face


def allowed_gallery_faces() -> QuerySet[Face]:
    """Rule 2: identified, usable, embedded, and both departments allow recognition now."""
    return (
        Face.objects.filter(officer__isnull=False, use_for_recognition=True, is_civilian=False, embedding__isnull=False)
        .filter(policy.allowed_departments_q("officer__department__"))
        .filter(policy.allowed_departments_q("image__department__"))
        .select_related("officer")
        .order_by("pk")
    )
