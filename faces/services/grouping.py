"""Groups of unidentified faces that look like one person, so volunteers identify them at once.

Groups are derived from embeddings, so they live only where recognition is allowed and
go with the embeddings: `purge_department` deletes a department's groups, and the
triggers of migration 0009 drop a face's membership whenever it loses its embedding, gets
an identity or changes department (and refuse a membership across the gate).

1. `face_group_assign(face_id)` — a newly embedded face joins (or forms, or merges) groups
   by faces.clustering.assign, with its neighbours from one pgvector query scoped to its
   department, under the policy's share lock and a per-department advisory lock (two
   workers never group one department at once).
2. `department_regroup(department)` — re-cluster a department from scratch (the
   `group_faces` command), with faces.clustering.incremental in arrival order.
3. `faces_group_later(faces)` — queue 1 for faces just embedded (the worker's hook).
4. `group_remove_members(group, face_ids)` — a volunteer takes wrong faces out of a group.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable, Sequence

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from pgvector.django import L2Distance

from departments import policy
from departments.models import Department
from faces import clustering
from faces.models import Face, FaceGroup, FaceGroupMember
from faces.pipeline.embed import current_embedding_variant

logger = logging.getLogger(__name__)

# Namespace of the per-department advisory lock (pg_advisory_xact_lock(namespace, department)).
_LOCK_NAMESPACE = zlib.crc32(b"faces.grouping") & 0x7FFFFFFF


def group_threshold() -> float:
    return float(settings.FACES_GROUP_THRESHOLD)


def groupable_faces(department_id: int):
    """Faces that may be grouped: embedded in the current descriptor space, unidentified, on a
    photo of this department (checked on the live photo row, not only the copied column)."""
    return Face.objects.filter(
        image_department_id=department_id,
        image__department_id=department_id,
        embedding__isnull=False,
        embedding_variant=current_embedding_variant(),
        officer__isnull=True,
        is_civilian=False,
    )


def _lock_department(department_id: int) -> bool:
    """Advisory lock for this department's groups, then the policy's share lock: may we group?"""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, int(department_id)])
    return policy.lock_recognition_allowed(department_id)


def _vectors(face_ids: Sequence[int]) -> np.ndarray:
    rows = Face.objects.filter(pk__in=list(face_ids)).values_list("embedding", flat=True)
    return np.asarray([np.asarray(v, dtype=np.float32) for v in rows])


@transaction.atomic
def face_group_assign(face_id: int) -> FaceGroup | None:
    """Put one embedded, unidentified face into the group it belongs to (or none); idempotent.

    1. Lock the department's grouping and check the gate; a face already grouped, decided
       or without an embedding is left alone.
    2. Its nearest groupable neighbours within the threshold, in its department only.
    3. faces.clustering.assign decides: join a group, pair with a lone face, merge groups.
    """
    face = Face.objects.filter(pk=face_id).values("pk", "image__department_id").first()
    if face is None:
        return None
    department_id = face["image__department_id"]
    if not _lock_department(department_id):
        return None
    me = groupable_faces(department_id).filter(pk=face_id).values_list("embedding", flat=True).first()
    if me is None:
        return None
    membership = FaceGroupMember.objects.filter(face_id=face_id).select_related("group").first()
    if membership is not None:
        return membership.group
    threshold = group_threshold()
    neighbours = list(
        groupable_faces(department_id)
        .exclude(pk=face_id)
        .annotate(distance=L2Distance("embedding", me))
        .filter(distance__lt=threshold)
        .order_by("distance")
        .values_list("pk", "group_membership__group_id")[: clustering.NEIGHBOURS]
    )
    candidates: list[clustering.Candidate] = []
    seen: set[int] = set()
    for pk, group_id in neighbours:
        if group_id is None:
            candidates.append(clustering.Candidate(_vectors([pk]), face=pk))
        elif group_id not in seen:
            seen.add(group_id)
            members = FaceGroupMember.objects.filter(group_id=group_id).values_list("face_id", flat=True)
            candidates.append(clustering.Candidate(_vectors(list(members)), group=group_id))
    outcome = clustering.assign(np.asarray(me, dtype=np.float32), candidates, threshold)
    if outcome.join is None:
        return None
    group = _target_group(outcome.join, department_id)
    FaceGroupMember.objects.create(group=group, face_id=face_id)
    for other in outcome.merge:
        if other.group is not None and other.group != group.pk:
            FaceGroupMember.objects.filter(group_id=other.group).update(group=group)
            FaceGroup.objects.filter(pk=other.group).delete()
        elif other.face is not None:
            FaceGroupMember.objects.create(group=group, face_id=other.face)
    FaceGroup.objects.filter(pk=group.pk).update(updated_at=timezone.now())
    return group


def _target_group(join: clustering.Candidate, department_id: int) -> FaceGroup:
    if join.group is not None:
        return FaceGroup.objects.get(pk=join.group)
    assert join.face is not None  # a candidate is a group or a lone face
    group = FaceGroup.objects.create(department_id=department_id)
    FaceGroupMember.objects.create(group=group, face_id=join.face)
    return group


@transaction.atomic
def department_regroup(department: Department | int) -> int:
    """Re-cluster a department's groupable faces from scratch; returns how many groups it made.

    Where recognition is not allowed, every group of the department is deleted and none is made.
    """
    department_id: int = department.pk if isinstance(department, Department) else department
    allowed = _lock_department(department_id)
    FaceGroup.objects.filter(department_id=department_id).delete()
    if not allowed:
        return 0
    rows = list(groupable_faces(department_id).order_by("created_at", "pk").values_list("pk", "embedding"))
    if len(rows) < 2:
        return 0
    labels = clustering.incremental(np.asarray([np.asarray(v) for _, v in rows], dtype=np.float32), group_threshold())
    by_label: dict[int, list[int]] = {}
    for (pk, _), label in zip(rows, labels.tolist(), strict=True):
        if label >= 0:
            by_label.setdefault(label, []).append(pk)
    groups = FaceGroup.objects.bulk_create([FaceGroup(department_id=department_id) for _ in by_label])
    FaceGroupMember.objects.bulk_create(
        [
            FaceGroupMember(group=group, face_id=pk)
            for group, members in zip(groups, by_label.values(), strict=True)
            for pk in members
        ]
    )
    return len(groups)


def faces_group_later(faces: Iterable[Face]) -> None:
    """After commit, queue grouping for faces just embedded (a broker outage only delays groups:
    `manage.py group_faces` rebuilds them)."""
    face_ids = [face.pk for face in faces]
    if face_ids:
        transaction.on_commit(lambda: _queue(face_ids))


def _queue(face_ids: list[int]) -> None:
    from faces.tasks import group_faces  # tasks import the services: a module-level import would cycle

    try:
        group_faces.delay(face_ids)
    except Exception:
        logger.exception("could not queue grouping of faces %s", face_ids[:10])


@transaction.atomic
def group_remove_members(group: FaceGroup, face_ids: Iterable[int]) -> int:
    """Take faces out of a group (a person saw they are someone else); returns how many left it."""
    removed, _ = FaceGroupMember.objects.filter(group_id=group.pk, face_id__in=list(face_ids)).delete()
    return removed
