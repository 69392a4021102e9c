"""Reads of problem reports: a report by its private token, the coordinators' lists and counts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, Expression, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accountability.models import ProblemReport
from departments.models import Officer
from faces.models import Face, Image
from videos.models import Video

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # a dev dependency: types only

# secrets.token_urlsafe(32) gives 43 characters; anything else cannot be a token.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def report_by_token(token: str) -> ProblemReport | None:
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return None
    return ProblemReport.objects.filter(token=token).select_related("department").first()


def open_report_counts(department_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Open reports per department id (departments without any are absent)."""
    rows = ProblemReport.objects.filter(status=ProblemReport.Status.OPEN)
    if department_ids is not None:
        rows = rows.filter(department_id__in=list(department_ids))
    counts = rows.values("department_id").annotate(n=Count("id")).values_list("department_id", "n")
    return dict(counts)


class FaceNumbered(TypedDict):
    face_number_in_photo: int


def _face_number_in_photo() -> Expression:
    """face_number() of the report's face, in the list's own query (1 where there is no face)."""
    earlier = (
        Face.objects.order_by()
        .filter(image_id=OuterRef("face__image_id"), pk__lt=OuterRef("face_id"))
        .values("image_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(earlier, output_field=IntegerField()), Value(0)) + 1


def department_reports(
    department_id: int, *, open_only: bool
) -> QuerySet[WithAnnotations[ProblemReport, FaceNumbered]]:
    """The department's reports, each with `face_number_in_photo` for subject_label: a list of
    reports must not count each face's predecessors in a query of its own."""
    rows = (
        ProblemReport.objects.filter(department_id=department_id)
        .select_related("face", "officer", "image", "video")
        .defer("face__embedding")  # a list of reports never needs the descriptor
        .annotate(face_number_in_photo=_face_number_in_photo())
    )
    if open_only:
        return rows.filter(status=ProblemReport.Status.OPEN)
    return rows.exclude(status=ProblemReport.Status.OPEN).order_by("-resolved_at", "-id")


def face_number(face: Face) -> int:
    """The face's number on its photo page (faces are listed by id there)."""
    return Face.objects.filter(image_id=face.image_id, pk__lt=face.pk).count() + 1


def subject_label(
    image: Image | None,
    face: Face | None,
    officer: Officer | None,
    video: Video | None = None,
    *,
    face_number_in_photo: int | None = None,
) -> str:
    """What a report is about, in words that name nobody who is not publicly named already.

    `face_number_in_photo` is the face's face_number() where the caller has it already
    (department_reports annotates it).
    """
    if video is not None:
        return f"Video {video.pk}"
    if face is not None:
        number = face_number(face) if face_number_in_photo is None else face_number_in_photo
        return f"Face {number} in photo {face.image_id}"
    if image is not None:
        return f"Photo {image.pk}"
    if officer is not None:
        return f"The page of officer {officer.full_name}"
    return "Something that has since been removed"
