"""The recognition policy: docs/architecture.md, rules 1, 2 (data side), 4 and 5, asserted on the database."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from departments import policy
from departments.models import Department, JurisdictionRule, RecognitionChange
from faces.models import Face, MatchSuggestion
from faces.services import recognition
from tests import factories

VECTOR = [0.01] * 128


def test_the_flag_defaults_off(db):
    department = Department.objects.create(name="New PD", slug="new-pd", state="WA")
    assert department.facial_recognition_allowed is False
    assert policy.recognition_allowed(department) is False


def test_it_allows_recognition_only_when_the_flag_is_on(allowed_department, disallowed_department):
    assert policy.recognition_allowed(allowed_department) is True
    assert policy.recognition_allowed(allowed_department.pk) is True
    assert policy.recognition_allowed(disallowed_department) is False
    assert policy.recognition_allowed(None) is False


def test_it_reads_the_database_not_a_stale_instance(allowed_department):
    stale = Department.objects.get(pk=allowed_department.pk)
    Department.objects.filter(pk=allowed_department.pk).update(facial_recognition_allowed=False)
    assert stale.facial_recognition_allowed is True
    assert policy.recognition_allowed(stale) is False


def test_it_refuses_to_enable_recognition_in_illinois_with_a_clear_message(illinois_department, admin_user):
    with pytest.raises(recognition.RecognitionPolicyError, match="cannot be enabled for departments in IL.*BIPA"):
        recognition.department_set_recognition(illinois_department, allowed=True, actor=admin_user, reason="we want it")
    illinois_department.refresh_from_db()
    assert illinois_department.facial_recognition_allowed is False
    assert not RecognitionChange.objects.filter(department=illinois_department).exists()


def test_a_state_rule_wins_over_a_flag_left_on(illinois_department):
    Department.objects.filter(pk=illinois_department.pk).update(facial_recognition_allowed=True)
    assert policy.recognition_allowed(illinois_department) is False


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_it_requires_a_reason(disallowed_department, admin_user, reason):
    with pytest.raises(recognition.RecognitionPolicyError, match="reason is required"):
        recognition.department_set_recognition(disallowed_department, allowed=True, actor=admin_user, reason=reason)
    assert not RecognitionChange.objects.exists()


def test_every_change_is_audited(disallowed_department, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        recognition.department_set_recognition(
            disallowed_department, allowed=True, actor=admin_user, reason="council vote"
        )
    recognition.department_set_recognition(disallowed_department, allowed=False, actor=admin_user, reason="court order")
    changes = list(RecognitionChange.objects.filter(department=disallowed_department).order_by("created_at"))
    assert [(c.allowed, c.reason, c.actor) for c in changes] == [
        (True, "council vote", admin_user),
        (False, "court order", admin_user),
    ]
    assert changes[0].backfill_due is True
    assert len(callbacks) == 1  # the backfill is queued only after the enabling commit


def test_disabling_purges_embeddings_of_the_departments_photos_and_officers(allowed_department, officer, admin_user):
    other = Department.objects.create(name="Other PD", slug="other", state="WA")
    Department.objects.filter(pk=other.pk).update(facial_recognition_allowed=True)
    own_photo = factories.face(factories.image(allowed_department), embedding=VECTOR)
    # A face in another department's photo, identified as this department's officer.
    officers_face = factories.face(factories.image(other), officer=officer, embedding=VECTOR)
    untouched = factories.face(factories.image(other), embedding=VECTOR)
    suggestion = MatchSuggestion.objects.create(face=untouched, officer=officer, distance=0.4, rank=1)
    confirmed = MatchSuggestion.objects.create(
        face=own_photo, officer=officer, distance=0.3, rank=1, status=MatchSuggestion.Status.CONFIRMED
    )

    result = recognition.department_set_recognition(
        allowed_department, allowed=False, actor=admin_user, reason="repeal"
    )

    assert (result.purged_embeddings, result.withdrawn_suggestions) == (2, 1)
    assert Face.objects.get(pk=own_photo.pk).embedding is None
    assert Face.objects.get(pk=officers_face.pk).embedding is None
    assert Face.objects.get(pk=untouched.pk).embedding is not None
    assert MatchSuggestion.objects.get(pk=suggestion.pk).status == MatchSuggestion.Status.WITHDRAWN
    assert MatchSuggestion.objects.get(pk=confirmed.pk).status == MatchSuggestion.Status.CONFIRMED
    audit = RecognitionChange.objects.get(department=allowed_department)
    assert (audit.purged_embeddings, audit.withdrawn_suggestions) == (2, 1)


def test_the_purge_and_the_flag_change_are_one_transaction(allowed_department, admin_user, monkeypatch):
    face = factories.face(factories.image(allowed_department), embedding=VECTOR)

    def fail(*args, **kwargs):
        raise RuntimeError("audit write failed")

    monkeypatch.setattr(RecognitionChange.objects, "create", fail)
    with pytest.raises(RuntimeError):
        recognition.department_set_recognition(allowed_department, allowed=False, actor=admin_user, reason="x")
    assert Face.objects.get(pk=face.pk).embedding is not None
    assert policy.recognition_allowed(allowed_department) is True


def test_a_forbidding_state_rule_turns_recognition_off_and_purges(admin_user):
    department = Department.objects.create(name="Austin PD", slug="austin", state="TX")
    Department.objects.filter(pk=department.pk).update(facial_recognition_allowed=True)
    face = factories.face(factories.image(department), embedding=VECTOR)
    recognition.jurisdiction_rule_save(
        JurisdictionRule(state="TX", recognition_forbidden=True, legal_reason="Texas CUBI"), actor=admin_user
    )
    assert policy.recognition_allowed(department) is False
    assert Face.objects.get(pk=face.pk).embedding is None
    assert RecognitionChange.objects.get(department=department).allowed is False


def test_the_embedding_lock_refuses_inside_a_disallowed_department(allowed_department, disallowed_department):
    with transaction.atomic():
        assert policy.lock_recognition_allowed(allowed_department.pk) is True
        assert policy.lock_recognition_allowed(allowed_department.pk, None) is True
        assert policy.lock_recognition_allowed(allowed_department.pk, disallowed_department.pk) is False
        assert policy.lock_recognition_allowed() is False


@pytest.mark.django_db(transaction=True)
def test_the_embedding_lock_insists_on_a_transaction():
    with pytest.raises(RuntimeError, match="inside transaction.atomic"):
        policy.lock_recognition_allowed(1)


@pytest.mark.django_db(transaction=True)
def test_a_disable_waits_for_an_embedding_write_in_flight_and_then_purges_it(admin_user):
    """The race of rule 4: a worker writing while an administrator turns the flag off."""
    department = Department.objects.create(name="Race PD", slug="race", state="WA")
    Department.objects.filter(pk=department.pk).update(facial_recognition_allowed=True)
    face = factories.face(factories.image(department))
    writer_has_lock = threading.Event()
    release_writer = threading.Event()

    def worker_writes_embedding():
        try:
            with transaction.atomic():
                assert policy.lock_recognition_allowed(department.pk)
                writer_has_lock.set()
                release_writer.wait(5)
                Face.objects.filter(pk=face.pk).update(embedding=VECTOR)
        finally:
            connection.close()

    writer = threading.Thread(target=worker_writes_embedding)
    writer.start()
    assert writer_has_lock.wait(5)
    disabler = threading.Thread(
        target=lambda: (
            recognition.department_set_recognition(department, allowed=False, actor=None, reason="race"),
            connection.close(),
        )
    )
    disabler.start()
    disabler.join(0.5)
    assert disabler.is_alive(), "the disable must wait for the writer's share lock"
    release_writer.set()
    writer.join(5)
    disabler.join(5)
    assert Face.objects.get(pk=face.pk).embedding is None
    assert not policy.recognition_allowed(department)
