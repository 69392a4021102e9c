"""One "refused" recognition event per face, also when two runs of the same face race."""

from __future__ import annotations

import importlib
import threading

import numpy as np
import pytest
from django.db import IntegrityError, connection, transaction

from departments.models import Department
from faces.models import RecognitionEvent
from faces.services import processing
from tests import factories

REFUSED = RecognitionEvent.Outcome.REFUSED


def refusals(face) -> int:
    return RecognitionEvent.objects.filter(face=face, outcome=REFUSED).count()


def test_the_database_refuses_a_second_refusal_for_the_same_face(disallowed_department):
    face = factories.face(factories.image(disallowed_department))
    RecognitionEvent.objects.create(face=face, department=disallowed_department, outcome=REFUSED)
    with pytest.raises(IntegrityError), transaction.atomic():
        RecognitionEvent.objects.create(face=face, department=disallowed_department, outcome=REFUSED)
    # Other outcomes, and events whose face was deleted, are not limited.
    RecognitionEvent.objects.create(face=face, department=disallowed_department, outcome="searched")
    RecognitionEvent.objects.create(face=face, department=disallowed_department, outcome="searched")
    RecognitionEvent.objects.create(face=None, department=disallowed_department, outcome=REFUSED)
    RecognitionEvent.objects.create(face=None, department=disallowed_department, outcome=REFUSED)


def test_a_face_refused_before_is_not_refused_again_when_the_flag_goes_off_mid_search(allowed_department):
    face = factories.face(factories.image(allowed_department))
    processing._record_refusals([face], allowed_department.pk)
    Department.objects.filter(pk=allowed_department.pk).update(facial_recognition_allowed=False)
    assert processing.face_suggest(face, np.zeros(128, dtype=np.float32)) == []
    assert refusals(face) == 1


@pytest.mark.django_db(transaction=True)
def test_two_runs_that_both_saw_no_refusal_record_one(monkeypatch):
    department = Department.objects.create(name="Off PD", slug="off-pd", state="WA")
    face = factories.face(factories.image(department))
    both_read = threading.Barrier(2, timeout=20)
    real_bulk_create = RecognitionEvent.objects.bulk_create

    def insert_after_both_read(rows, **kwargs):
        both_read.wait()  # each run has read "no refusal yet" before either inserts
        return real_bulk_create(rows, **kwargs)

    monkeypatch.setattr(RecognitionEvent.objects, "bulk_create", insert_after_both_read)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with transaction.atomic():
                processing._record_refusals([face], department.pk)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert refusals(face) == 1


def test_the_migration_keeps_each_faces_earliest_refusal(disallowed_department):
    migration = importlib.import_module("faces.migrations.0016_one_refusal_per_face")
    first, second = (factories.face(factories.image(disallowed_department)) for _ in range(2))
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX one_refusal_per_face")  # as before the migration (rolled back after the test)
    kept = RecognitionEvent.objects.create(face=first, department=disallowed_department, outcome=REFUSED)
    RecognitionEvent.objects.create(face=first, department=disallowed_department, outcome=REFUSED)
    RecognitionEvent.objects.create(face=first, department=disallowed_department, outcome=REFUSED)
    only = RecognitionEvent.objects.create(face=second, department=disallowed_department, outcome=REFUSED)
    searched = RecognitionEvent.objects.create(face=first, department=disallowed_department, outcome="searched")
    with connection.cursor() as cursor:
        cursor.execute(migration.KEEP_EARLIEST)
    assert set(RecognitionEvent.objects.values_list("pk", flat=True)) == {kept.pk, only.pk, searched.pk}
