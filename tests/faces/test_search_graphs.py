"""Per-department search graphs: made for large departments, used by the planner, dropped when
a department shrinks or loses recognition; the answers never differ from the exact scan's."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from faces.pipeline import search
from faces.pipeline.search import department_graph_name, department_graphs, plan_search, search_gallery
from faces.services import recognition
from faces.services.search_graphs import department_graphs_sync
from tests import factories
from tests.factories import gallery_face


def vec(*head: float) -> list[float]:
    return list(head) + [0.0] * (128 - len(head))


@pytest.fixture(autouse=True)
def small_departments_count_as_large(settings):
    settings.FACES_SEARCH_EXACT_MAX_OFFICERS = 3
    settings.FACES_SEARCH_DEPARTMENT_GRAPH_MIN_OFFICERS = 4
    search.gallery_sizes.clear()
    yield
    search.gallery_sizes.clear()


def gallery(department, count: int) -> list:
    officers = [factories.officer(department, badge_number=str(i)) for i in range(count)]
    for i, officer in enumerate(officers):
        gallery_face(officer, vec(0.1 * i, 0.05))
    return officers


def test_a_department_above_the_threshold_gets_a_graph_the_planner_uses_with_the_exact_answers(
    allowed_department, other_department
):
    gallery(allowed_department, 6)
    gallery(other_department, 2)
    result = department_graphs_sync()
    assert result.created == [allowed_department.pk] and result.dropped == []
    assert department_graphs() == {allowed_department.pk: True}
    search.gallery_sizes.clear()
    assert plan_search([allowed_department.pk]) == "department"
    assert plan_search([other_department.pk]) == "exact"  # small: scanned
    scope = [allowed_department.pk]
    exact = search_gallery(vec(0.22), department_ids=scope, strategy="exact", threshold=2.0)
    assert search_gallery(vec(0.22), department_ids=scope, threshold=2.0) == exact
    assert search_gallery(vec(0.22), department_ids=scope, strategy="department", threshold=2.0) == exact
    assert {m.department_id for m in exact} == {allowed_department.pk}


def test_the_department_query_can_walk_the_departments_own_graph(allowed_department):
    gallery(allowed_department, 6)
    department_graphs_sync()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN " + search._NEAREST_DEPARTMENT,
            {
                "department": allowed_department.pk,
                "variant": "",
                "exclude_officers": [],
                "probe": search._vector_literal(vec(0.1)),
                "k": 20,
            },
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert department_graph_name(allowed_department.pk) in plan


def test_a_department_keeps_its_graph_down_to_half_the_threshold_and_loses_it_below(allowed_department):
    officers = gallery(allowed_department, 5)
    assert department_graphs_sync().created == [allowed_department.pk]
    for officer in officers[:3]:  # 2 left: half of 4, not below it
        officer.faces.update(officer=None)
    assert department_graphs_sync().kept == [allowed_department.pk]
    officers[3].faces.update(officer=None)  # 1 left
    assert department_graphs_sync().dropped == [allowed_department.pk]
    assert department_graphs() == {}


def test_a_department_whose_recognition_is_turned_off_loses_its_graph_and_is_never_searched(allowed_department):
    gallery(allowed_department, 6)
    department_graphs_sync()
    recognition.department_set_recognition(allowed_department, allowed=False, actor=None, reason="court order")
    # Before the next sync the graph is still there, but holds no live row and is never asked.
    for strategy in ("auto", "department", "exact", "hnsw"):
        assert search_gallery(vec(0.1), department_ids=[allowed_department.pk], strategy=strategy) == []
    assert department_graphs_sync().dropped == [allowed_department.pk]


def test_an_interrupted_build_is_dropped_and_built_again(allowed_department):
    gallery(allowed_department, 6)
    department_graphs_sync()
    with connection.cursor() as cursor:  # what a failed CREATE INDEX CONCURRENTLY leaves behind
        cursor.execute(
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid = %s::regclass",
            [department_graph_name(allowed_department.pk)],
        )
    assert department_graphs() == {allowed_department.pk: False}
    search.gallery_sizes.clear()
    assert plan_search([allowed_department.pk]) == "hnsw"  # an invalid graph is never planned
    result = department_graphs_sync()
    assert result.dropped == result.created == [allowed_department.pk]
    assert department_graphs() == {allowed_department.pk: True}


def test_a_dry_run_changes_nothing_and_zero_turns_the_graphs_off(allowed_department, settings):
    gallery(allowed_department, 6)
    assert department_graphs_sync(dry_run=True).created == [allowed_department.pk]
    assert department_graphs() == {}
    department_graphs_sync()
    settings.FACES_SEARCH_DEPARTMENT_GRAPH_MIN_OFFICERS = 0
    assert department_graphs_sync().dropped == [allowed_department.pk]


def test_the_department_strategy_searches_exactly_one_department(allowed_department, other_department):
    with pytest.raises(ValueError, match="exactly one department"):
        search_gallery(vec(0.1), department_ids=[allowed_department.pk, other_department.pk], strategy="department")


def test_the_command_says_what_it_did(allowed_department, capsys):
    gallery(allowed_department, 6)
    call_command("search_graphs", "--dry-run")
    assert f"would create [{allowed_department.pk}]; would drop none" in capsys.readouterr().out
    call_command("search_graphs")
    assert f"created [{allowed_department.pk}]; dropped none; kept none." in capsys.readouterr().out
    assert department_graphs() == {allowed_department.pk: True}


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_graphs_are_built_and_dropped_concurrently(settings):
    from departments.models import Department

    department = Department.objects.create(name="Big PD", slug="big-pd", state="WA")
    Department.objects.filter(pk=department.pk).update(facial_recognition_allowed=True)
    department.refresh_from_db()
    gallery(department, 6)
    assert not connection.in_atomic_block
    assert department_graphs_sync().created == [department.pk]
    assert department_graphs() == {department.pk: True}
    settings.FACES_SEARCH_DEPARTMENT_GRAPH_MIN_OFFICERS = 0
    assert department_graphs_sync().dropped == [department.pk]
    assert department_graphs() == {}
