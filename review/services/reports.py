"""Resolving a problem report: the department's coordinators and administrators, once, under a lock.

Each outcome acts through the review path that already exists, so it is a recorded Decision
like any other review action (docs/architecture.md, rule 6):
- dismissed: nothing changes; a reason is required (the reporter reads it);
- identification undone: the face's standing identification is undone (`decision_undo`);
- not an officer: the face becomes a civilian (`face_identify`, after undoing an officer
  identification), which blurs it in the public rendition and takes it off officer pages;
- taken down: the photo is taken down (`faces.services.takedown.image_takedown`), or the
  video with its stills (`videos.services.takedown.video_takedown`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from accountability.errors import ReportAlreadyResolved, ReportError
from accountability.models import ProblemReport
from accountability.services import clean_text, report_close
from accounts import roles
from departments.models import Department
from faces.models import Decision, Face, Image
from faces.services import review as face_review
from oversight.exceptions import NotPermitted
from review.services.undo import IDENTITY_KINDS, decision_undo
from videos.models import Video

Status = ProblemReport.Status
OUTCOMES = (Status.DISMISSED, Status.IDENTIFICATION_UNDONE, Status.MARKED_NOT_OFFICER, Status.TAKEN_DOWN)
TAKEDOWN_DEFAULT_REASON = "Taken down after a problem report."


def can_handle_reports(user: Any, department: Department | int | None) -> bool:
    """Who answers a department's reports: the same people who edit its officers and undo its decisions."""
    return roles.can_edit_officers(user, department)


def require_report_handler(user: Any, department: Department | int | None) -> None:
    if not can_handle_reports(user, department):
        raise NotPermitted("Only coordinators of this department and administrators handle its problem reports.")


def outcomes_for(report: ProblemReport) -> list[str]:
    """The outcomes that can apply to what the report is about (a photo or video gone leaves only dismissal)."""
    choices: list[str] = [Status.DISMISSED]
    if report.face_id is not None:
        choices += [Status.IDENTIFICATION_UNDONE, Status.MARKED_NOT_OFFICER]
    if report.image_id is not None or report.video_id is not None:
        choices.append(Status.TAKEN_DOWN)
    return choices


def _face(report: ProblemReport) -> Face:
    face = Face.objects.filter(pk=report.face_id).select_related("image").first() if report.face_id else None
    if face is None:
        raise ReportError("This report is not about a face (or the face no longer exists).")
    return face


def _standing_identification(face: Face) -> Decision | None:
    return Decision.objects.filter(face=face, kind__in=IDENTITY_KINDS, undone_at__isnull=True).order_by("-pk").first()


def _undo_identification(report: ProblemReport, actor: Any) -> None:
    face = _face(report)
    if face.officer_id is None and not face.is_civilian:
        raise ReportError("This face is not identified; there is nothing to undo.")
    decision = _standing_identification(face)
    if decision is None:
        raise ReportError("No recorded decision identified this face; ask an administrator.")
    decision_undo(decision, actor=actor)


def _mark_not_officer(report: ProblemReport, actor: Any) -> None:
    face = _face(report)
    if face.is_civilian:
        return  # already what the report asks: nothing to decide again
    if face.officer_id is not None:
        _undo_identification(report, actor)
    face_review.face_identify(face, officer=None, civilian=True, actor=actor)


def _take_down(report: ProblemReport, actor: Any, reason: str) -> None:
    # Imported here: the takedown services are the faces and videos apps', and only this outcome needs them.
    from faces.services.takedown import image_takedown
    from videos.services.takedown import video_takedown

    if report.video_id is not None:
        video = Video.objects.filter(pk=report.video_id).first()
        if video is None:
            raise ReportError("The video is already gone.")
        video_takedown(video, actor=actor, reason=reason or TAKEDOWN_DEFAULT_REASON)
        return
    image = Image.objects.filter(pk=report.image_id).first() if report.image_id else None
    if image is None:
        raise ReportError("This report is not about a photo (or the photo is already gone).")
    image_takedown(image, actor=actor, reason=reason or TAKEDOWN_DEFAULT_REASON)


ACTIONS: dict[str, Callable[[ProblemReport, Any, str], None]] = {
    Status.DISMISSED: lambda report, actor, reason: None,
    Status.IDENTIFICATION_UNDONE: lambda report, actor, reason: _undo_identification(report, actor),
    Status.MARKED_NOT_OFFICER: lambda report, actor, reason: _mark_not_officer(report, actor),
    Status.TAKEN_DOWN: _take_down,
}


@transaction.atomic
def report_resolve(report: ProblemReport, *, outcome: str, reason: str, actor: Any) -> ProblemReport:
    """Resolve a report once, with one of OUTCOMES.

    1. Lock the report; only its department's coordinators and administrators may resolve it.
    2. Refuse a report already resolved (409): each resolution is final.
    3. Check the outcome applies and the reason (required for a dismissal).
    4. Act through the review services (each writes its Decision, or the takedown record).
    5. Record the outcome; the reporter's e-mail, if any, is queued and erased (report_close).
    """
    report = ProblemReport.objects.select_for_update(of=("self",)).get(pk=report.pk)
    require_report_handler(actor, report.department_id)
    if report.status != Status.OPEN:
        raise ReportAlreadyResolved()
    if outcome not in outcomes_for(report):
        raise ReportError("That outcome does not apply to this report.", field="outcome")
    reason = clean_text(reason, field="reason")
    if outcome == Status.DISMISSED and not reason:
        raise ReportError("Say why the report is dismissed; the person who sent it will read it.", field="reason")
    ACTIONS[outcome](report, actor, reason)
    return report_close(report, status=outcome, resolution=reason, actor=actor)
