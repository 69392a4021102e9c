"""`manage.py gate_audit`: proves rule 4 in the data, purges with --fix, runs from beat,
and its last result shows on the jurisdiction page.

Violations cannot be made through the ORM any more (the triggers of migration 0005 purge
them), so these tests make them the way a broken deployment would: with the triggers
disabled for a moment.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from departments.models import Department, JurisdictionRule, Officer
from faces import tasks
from faces.models import BiometricPurge, Face, GateAuditRun, Image, MatchSuggestion
from faces.services import recognition
from faces.services.gate_audit import violating_faces, violating_suggestions
from oversight.celery import app
from tests import factories
from tests.admin_forms import post_admin_change
from tests.conftest import client_for
from tests.gate import VECTOR, World, build_world, embedded, pending

GATE_TRIGGERS = {
    "faces_face": "faces_face_biometric_gate",
    "faces_matchsuggestion": "faces_matchsuggestion_biometric_gate",
    "faces_image": "faces_image_biometric_gate",
    "departments_officer": "departments_officer_biometric_gate",
    "departments_department": "departments_department_biometric_gate",
    "departments_jurisdictionrule": "departments_jurisdictionrule_biometric_gate",
}


@contextmanager
def gate_triggers_disabled() -> Iterator[None]:
    _alter_gate_triggers("DISABLE")
    try:
        yield
    finally:
        _alter_gate_triggers("ENABLE")


def _alter_gate_triggers(action: str) -> None:
    with connection.cursor() as cursor:
        # ALTER TABLE refuses while deferred foreign-key checks are pending: run them first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, trigger in GATE_TRIGGERS.items():
            cursor.execute(f"ALTER TABLE {table} {action} TRIGGER {trigger}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def gate_audit(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("gate_audit", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def broken(db) -> World:
    """A photo moved to Illinois while the safety net was off: 2 embeddings, 1 suggestion left."""
    world = build_world()
    with gate_triggers_disabled():
        Image.objects.filter(pk=world.image.pk).update(department=world.illinois)
    assert (embedded(world), pending(world)) == (2, 1)
    return world


def test_it_finds_nothing_on_a_clean_database_and_exits_zero(db):
    build_world()

    out = gate_audit()

    assert "no embedding or pending suggestion breaks the gate" in out
    run = GateAuditRun.objects.get()
    assert (run.violations, run.fix, run.ran_by) == (0, False, "command")


def test_it_reports_violations_and_exits_non_zero_without_fix(broken):
    with pytest.raises(CommandError) as failure:
        gate_audit()

    assert failure.value.returncode == 1
    run = GateAuditRun.objects.get()
    assert (run.embeddings_found, run.suggestions_found, run.fixed) == (2, 1, 0)
    assert sorted(run.details["face_ids"]) == sorted([broken.gallery_face.pk, broken.probe_face.pk])
    assert run.details["suggestion_ids"] == [broken.suggestion.pk]
    assert (embedded(broken), pending(broken)) == (2, 1)  # reported, not touched
    assert not BiometricPurge.objects.exists()


def test_fix_purges_records_the_purge_and_leaves_a_clean_database(broken):
    out = gate_audit("--fix")

    assert "Fixed: 2 embeddings purged, 1 suggestions withdrawn" in out
    assert (embedded(broken), pending(broken)) == (0, 0)
    purge = BiometricPurge.objects.get()
    assert (purge.department, purge.source) == (broken.illinois, BiometricPurge.Source.GATE_AUDIT)
    assert (purge.purged_embeddings, purge.withdrawn_suggestions) == (2, 1)
    run = GateAuditRun.objects.get()
    assert (run.embeddings_found, run.suggestions_found, run.embeddings_purged, run.suggestions_withdrawn) == (
        2,
        1,
        2,
        1,
    )
    assert "no embedding" in gate_audit()


@pytest.mark.parametrize("how", ["officer_transferred", "state_changed", "rule_added", "flag_off", "face_moved"])
def test_it_finds_every_kind_of_violation_the_triggers_prevent(db, how):
    world = build_world()
    with gate_triggers_disabled():
        if how == "officer_transferred":
            Officer.objects.filter(pk=world.officer.pk).update(department=world.illinois)
        elif how == "state_changed":
            Department.objects.filter(pk=world.department.pk).update(state="IL")
        elif how == "rule_added":
            JurisdictionRule.objects.create(state="OR", recognition_forbidden=True, legal_reason="x")
        elif how == "flag_off":
            Department.objects.filter(pk=world.department.pk).update(facial_recognition_allowed=False)
        else:
            Face.objects.filter(pk=world.probe_face.pk).update(image=factories.image(world.illinois))
    assert violating_faces().exists() and violating_suggestions().exists()

    with pytest.raises(CommandError):
        gate_audit()
    gate_audit("--fix")

    assert not violating_faces().exists() and not violating_suggestions().exists()


def test_the_beat_task_fixes_and_records_its_run(broken):
    tasks.gate_audit.delay()

    assert (embedded(broken), pending(broken)) == (0, 0)
    run = GateAuditRun.objects.get()
    assert (run.ran_by, run.fix, run.violations, run.fixed) == ("beat", True, 3, 3)


def test_beat_runs_the_gate_audit_every_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["gate-audit"]
    assert entry["task"] == "faces.tasks.gate_audit"
    assert entry["schedule"] == 3600.0
    assert entry["task"] in app.tasks


def test_the_jurisdiction_page_shows_the_last_run_and_the_purges(users, broken):
    gate_audit("--fix")

    page = client_for(users["admin"]).get(reverse("review_jurisdictions")).content.decode()

    assert "Gate audit" in page
    run = GateAuditRun.objects.get()
    assert f"Last run {run.created_at:%Y-%m-%d %H:%M}" in page
    assert "2 embeddings and 1 pending suggestions found where recognition is not allowed" in page
    assert "2 purged, 1 withdrawn" in page
    assert "gate audit found data where recognition is not allowed" in page


def test_the_jurisdiction_page_says_when_the_audit_never_ran_or_found_nothing(users):
    client = client_for(users["admin"])
    assert "The gate audit has not run yet" in client.get(reverse("review_jurisdictions")).content.decode()

    gate_audit()

    assert "no violations found" in client.get(reverse("review_jurisdictions")).content.decode()


def test_a_coordinator_sees_only_the_purges_of_their_department(users, allowed_department, other_department):
    image = factories.image(allowed_department)
    factories.face(image, embedding=VECTOR)
    other_image = factories.image(other_department)
    Image.objects.filter(pk=image.pk).update(department=factories.illinois_department())
    Department.objects.filter(pk=allowed_department.pk).update(state="IL")  # their own department, now in IL
    assert BiometricPurge.objects.count() == 1
    own = BiometricPurge.objects.get()
    BiometricPurge.objects.create(department=allowed_department, cause="state of their department changed to IL")
    BiometricPurge.objects.create(department=other_department, cause=f"photo {other_image.pk} elsewhere")

    page = client_for(users["coordinator"]).get(reverse("review_jurisdictions")).content.decode()

    assert "state of their department changed to IL" in page
    assert "elsewhere" not in page
    assert own.cause not in page  # blamed on the Illinois department, not theirs


# --- Every edit path, then the audit ------------------------------------------------------
def test_after_every_edit_path_the_gate_audit_finds_nothing(client, admin_user):
    """Issue 12: gate_audit finds nothing on a database that went through every edit path."""
    client.force_login(admin_user)
    worlds = [build_world(f"Department {n}") for n in range(12)]
    w = iter(worlds)

    # The admin's own forms.
    one = next(w)
    post_admin_change(client, reverse("admin:faces_image_change", args=[one.image.pk]), department=one.illinois.pk)
    one = next(w)
    post_admin_change(client, reverse("admin:faces_image_change", args=[one.image.pk]), department=one.off.pk)
    one = next(w)
    post_admin_change(client, reverse("admin:departments_department_change", args=[one.department.pk]), state="IL")
    one = next(w)
    post_admin_change(
        client, reverse("admin:departments_officer_change", args=[one.officer.pk]), department=one.illinois.pk
    )
    one = next(w)
    illinois_photo = factories.image(one.illinois)
    post_admin_change(client, reverse("admin:faces_face_change", args=[one.probe_face.pk]), image=illinois_photo.pk)
    # Bulk updates and raw SQL.
    one = next(w)
    Image.objects.filter(pk=one.image.pk).update(department=one.illinois)
    one = next(w)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE departments_officer SET department_id = %s WHERE id = %s", [one.off.pk, one.officer.pk])
    one = next(w)
    Department.objects.filter(pk=one.department.pk).update(facial_recognition_allowed=False)
    one = next(w)
    Face.objects.filter(pk=one.probe_face.pk).update(officer=factories.officer(one.illinois))
    # The services.
    one = next(w)
    recognition.department_set_recognition(one.department, allowed=False, actor=admin_user, reason="Council")
    # A state rule last: it takes every remaining Oregon department with it.
    one = next(w)
    JurisdictionRule.objects.create(state="OR", recognition_forbidden=True, legal_reason="Oregon law")
    assert BiometricPurge.objects.count() >= 9
    # The writes a worker might still attempt afterwards.
    Face.objects.filter(pk=next(w).probe_face.pk).update(embedding=VECTOR)
    for world in worlds:
        MatchSuggestion.objects.filter(pk=world.suggestion.pk).update(status=MatchSuggestion.Status.PENDING)

    assert "no embedding or pending suggestion breaks the gate" in gate_audit()
    assert not Face.objects.filter(embedding__isnull=False).exists()
