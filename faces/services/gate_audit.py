"""The audit that proves rule 4 holds in the data, and the purges' audit trail.

Rule 4 (DESIGN.md): the database never holds an embedding or a pending suggestion for a
face whose photo's department, or whose officer's department, may not use recognition.
The triggers of migration 0005 enforce it on every write; this module checks the data
against the *Python* policy (departments.policy.allowed_departments_q), a second
implementation of the same rule, so a trigger that was disabled, dropped or wrong shows up.

1. `gate_audit_run(fix=…)` finds every row that breaks the rule; with `fix` it purges them
   and writes a BiometricPurge row per department; either way it stores a GateAuditRun.
   It also finds departments whose flag is on in a state a rule forbids (rule 5; the
   trigger of migration 0006 prevents it) and with `fix` turns them off through
   `department_set_recognition` (audited in RecognitionChange). And face-group memberships
   across the gate (faces.services.grouping; migration 0009's triggers prevent them): with
   `fix` they are removed. And officer centroids (faces.models_gallery; migration 0010's
   triggers keep them) that stand for a disallowed department, a moved or deleted officer, or
   faces no longer in the gallery: with `fix` they are recomputed from the gallery.
2. `purges_of_this_transaction(actor)` reads what the triggers purged in the current
   transaction (the admin shows it to the person who saved) and records them as the actor.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from departments.models import Department, JurisdictionRule
from departments.policy import allowed_departments_q, forbidding_rule
from faces.models import BiometricPurge, Face, FaceGroupMember, GateAuditRun, MatchSuggestion, OfficerCentroid
from faces.services.recognition import department_set_recognition

logger = logging.getLogger(__name__)

GATE_AUDIT_REASON = "Recognition is not allowed for this department (found by the gate audit)."
DETAIL_LIMIT = 100


FLAG_FIX_REASON = "Found on by the gate audit in {state}, where a state rule forbids facial recognition: {reason}"


@dataclass(frozen=True)
class GateAuditResult:
    run: GateAuditRun
    face_ids: list[int]
    suggestion_ids: list[int]
    flag_department_ids: list[int] = field(default_factory=list)
    membership_ids: list[int] = field(default_factory=list)
    centroid_ids: list[int] = field(default_factory=list)

    @property
    def violations(self) -> int:
        return (
            len(self.face_ids)
            + len(self.suggestion_ids)
            + len(self.flag_department_ids)
            + len(self.membership_ids)
            + len(self.centroid_ids)
        )


def flags_on_under_a_rule() -> QuerySet[Department]:
    """Departments whose flag is on although a rule forbids recognition in their state."""
    forbidden_states = JurisdictionRule.objects.filter(recognition_forbidden=True).values("state")
    return Department.objects.filter(facial_recognition_allowed=True, state__in=forbidden_states)


def _allowed() -> QuerySet[Department]:
    return Department.objects.filter(allowed_departments_q())


def _face_allowed_q(prefix: str = "") -> Q:
    """A face (reached through `prefix`) whose photo and officer, if any, may use recognition."""
    allowed = _allowed()
    return Q(**{f"{prefix}image__department__in": allowed}) & (
        Q(**{f"{prefix}officer__isnull": True}) | Q(**{f"{prefix}officer__department__in": allowed})
    )


def violating_faces() -> QuerySet[Face]:
    return Face.objects.filter(embedding__isnull=False).exclude(_face_allowed_q())


def violating_suggestions() -> QuerySet[MatchSuggestion]:
    return MatchSuggestion.objects.filter(status=MatchSuggestion.Status.PENDING).exclude(
        _face_allowed_q("face__") & Q(officer__department__in=_allowed())
    )


def violating_memberships() -> QuerySet[FaceGroupMember]:
    """Group memberships the triggers of migration 0009 forbid: a group where recognition is not
    allowed, a face of another department, without an embedding, or identified already."""
    return FaceGroupMember.objects.filter(
        ~Q(group__department__in=_allowed())
        | ~Q(face__image__department=F("group__department"))
        | Q(face__embedding__isnull=True)
        | Q(face__officer__isnull=False)
        | Q(face__is_civilian=True)
    )


def violating_centroids() -> QuerySet[OfficerCentroid]:
    """Centroids migration 0010's triggers forbid: of a department that may not use recognition,
    of an officer since moved or deleted, or averaging faces that are no longer in the gallery."""
    gallery = Face.objects.filter(
        officer_id=OuterRef("officer_id"),
        embedding_variant=OuterRef("variant"),
        embedding__isnull=False,
        use_for_recognition=True,
    )
    return OfficerCentroid.objects.filter(
        ~Q(department_id__in=_allowed().values("pk"))
        | Q(officer__isnull=True)
        | ~Q(officer__department_id=F("department_id"))
        | ~Exists(gallery)
    )


def _blocked_department(department_ids: tuple[int | None, ...], allowed_ids: set[int]) -> int | None:
    """The first department on the path that may not use recognition (the one to blame)."""
    return next((pk for pk in department_ids if pk is not None and pk not in allowed_ids), None)


@transaction.atomic
def gate_audit_run(*, fix: bool = False, ran_by: str = GateAuditRun.RanBy.COMMAND) -> GateAuditResult:
    """Find every row that breaks rule 4; with `fix`, purge them and audit the purge.

    1. Lock the violating rows (FOR UPDATE) so a concurrent writer cannot slip between
       the count and the purge.
    2. With `fix`: null the embeddings, withdraw the suggestions, one BiometricPurge per
       department to blame.
    3. Departments with the flag on under a forbidding rule: with `fix`, turn each off
       through the audited service (after step 2, so the purges keep their causes).
    4. Store the run (GateAuditRun) with the counts and the first offending ids.
    """
    allowed_ids = set(_allowed().values_list("pk", flat=True))
    faces = list(
        violating_faces()
        .select_for_update(of=("self",))
        .order_by("pk")
        .values_list("pk", "image__department_id", "officer__department_id")
    )
    suggestions = list(
        violating_suggestions()
        .select_for_update(of=("self",))
        .order_by("pk")
        .values_list("pk", "face__image__department_id", "face__officer__department_id", "officer__department_id")
    )
    face_ids = [row[0] for row in faces]
    suggestion_ids = [row[0] for row in suggestions]
    membership_ids = list(
        violating_memberships().select_for_update(of=("self",)).order_by("pk").values_list("pk", flat=True)
    )
    centroids = list(
        violating_centroids().select_for_update(of=("self",)).order_by("pk").values_list("pk", "officer_id")
    )
    centroid_ids = [pk for pk, _officer in centroids]
    if fix and centroids:
        OfficerCentroid.objects.filter(pk__in=centroid_ids).delete()
        with connection.cursor() as cursor:  # what the gallery still justifies comes back, correct
            cursor.execute("SELECT faces_officercentroid_refresh(%s)", [sorted({o for _pk, o in centroids})])
    removed = 0
    if fix and membership_ids:
        # Before the embeddings are purged below: the face trigger would remove some of them
        # unrecorded. Empty groups go with their last member (trigger of migration 0009).
        removed, _ = FaceGroupMember.objects.filter(pk__in=membership_ids).delete()
    purged = withdrawn = 0
    if fix and (face_ids or suggestion_ids):
        purged = Face.objects.filter(pk__in=face_ids, embedding__isnull=False).update(
            embedding=None, embedding_skipped_reason=GATE_AUDIT_REASON
        )
        withdrawn = MatchSuggestion.objects.filter(pk__in=suggestion_ids, status=MatchSuggestion.Status.PENDING).update(
            status=MatchSuggestion.Status.WITHDRAWN, decided_at=timezone.now()
        )
        embeddings_by = Counter(_blocked_department(row[1:], allowed_ids) for row in faces)
        suggestions_by = Counter(_blocked_department(row[1:], allowed_ids) for row in suggestions)
        for department_id in sorted(set(embeddings_by) | set(suggestions_by), key=lambda pk: pk or 0):
            BiometricPurge.objects.create(
                department_id=department_id,
                cause="gate audit found data where recognition is not allowed",
                source=BiometricPurge.Source.GATE_AUDIT,
                purged_embeddings=embeddings_by[department_id],
                withdrawn_suggestions=suggestions_by[department_id],
            )
    flagged = list(flags_on_under_a_rule().select_for_update().order_by("pk"))
    turned_off = 0
    if fix:
        for department in flagged:
            rule = forbidding_rule(department.state)
            if rule is None:  # pragma: no cover - the rule was deleted meanwhile; nothing to fix
                continue
            why = FLAG_FIX_REASON.format(state=rule.state, reason=rule.legal_reason)
            department_set_recognition(department, allowed=False, actor=None, reason=why)
            turned_off += 1
    flag_ids = [department.pk for department in flagged]
    run = GateAuditRun.objects.create(
        ran_by=ran_by,
        fix=fix,
        embeddings_found=len(face_ids),
        suggestions_found=len(suggestion_ids),
        embeddings_purged=purged,
        suggestions_withdrawn=withdrawn,
        flags_found=len(flag_ids),
        flags_turned_off=turned_off,
        memberships_found=len(membership_ids),
        memberships_removed=removed,
        details={
            "face_ids": face_ids[:DETAIL_LIMIT],
            "suggestion_ids": suggestion_ids[:DETAIL_LIMIT],
            "flag_department_ids": flag_ids[:DETAIL_LIMIT],
            "membership_ids": membership_ids[:DETAIL_LIMIT],
            "centroids_found": len(centroid_ids),
            "centroids_recomputed": len(centroid_ids) if fix else 0,
            "centroid_ids": centroid_ids[:DETAIL_LIMIT],
        },
    )
    if face_ids or suggestion_ids or flag_ids or membership_ids or centroid_ids:
        logger.warning(
            "gate audit: %d embeddings, %d pending suggestions, %d recognition flags, %d face-group memberships "
            "and %d officer centroids where recognition is not allowed (%s)",
            len(face_ids),
            len(suggestion_ids),
            len(flag_ids),
            len(membership_ids),
            len(centroid_ids),
            "fixed" if fix else "not fixed",
        )
    return GateAuditResult(run, face_ids, suggestion_ids, flag_ids, membership_ids, centroid_ids)


def purges_of_this_transaction(*, actor=None) -> list[BiometricPurge]:
    """What the triggers purged in the current transaction; records `actor` on those rows.

    Call it inside the transaction that saved (the admin's change views are atomic).
    """
    rows = BiometricPurge.objects.filter(transaction_id=RawSQL("txid_current()", ()))
    if getattr(actor, "pk", None):
        rows.filter(actor__isnull=True).update(actor=actor)
    return list(rows.select_related("department").order_by("pk"))


def purge_message(purge: BiometricPurge) -> str:
    """One sentence for the person whose edit caused the purge."""
    department = purge.department
    where = f"{department.name} ({department.state})" if department else "its department"
    return (
        f"{_plural(purge.purged_embeddings, 'embedding')} purged and "
        f"{_plural(purge.withdrawn_suggestions, 'pending suggestion')} withdrawn because facial recognition "
        f"is not allowed in {where}: {purge.cause}."
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
