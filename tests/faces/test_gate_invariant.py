"""Rule 4 is a property of the data: the database triggers of migration 0005.

Whatever writes the rows — QuerySet.update(), bulk_update, raw SQL, a data migration —
the database never holds an embedding or a pending suggestion for a face whose photo's
department, or whose officer's department, may not use recognition. Each purge a trigger
makes is audited once, with its cause; the service's own flag-off purge is not counted twice.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from departments.models import Department, JurisdictionRule, Officer, RecognitionChange
from faces.models import BiometricPurge, Face, Image, MatchSuggestion
from faces.services import recognition
from faces.services.gate_audit import violating_faces, violating_suggestions
from tests import factories
from tests.gate import VECTOR, World, build_world, embedded, pending


@pytest.fixture
def world(db) -> World:
    world = build_world()
    assert (embedded(world), pending(world)) == (2, 1)
    return world


def assert_the_gate_holds() -> None:
    assert not violating_faces().exists()
    assert not violating_suggestions().exists()


def sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def photo_to_illinois_by_queryset_update(w: World) -> None:
    Image.objects.filter(pk=w.image.pk).update(department=w.illinois)


def photo_to_illinois_by_raw_sql(w: World) -> None:
    sql("UPDATE faces_image SET department_id = %s WHERE id = %s", [w.illinois.pk, w.image.pk])


def state_to_illinois_by_queryset_update(w: World) -> None:
    Department.objects.filter(pk=w.department.pk).update(state="IL")


def flag_off_by_queryset_update(w: World) -> None:
    Department.objects.filter(pk=w.department.pk).update(facial_recognition_allowed=False)


def flag_off_by_raw_sql(w: World) -> None:
    sql("UPDATE departments_department SET facial_recognition_allowed = false WHERE id = %s", [w.department.pk])


def forbidding_rule_created_by_the_orm(w: World) -> None:
    JurisdictionRule.objects.create(state="OR", recognition_forbidden=True, legal_reason="A new Oregon law")


def existing_rule_turned_forbidding_by_queryset_update(w: World) -> None:
    JurisdictionRule.objects.create(state="OR", recognition_forbidden=False, legal_reason="Allowed for now")
    JurisdictionRule.objects.filter(state="OR").update(recognition_forbidden=True)


def data_migration_reassigns_photos_in_bulk(w: World) -> None:
    """What a data migration merging two departments would do, with the historical models."""
    state = MigrationExecutor(connection).loader.project_state(("faces", "0005_gate_triggers"))
    HistoricalImage = state.apps.get_model("faces", "Image")
    photos = list(HistoricalImage.objects.filter(department_id=w.department.pk))
    for photo in photos:
        photo.department_id = w.off.pk
    HistoricalImage.objects.bulk_update(photos, ["department"])


def officers_transferred_by_bulk_update(w: World) -> None:
    Officer.objects.filter(pk=w.officer.pk).update(department=w.illinois)


def face_moved_by_raw_sql(w: World) -> None:
    photo = factories.image(w.illinois, status=Image.Status.DONE)
    sql("UPDATE faces_face SET image_id = %s WHERE id = %s", [photo.pk, w.probe_face.pk])


# (write, embeddings purged, suggestions withdrawn, words of the recorded cause)
WRITES = [
    (photo_to_illinois_by_queryset_update, 2, 1, "moved to department"),
    (photo_to_illinois_by_raw_sql, 2, 1, "moved to department"),
    (state_to_illinois_by_queryset_update, 2, 1, "changed to IL"),
    (flag_off_by_queryset_update, 2, 1, "recognition turned off"),
    (flag_off_by_raw_sql, 2, 1, "recognition turned off"),
    (forbidding_rule_created_by_the_orm, 2, 1, "state rule for OR"),
    (existing_rule_turned_forbidding_by_queryset_update, 2, 1, "state rule for OR"),
    (data_migration_reassigns_photos_in_bulk, 2, 1, "moved to department"),
    (officers_transferred_by_bulk_update, 1, 1, "transferred to department"),
    (face_moved_by_raw_sql, 1, 1, "moved onto photo"),
]


@pytest.mark.parametrize(("write", "embeddings", "suggestions", "cause"), WRITES, ids=[w[0].__name__ for w in WRITES])
def test_a_write_that_bypasses_the_services_still_purges_and_is_audited(world, write, embeddings, suggestions, cause):
    write(world)

    assert_the_gate_holds()
    assert embedded(world) == 2 - embeddings
    assert pending(world) == 0
    purge = BiometricPurge.objects.get()
    assert (purge.purged_embeddings, purge.withdrawn_suggestions) == (embeddings, suggestions)
    assert cause in purge.cause
    assert purge.source == BiometricPurge.Source.TRIGGER
    assert purge.actor is None  # a trigger cannot know who; the admin fills it in


def test_an_embedding_written_for_an_illinois_photo_is_never_stored(world):
    face = factories.face(factories.image(world.illinois), x=5)

    Face.objects.filter(pk=face.pk).update(embedding=VECTOR)
    sql("UPDATE faces_face SET embedding = %s::vector WHERE id = %s", [str(VECTOR), face.pk])

    face.refresh_from_db()
    assert face.embedding is None
    assert "not allowed" in face.embedding_skipped_reason
    purge = BiometricPurge.objects.get()  # both writes, one row per cause and transaction
    assert (purge.department, purge.purged_embeddings) == (world.illinois, 2)


def test_a_face_created_with_a_vector_in_a_department_with_recognition_off_is_stored_without_it(world):
    face = Face.objects.create(image=factories.image(world.off), x=1, y=1, w=20, h=20, source="user", embedding=VECTOR)

    assert Face.objects.get(pk=face.pk).embedding is None


def test_identifying_a_face_as_an_illinois_officer_drops_its_vector_and_suggestions(world):
    illinois_officer = factories.officer(world.illinois)

    Face.objects.filter(pk=world.probe_face.pk).update(officer=illinois_officer)

    assert_the_gate_holds()
    assert Face.objects.get(pk=world.probe_face.pk).embedding is None
    assert pending(world) == 0
    assert "identified as officer" in BiometricPurge.objects.get().cause


@pytest.mark.parametrize(
    "where",
    ["face_in_illinois", "suggested_officer_in_illinois", "face_identified_as_off_officer"],
)
def test_a_pending_suggestion_across_the_gate_is_stored_withdrawn(world, where):
    if where == "face_in_illinois":
        face, officer = factories.face(factories.image(world.illinois)), world.officer
    elif where == "suggested_officer_in_illinois":
        face, officer = world.gallery_face, factories.officer(world.illinois)
    else:
        face = factories.face(world.image, x=200, officer=factories.officer(world.off))
        officer = world.officer

    suggestion = MatchSuggestion.objects.create(face=face, officer=officer, distance=0.3, rank=1)

    suggestion.refresh_from_db()
    assert suggestion.status == MatchSuggestion.Status.WITHDRAWN
    assert suggestion.decided_at is not None
    assert BiometricPurge.objects.get().withdrawn_suggestions == 1


def test_a_suggestion_put_back_to_pending_across_the_gate_stays_withdrawn(world):
    Image.objects.filter(pk=world.image.pk).update(department=world.illinois)

    MatchSuggestion.objects.filter(pk=world.suggestion.pk).update(status=MatchSuggestion.Status.PENDING)

    assert pending(world) == 0


def test_moves_that_stay_inside_recognition_purge_nothing(world):
    other = factories.allowed_department(name="Salem PD", state="OR")

    Image.objects.filter(pk=world.image.pk).update(department=other)
    Officer.objects.filter(pk=world.officer.pk).update(department=other)
    Department.objects.filter(pk=world.department.pk).update(state="WA", name="Renamed")
    JurisdictionRule.objects.create(state="WA", recognition_forbidden=False, legal_reason="Allowed")
    Face.objects.filter(pk=world.probe_face.pk).update(use_for_recognition=True)

    assert (embedded(world), pending(world)) == (2, 1)
    assert not BiometricPurge.objects.exists()


def test_the_flag_off_service_purges_first_and_the_trigger_does_not_count_again(world, admin_user):
    result = recognition.department_set_recognition(world.department, allowed=False, actor=admin_user, reason="Council")

    assert (result.purged_embeddings, result.withdrawn_suggestions) == (2, 1)
    change = RecognitionChange.objects.get(department=world.department)
    assert (change.purged_embeddings, change.withdrawn_suggestions) == (2, 1)
    assert not BiometricPurge.objects.exists()
    assert_the_gate_holds()


def test_a_rule_saved_through_the_service_is_purged_and_audited_exactly_once(world, admin_user):
    recognition.jurisdiction_rule_save(
        JurisdictionRule(state="OR", recognition_forbidden=True, legal_reason="Oregon law"), actor=admin_user
    )

    assert_the_gate_holds()
    # The service turns the flags off before saving the rule, so its audit carries the counts
    # and the rule's trigger finds nothing left: audited once, with the numbers people read.
    changed = [(c.purged_embeddings, c.withdrawn_suggestions) for c in RecognitionChange.objects.all()]
    assert changed == [(2, 1)]
    assert not BiometricPurge.objects.exists()


def test_purges_of_one_transaction_and_cause_add_up_in_one_row(world):
    second = build_world("Eugene PD")

    Image.objects.filter(pk__in=[world.image.pk, second.image.pk]).update(department=world.illinois)

    rows = list(BiometricPurge.objects.order_by("cause"))
    assert [(r.purged_embeddings, r.withdrawn_suggestions) for r in rows] == [(2, 1), (2, 1)]
    assert len({r.transaction_id for r in rows}) == 1


# --- Races: a worker's write in flight while an edit moves the data out of recognition ------
def _race(write, move) -> None:
    """Run `write` in a transaction held open, then `move` from another connection: the move
    must wait for the write and then purge what it committed."""
    written, release = threading.Event(), threading.Event()

    def writer() -> None:
        try:
            with transaction.atomic():
                write()
                written.set()
                release.wait(5)
        finally:
            connection.close()

    def mover() -> None:
        try:
            move()
        finally:
            connection.close()

    writing = threading.Thread(target=writer)
    writing.start()
    assert written.wait(5)
    moving = threading.Thread(target=mover)
    moving.start()
    moving.join(0.5)
    assert moving.is_alive(), "the move must wait for the write in flight"
    release.set()
    writing.join(5)
    moving.join(5)
    assert not moving.is_alive()


@pytest.mark.django_db(transaction=True)
def test_a_transfer_waits_for_a_backfill_write_of_the_officers_face_and_purges_it():
    w = build_world()
    Face.objects.filter(pk=w.gallery_face.pk).update(embedding=None)

    _race(
        lambda: Face.objects.filter(pk=w.gallery_face.pk).update(embedding=VECTOR),
        lambda: Officer.objects.filter(pk=w.officer.pk).update(department=w.illinois),
    )

    assert Face.objects.get(pk=w.gallery_face.pk).embedding is None
    assert_the_gate_holds()


@pytest.mark.django_db(transaction=True)
def test_a_transfer_waits_for_a_suggestion_naming_the_officer_and_withdraws_it():
    w = build_world()
    face = factories.face(w.image, x=300, embedding=VECTOR)

    _race(
        lambda: MatchSuggestion.objects.create(face=face, officer=w.officer, distance=0.3, rank=1),
        lambda: Officer.objects.filter(pk=w.officer.pk).update(department=w.illinois),
    )

    assert not MatchSuggestion.objects.filter(status=MatchSuggestion.Status.PENDING).exists()
    assert_the_gate_holds()


@pytest.mark.django_db(transaction=True)
def test_a_photo_move_waits_for_an_embedding_write_in_flight_and_purges_it():
    w = build_world()
    face = factories.face(w.image, x=300)

    _race(
        lambda: Face.objects.filter(pk=face.pk).update(embedding=VECTOR),
        lambda: Image.objects.filter(pk=w.image.pk).update(department=w.illinois),
    )

    assert not Face.objects.filter(embedding__isnull=False).exists()
    purge = BiometricPurge.objects.get()
    assert (purge.purged_embeddings, purge.withdrawn_suggestions) == (3, 1)
    assert "moved to department" in purge.cause
