"""A department moved into a forbidding state loses its recognition flag, audited (issue 12, finding 1).

Rule 4 purged the data of a department whose state was changed to IL, but its
`facial_recognition_allowed` stayed on, unaudited; editing or deleting the IL rule then made
it allowed again at once, and new embeddings were stored. Now the admin turns the flag off
through the audited service, a database trigger (migration 0006) does it for `update()` and
raw SQL, the gate audit finds and fixes any flag left on, and rule edits are audited and
turn nothing on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import CommandError
from django.db import connection
from django.urls import reverse

from departments import policy
from departments.models import Department, JurisdictionRule, RecognitionChange
from faces.models import BiometricPurge, Face, GateAuditRun, RuleChange
from faces.services.gate_audit import violating_faces, violating_suggestions
from tests import factories
from tests.admin_forms import admin_form_data, post_admin_change
from tests.faces.test_gate_audit import gate_audit
from tests.gate import VECTOR, World, build_world, embedded, pending

SAFETY_NET = "State changed to IL, where a state rule forbids facial recognition (database safety net)"


@pytest.fixture
def world(db) -> World:
    world = build_world()
    assert (embedded(world), pending(world)) == (2, 1)
    return world


@pytest.fixture
def admin_client_(admin_user, client):
    client.force_login(admin_user)
    return client


def illinois_rule() -> JurisdictionRule:
    return JurisdictionRule.objects.get(state="IL")


def flag(department: Department) -> bool:
    return Department.objects.values_list("facial_recognition_allowed", flat=True).get(pk=department.pk)


def move_to_illinois_in_the_admin(client, world: World) -> None:
    url = reverse("admin:departments_department_change", args=[world.department.pk])
    post_admin_change(client, url, state="IL")


@contextmanager
def department_triggers_disabled() -> Iterator[None]:
    with connection.cursor() as cursor:
        # ALTER TABLE refuses while deferred foreign-key checks are pending: run them first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE departments_department DISABLE TRIGGER USER")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE departments_department ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


# --- Through the admin's own form ----------------------------------------------------------


def test_moving_a_department_to_illinois_in_the_admin_turns_its_flag_off_audited_and_purged(
    admin_client_, admin_user, world
):
    move_to_illinois_in_the_admin(admin_client_, world)

    assert flag(world.department) is False
    change = RecognitionChange.objects.get()
    assert (change.department_id, change.allowed, change.actor) == (world.department.pk, False, admin_user)
    assert change.reason == f"Moved to IL: {illinois_rule().legal_reason}"
    assert (change.purged_embeddings, change.withdrawn_suggestions) == (2, 1)
    assert (embedded(world), pending(world)) == (0, 0)
    # Audited once, as the flag change it is: the safety net found the flag already off.
    assert not BiometricPurge.objects.exists()


def test_the_admin_says_the_flag_was_turned_off_and_what_was_purged(admin_client_, world):
    move_to_illinois_in_the_admin(admin_client_, world)

    page = admin_client_.get(reverse("admin:index"), follow=True)
    text = " ".join(str(m) for m in page.context["messages"])
    assert "Facial recognition turned off for Portland PD" in text
    assert "2 embeddings purged and 1 pending suggestion withdrawn" in text
    assert "not allowed in IL. Moved to IL:" in text


def test_a_department_edit_that_stays_allowed_keeps_its_flag_and_writes_no_audit(admin_client_, world):
    url = reverse("admin:departments_department_change", args=[world.department.pk])
    post_admin_change(admin_client_, url, state="WA", name="Renamed PD")

    assert flag(world.department) is True
    assert not RecognitionChange.objects.exists()
    assert (embedded(world), pending(world)) == (2, 1)


# --- Without the service: the database safety net ------------------------------------------


def test_a_queryset_update_to_illinois_turns_the_flag_off_and_the_trigger_audits_it(world):
    Department.objects.filter(pk=world.department.pk).update(state="IL")

    assert flag(world.department) is False
    change = RecognitionChange.objects.get()
    assert (change.department_id, change.allowed, change.actor, change.reason) == (
        world.department.pk,
        False,
        None,
        SAFETY_NET,
    )
    # The purge itself is recorded once, by the purge trigger of migration 0005.
    purge = BiometricPurge.objects.get()
    assert (purge.purged_embeddings, purge.withdrawn_suggestions) == (2, 1)
    assert not violating_faces().exists() and not violating_suggestions().exists()


def test_raw_sql_moving_a_department_to_illinois_turns_the_flag_off_and_audits_it(world):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE departments_department SET state = 'IL' WHERE id = %s", [world.department.pk])

    assert flag(world.department) is False
    assert list(RecognitionChange.objects.values_list("reason", "allowed")) == [(SAFETY_NET, False)]
    assert (embedded(world), pending(world)) == (0, 0)


def test_a_department_created_in_illinois_with_the_flag_on_is_stored_off_and_audited(db):
    factories.illinois_department(name="Springfield PD")  # makes sure the rule exists

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO departments_department (name, slug, state, facial_recognition_allowed, complaint_url, "
            "complaint_instructions, created_at, updated_at) "
            "VALUES ('Peoria PD', 'peoria-pd', 'IL', true, '', '', now(), now()) RETURNING id"
        )
        (department_id,) = cursor.fetchone()

    assert Department.objects.get(pk=department_id).facial_recognition_allowed is False
    change = RecognitionChange.objects.get(department_id=department_id)
    assert change.reason.startswith("Department created in IL")
    assert change.actor is None


def test_the_flag_turned_on_by_update_in_illinois_is_refused_by_the_database_and_audited(db):
    department = factories.illinois_department(name="Rockford PD")

    Department.objects.filter(pk=department.pk).update(facial_recognition_allowed=True)

    assert flag(department) is False
    assert RecognitionChange.objects.get().reason.startswith("Recognition turned on in IL")


def test_a_forbidding_rule_written_by_the_orm_turns_the_flags_off_too(world):
    JurisdictionRule.objects.create(state="OR", recognition_forbidden=True, legal_reason="A new Oregon law")

    assert flag(world.department) is False
    assert RecognitionChange.objects.get().reason.startswith("State rule for OR forbids facial recognition")
    assert (embedded(world), pending(world)) == (0, 0)


# --- Rule edits: audited, and nothing turns back on ------------------------------------------


def test_moving_the_illinois_rule_to_another_state_leaves_the_moved_department_off(admin_client_, admin_user, world):
    move_to_illinois_in_the_admin(admin_client_, world)
    rule = illinois_rule()

    post_admin_change(admin_client_, reverse("admin:departments_jurisdictionrule_change", args=[rule.pk]), state="WA")

    assert flag(world.department) is False
    assert policy.recognition_allowed(world.department) is False
    # A new embedding for its photo is not stored: the department stays off until someone turns it on.
    Face.objects.filter(pk=world.probe_face.pk).update(embedding=VECTOR)
    assert embedded(world) == 0
    audit = RuleChange.objects.get()
    assert (audit.action, audit.actor, audit.before["state"], audit.after["state"]) == (
        RuleChange.Action.CHANGED,
        admin_user,
        "IL",
        "WA",
    )


def test_relaxing_the_illinois_rule_in_the_admin_turns_nothing_on_and_is_audited(admin_client_, admin_user, world):
    move_to_illinois_in_the_admin(admin_client_, world)
    url = reverse("admin:departments_jurisdictionrule_change", args=[illinois_rule().pk])
    data = admin_form_data(admin_client_, url)
    data.pop("recognition_forbidden", None)
    data["_save"] = "Save"

    assert admin_client_.post(url, data).status_code == 302

    assert illinois_rule().recognition_forbidden is False
    assert flag(world.department) is False
    assert flag(world.illinois) is False
    audit = RuleChange.objects.get()
    assert (audit.action, audit.before["recognition_forbidden"], audit.after["recognition_forbidden"]) == (
        RuleChange.Action.CHANGED,
        True,
        False,
    )


def test_deleting_a_rule_in_the_admin_is_audited_shown_on_the_jurisdictions_page_and_turns_nothing_on(
    admin_client_, admin_user, world
):
    move_to_illinois_in_the_admin(admin_client_, world)
    rule = illinois_rule()

    response = admin_client_.post(reverse("admin:departments_jurisdictionrule_delete", args=[rule.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not JurisdictionRule.objects.filter(state="IL").exists()
    assert flag(world.department) is False
    audit = RuleChange.objects.get()
    assert (audit.state, audit.action, audit.actor, audit.after) == ("IL", RuleChange.Action.REMOVED, admin_user, {})
    page = admin_client_.get(reverse("review_jurisdictions")).content.decode()
    assert "Rule removed" in page
    assert rule.legal_reason in page


def test_deleting_rules_with_the_bulk_action_audits_each_one(admin_client_, admin_user, world):
    washington = JurisdictionRule.objects.create(state="WA", recognition_forbidden=False, legal_reason="Allowed")
    selected = [illinois_rule().pk, washington.pk]

    response = admin_client_.post(
        reverse("admin:departments_jurisdictionrule_changelist"),
        {"action": "delete_selected", "_selected_action": selected, "post": "yes"},
    )

    assert response.status_code == 302
    assert not JurisdictionRule.objects.filter(pk__in=selected).exists()
    assert sorted(RuleChange.objects.filter(action="removed", actor=admin_user).values_list("state", flat=True)) == [
        "IL",
        "WA",
    ]


def test_adding_a_rule_in_the_admin_is_audited(admin_client_, admin_user, world):
    admin_client_.post(
        reverse("admin:departments_jurisdictionrule_add"),
        {"state": "OR", "recognition_forbidden": "on", "legal_reason": "A new Oregon law", "_save": "Save"},
    )

    audit = RuleChange.objects.get()
    assert (audit.state, audit.action, audit.actor, audit.before) == ("OR", RuleChange.Action.ADDED, admin_user, {})


# --- The gate audit ---------------------------------------------------------------------------


@pytest.fixture
def flag_left_on(db) -> Department:
    """A department with the flag on in Illinois, as the old code (or a disabled trigger) left it."""
    department = factories.illinois_department(name="Joliet PD")
    with department_triggers_disabled():
        Department.objects.filter(pk=department.pk).update(facial_recognition_allowed=True)
    assert flag(department) is True
    return department


def test_the_gate_audit_reports_a_flag_left_on_under_a_rule_and_exits_non_zero(flag_left_on):
    with pytest.raises(CommandError) as failure:
        gate_audit()

    assert failure.value.returncode == 1
    run = GateAuditRun.objects.get()
    assert (run.flags_found, run.flags_turned_off) == (1, 0)
    assert run.details["flag_department_ids"] == [flag_left_on.pk]
    assert flag(flag_left_on) is True  # reported, not touched
    assert not RecognitionChange.objects.exists()


def test_the_gate_audit_fix_turns_the_flag_off_through_the_audited_service(admin_client_, flag_left_on):
    out = gate_audit("--fix")

    assert "1 recognition flags turned off" in out
    assert flag(flag_left_on) is False
    change = RecognitionChange.objects.get()
    assert (change.department_id, change.allowed, change.actor) == (flag_left_on.pk, False, None)
    assert change.reason.startswith("Found on by the gate audit in IL")
    assert GateAuditRun.objects.get().flags_turned_off == 1
    page = admin_client_.get(reverse("review_jurisdictions")).content.decode()
    assert "1 department with recognition on where a state rule forbids it" in page
    assert "no embedding or pending suggestion breaks the gate" in gate_audit()
