"""Roster uploads kept between preview and apply: who they record, the previewed plan only, their files' lifetime."""

from __future__ import annotations

import datetime

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from departments.models import Officer, RecordChange, RosterUpload
from departments.services import SYSTEM, officer_update
from departments.services.roster_uploads import roster_previews_prune, roster_upload_apply, roster_upload_preview
from departments.tasks import prune_roster_previews

EFFECTIVE = datetime.date(2024, 7, 1)
ROSTER = "employee_id,badge_number,first_name,last_name\nE-1,1001,Ana,Ruiz\n"


def upload(content: str = ROSTER) -> SimpleUploadedFile:
    return SimpleUploadedFile("roster.csv", content.encode(), content_type="text/csv")


def preview(department, content: str = ROSTER, actor=SYSTEM) -> RosterUpload:
    report, stored = roster_upload_preview(department, upload(content), actor=actor, effective_date=EFFECTIVE)
    assert report.ok and stored is not None
    return stored


def test_the_system_actor_previews_and_applies_recording_no_person(
    allowed_department, django_capture_on_commit_callbacks
):
    stored = preview(allowed_department)
    assert stored.uploaded_by is None and len(stored.plan_digest) == 64
    with django_capture_on_commit_callbacks(execute=True):
        report, stored = roster_upload_apply(stored, actor=SYSTEM)
    assert report is not None and report.applied and stored.applied_by is None
    assert RecordChange.objects.get(what="roster.import").actor is None


def test_an_apply_never_reverts_a_correction_made_after_the_preview(allowed_department, users):
    preview(allowed_department)
    roster_upload_apply(RosterUpload.objects.get(), actor=SYSTEM)
    stored = preview(allowed_department, ROSTER.replace("Ruiz", "Ruiz-Vega"))  # shows only last_name changing
    officer = Officer.objects.get()
    officer_update(officer, actor=users["coordinator"], first_name="Anna")  # a correction meanwhile
    report, stored = roster_upload_apply(stored, actor=users["coordinator"])
    assert report is not None and report.plan_changed and not report.applied
    officer.refresh_from_db()
    assert (officer.first_name, officer.last_name) == ("Anna", "Ruiz")
    assert stored.applied_at is None
    assert stored.preview["changes"][0]["fields"]["first_name"] == ["Anna", "Ana"]  # the new preview shows it
    report, stored = roster_upload_apply(stored, actor=users["coordinator"])  # applied after review
    assert report is not None and report.applied
    officer.refresh_from_db()
    assert (officer.first_name, officer.last_name) == ("Ana", "Ruiz-Vega")


def test_the_file_is_deleted_once_applied_and_the_report_kept(allowed_department, django_capture_on_commit_callbacks):
    stored = preview(allowed_department)
    name = stored.file.name
    with django_capture_on_commit_callbacks(execute=True):
        roster_upload_apply(stored, actor=SYSTEM)
    stored.refresh_from_db()
    assert not stored.file and not default_storage.exists(name)
    assert stored.report["created"] == 1


def test_previews_older_than_the_setting_are_pruned_and_newer_ones_kept(
    allowed_department, settings, django_capture_on_commit_callbacks
):
    settings.ROSTER_PREVIEW_KEEP_DAYS = 7
    old, new = preview(allowed_department), preview(allowed_department)
    RosterUpload.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    old_name = old.file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert prune_roster_previews() == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.expired_at is not None and not old.file and old.preview["changes"] == []
    assert not default_storage.exists(old_name)
    assert new.expired_at is None and default_storage.exists(new.file.name)
    assert roster_previews_prune() == 0


def test_deleting_an_upload_deletes_its_file(allowed_department, django_capture_on_commit_callbacks):
    stored = preview(allowed_department)
    name = stored.file.name
    with django_capture_on_commit_callbacks(execute=True):
        allowed_department.roster_uploads.all().delete()
    assert not default_storage.exists(name)


def test_beat_runs_the_pruning_task_by_its_registered_name():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["prune-roster-previews"]
    assert entry["task"] == prune_roster_previews.name == "departments.tasks.prune_roster_previews"
