"""Rule 4 as a property of the data: database triggers purge what may not stay.

Whatever writes the rows (a service, a form, the admin, QuerySet.update(), a data
migration, raw SQL), the database never holds an embedding or a pending suggestion for a
face whose photo's department, or whose officer's department, may not use recognition
(flag on and no forbidding rule for its state). The services purge first on the normal
paths; these triggers are the safety net under them, and `manage.py gate_audit` checks
both. Every purge a trigger makes is audited in faces_biometricpurge (only when it
purged something, so a service that purged first leaves no second row).

1. `recognition_allowed(department_id)`: the policy in SQL (departments/policy.py is the
   same rule in Python; gate_audit compares the data against the Python one).
2. BEFORE INSERT/UPDATE on faces_face: an embedding for a face whose photo or officer is
   in a disallowed department is dropped; a face moved onto such a photo, or identified
   as such an officer, loses its pending suggestions.
3. BEFORE INSERT/UPDATE on faces_matchsuggestion: a pending suggestion whose face (photo
   or officer) or suggested officer is in a disallowed department is stored withdrawn.
4. AFTER UPDATE of a photo's department, an officer's department, a department's state or
   flag, and AFTER INSERT/UPDATE of a state rule: purge the rows the change put on the
   wrong side of the gate. Deleting a rule only allows more, so it purges nothing.

`use_for_recognition` is left alone: it is a person's curation choice, not biometric data.
A face without an embedding is not in the gallery (the search needs the vector and
re-checks the department), and the choice survives a transfer back.

Trigger names matter: PostgreSQL fires triggers of one event in name order, and
faces_image_biometric_gate must run before faces_image_department_to_faces (migration
0003), so the purge is recorded with its real cause ("photo 12 moved to department 3").
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

GATE_SQL = r"""
CREATE FUNCTION recognition_allowed(department bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT COALESCE((
        SELECT d.facial_recognition_allowed AND NOT EXISTS (
            SELECT 1 FROM departments_jurisdictionrule r WHERE r.state = d.state AND r.recognition_forbidden
        )
        FROM departments_department d WHERE d.id = department
    ), false)
$$;

-- One audit row per cause and transaction; nothing when nothing was purged.
CREATE FUNCTION gate_purge_record(department bigint, why text, embeddings integer, suggestions integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF embeddings = 0 AND suggestions = 0 THEN
        RETURN;
    END IF;
    UPDATE faces_biometricpurge
       SET purged_embeddings = purged_embeddings + embeddings,
           withdrawn_suggestions = withdrawn_suggestions + suggestions
     WHERE transaction_id = txid_current() AND department_id IS NOT DISTINCT FROM department AND cause = why;
    IF NOT FOUND THEN
        INSERT INTO faces_biometricpurge
            (department_id, cause, source, purged_embeddings, withdrawn_suggestions, actor_id, transaction_id, created_at)
        VALUES (department, left(why, 300), 'trigger', embeddings, suggestions, NULL, txid_current(), now());
    END IF;
END $$;

-- Purge everything of one department now disallowed: its photos' faces, its officers'
-- faces, and suggestions naming its officers.
CREATE FUNCTION gate_purge_department(department bigint, why text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    purged integer;
    withdrawn integer;
BEGIN
    UPDATE faces_face f
       SET embedding = NULL, embedding_skipped_reason = 'Recognition is not allowed for this department.'
     WHERE f.embedding IS NOT NULL
       AND (f.image_id IN (SELECT id FROM faces_image WHERE department_id = department)
            OR f.officer_id IN (SELECT id FROM departments_officer WHERE department_id = department));
    GET DIAGNOSTICS purged = ROW_COUNT;
    UPDATE faces_matchsuggestion s
       SET status = 'withdrawn', decided_at = now()
     WHERE s.status = 'pending'
       AND (s.officer_id IN (SELECT id FROM departments_officer WHERE department_id = department)
            OR s.face_id IN (
                SELECT f.id FROM faces_face f
                 WHERE f.image_id IN (SELECT id FROM faces_image WHERE department_id = department)
                    OR f.officer_id IN (SELECT id FROM departments_officer WHERE department_id = department)));
    GET DIAGNOSTICS withdrawn = ROW_COUNT;
    PERFORM gate_purge_record(department, why, purged, withdrawn);
END $$;

CREATE FUNCTION faces_face_gate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    moved boolean := TG_OP = 'UPDATE'
        AND (OLD.image_id IS DISTINCT FROM NEW.image_id OR OLD.officer_id IS DISTINCT FROM NEW.officer_id);
    blocked bigint;
    department bigint;
    why text;
    purged integer := 0;
    withdrawn integer := 0;
BEGIN
    IF NEW.embedding IS NULL AND NOT moved THEN
        RETURN NEW;
    END IF;
    SELECT department_id INTO department FROM faces_image WHERE id = NEW.image_id;
    IF NOT recognition_allowed(department) THEN
        blocked := department;
    ELSIF NEW.officer_id IS NOT NULL THEN
        SELECT department_id INTO department FROM departments_officer WHERE id = NEW.officer_id;
        IF NOT recognition_allowed(department) THEN
            blocked := department;
        END IF;
    END IF;
    IF blocked IS NULL THEN
        RETURN NEW;
    END IF;
    IF NEW.embedding IS NOT NULL THEN
        NEW.embedding := NULL;
        NEW.embedding_skipped_reason := 'Recognition is not allowed for this department.';
        purged := 1;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        UPDATE faces_matchsuggestion SET status = 'withdrawn', decided_at = now()
         WHERE face_id = NEW.id AND status = 'pending';
        GET DIAGNOSTICS withdrawn = ROW_COUNT;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.image_id IS DISTINCT FROM NEW.image_id THEN
        why := format('face %s moved onto photo %s (department %s)', NEW.id, NEW.image_id, blocked);
    ELSIF TG_OP = 'UPDATE' AND OLD.officer_id IS DISTINCT FROM NEW.officer_id THEN
        why := format('face %s identified as officer %s (department %s)', NEW.id, NEW.officer_id, blocked);
    ELSE
        why := format('embedding written for a face of department %s, where recognition is not allowed', blocked);
    END IF;
    PERFORM gate_purge_record(blocked, why, purged, withdrawn);
    RETURN NEW;
END $$;
CREATE TRIGGER faces_face_biometric_gate
    BEFORE INSERT OR UPDATE ON faces_face
    FOR EACH ROW EXECUTE FUNCTION faces_face_gate();

CREATE FUNCTION faces_matchsuggestion_gate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    blocked bigint;
BEGIN
    IF NEW.status <> 'pending' THEN
        RETURN NEW;
    END IF;
    -- A transfer of the suggested officer in flight commits first (and is then read here),
    -- or waits for this suggestion and withdraws it.
    PERFORM 1 FROM departments_officer WHERE id = NEW.officer_id FOR SHARE;
    SELECT d.department INTO blocked FROM (
        SELECT i.department_id AS department FROM faces_face f JOIN faces_image i ON i.id = f.image_id
         WHERE f.id = NEW.face_id
        UNION ALL
        SELECT o.department_id FROM faces_face f JOIN departments_officer o ON o.id = f.officer_id
         WHERE f.id = NEW.face_id
        UNION ALL
        SELECT o.department_id FROM departments_officer o WHERE o.id = NEW.officer_id
    ) d WHERE NOT recognition_allowed(d.department) LIMIT 1;
    IF NOT FOUND THEN
        RETURN NEW;
    END IF;
    NEW.status := 'withdrawn';
    NEW.decided_at := now();
    PERFORM gate_purge_record(
        blocked, format('pending suggestion written for department %s, where recognition is not allowed', blocked), 0, 1
    );
    RETURN NEW;
END $$;
CREATE TRIGGER faces_matchsuggestion_biometric_gate
    BEFORE INSERT OR UPDATE ON faces_matchsuggestion
    FOR EACH ROW EXECUTE FUNCTION faces_matchsuggestion_gate();

CREATE FUNCTION faces_image_gate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    purged integer;
    withdrawn integer;
BEGIN
    IF recognition_allowed(NEW.department_id) THEN
        RETURN NULL;
    END IF;
    -- Wait for writers in flight on these faces, so a vector committed meanwhile is purged too.
    PERFORM 1 FROM faces_face WHERE image_id = NEW.id ORDER BY id FOR UPDATE;
    UPDATE faces_face SET embedding = NULL, embedding_skipped_reason = 'Recognition is not allowed for this department.'
     WHERE image_id = NEW.id AND embedding IS NOT NULL;
    GET DIAGNOSTICS purged = ROW_COUNT;
    UPDATE faces_matchsuggestion SET status = 'withdrawn', decided_at = now()
     WHERE status = 'pending' AND face_id IN (SELECT id FROM faces_face WHERE image_id = NEW.id);
    GET DIAGNOSTICS withdrawn = ROW_COUNT;
    PERFORM gate_purge_record(
        NEW.department_id, format('photo %s moved to department %s', NEW.id, NEW.department_id), purged, withdrawn
    );
    RETURN NULL;
END $$;
CREATE TRIGGER faces_image_biometric_gate
    AFTER UPDATE OF department_id ON faces_image
    FOR EACH ROW WHEN (OLD.department_id IS DISTINCT FROM NEW.department_id)
    EXECUTE FUNCTION faces_image_gate();

CREATE FUNCTION departments_officer_gate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    purged integer;
    withdrawn integer;
BEGIN
    IF recognition_allowed(NEW.department_id) THEN
        RETURN NULL;
    END IF;
    -- Wait for writers in flight on the officer's faces (a backfill), then purge what they wrote.
    PERFORM 1 FROM faces_face WHERE officer_id = NEW.id ORDER BY id FOR UPDATE;
    UPDATE faces_face SET embedding = NULL, embedding_skipped_reason = 'Recognition is not allowed for this department.'
     WHERE officer_id = NEW.id AND embedding IS NOT NULL;
    GET DIAGNOSTICS purged = ROW_COUNT;
    UPDATE faces_matchsuggestion SET status = 'withdrawn', decided_at = now()
     WHERE status = 'pending'
       AND (officer_id = NEW.id OR face_id IN (SELECT id FROM faces_face WHERE officer_id = NEW.id));
    GET DIAGNOSTICS withdrawn = ROW_COUNT;
    PERFORM gate_purge_record(
        NEW.department_id, format('officer %s transferred to department %s', NEW.id, NEW.department_id),
        purged, withdrawn
    );
    RETURN NULL;
END $$;
CREATE TRIGGER departments_officer_biometric_gate
    AFTER UPDATE OF department_id ON departments_officer
    FOR EACH ROW WHEN (OLD.department_id IS DISTINCT FROM NEW.department_id)
    EXECUTE FUNCTION departments_officer_gate();

CREATE FUNCTION departments_department_gate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF recognition_allowed(NEW.id) THEN
        RETURN NULL;
    END IF;
    IF OLD.state IS DISTINCT FROM NEW.state THEN
        PERFORM gate_purge_department(NEW.id, format('state of department %s changed to %s', NEW.id, NEW.state));
    ELSE
        PERFORM gate_purge_department(NEW.id, format('recognition turned off for department %s', NEW.id));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER departments_department_biometric_gate
    AFTER UPDATE OF state, facial_recognition_allowed ON departments_department
    FOR EACH ROW WHEN (
        OLD.state IS DISTINCT FROM NEW.state
        OR OLD.facial_recognition_allowed IS DISTINCT FROM NEW.facial_recognition_allowed
    )
    EXECUTE FUNCTION departments_department_gate();

CREATE FUNCTION departments_jurisdictionrule_gate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    department bigint;
BEGIN
    -- FOR UPDATE conflicts with the FOR SHARE that embedding writers hold on their departments
    -- (departments.policy.lock_recognition_allowed): a write in flight commits first and is
    -- purged here, or waits and then sees the rule.
    FOR department IN SELECT id FROM departments_department WHERE state = NEW.state ORDER BY id FOR UPDATE LOOP
        PERFORM gate_purge_department(department, format('state rule for %s forbids recognition', NEW.state));
    END LOOP;
    RETURN NULL;
END $$;
CREATE TRIGGER departments_jurisdictionrule_biometric_gate
    AFTER INSERT OR UPDATE ON departments_jurisdictionrule
    FOR EACH ROW WHEN (NEW.recognition_forbidden)
    EXECUTE FUNCTION departments_jurisdictionrule_gate();
"""

DROP_GATE_SQL = """
DROP TRIGGER IF EXISTS departments_jurisdictionrule_biometric_gate ON departments_jurisdictionrule;
DROP FUNCTION IF EXISTS departments_jurisdictionrule_gate();
DROP TRIGGER IF EXISTS departments_department_biometric_gate ON departments_department;
DROP FUNCTION IF EXISTS departments_department_gate();
DROP TRIGGER IF EXISTS departments_officer_biometric_gate ON departments_officer;
DROP FUNCTION IF EXISTS departments_officer_gate();
DROP TRIGGER IF EXISTS faces_image_biometric_gate ON faces_image;
DROP FUNCTION IF EXISTS faces_image_gate();
DROP TRIGGER IF EXISTS faces_matchsuggestion_biometric_gate ON faces_matchsuggestion;
DROP FUNCTION IF EXISTS faces_matchsuggestion_gate();
DROP TRIGGER IF EXISTS faces_face_biometric_gate ON faces_face;
DROP FUNCTION IF EXISTS faces_face_gate();
DROP FUNCTION IF EXISTS gate_purge_department(bigint, text);
DROP FUNCTION IF EXISTS gate_purge_record(bigint, text, integer, integer);
DROP FUNCTION IF EXISTS recognition_allowed(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0003_seed_illinois_rule"),
        ("faces", "0004_image_uploader_session"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="GateAuditRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "ran_by",
                    models.CharField(
                        choices=[("command", "Command"), ("beat", "Beat")], default="command", max_length=10
                    ),
                ),
                ("fix", models.BooleanField(default=False)),
                ("embeddings_found", models.PositiveIntegerField(default=0)),
                ("suggestions_found", models.PositiveIntegerField(default=0)),
                ("embeddings_purged", models.PositiveIntegerField(default=0)),
                ("suggestions_withdrawn", models.PositiveIntegerField(default=0)),
                ("details", models.JSONField(blank=True, default=dict)),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="BiometricPurge",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("cause", models.CharField(max_length=300)),
                (
                    "source",
                    models.CharField(
                        choices=[("trigger", "Trigger"), ("gate_audit", "Gate Audit")], default="trigger", max_length=12
                    ),
                ),
                ("purged_embeddings", models.PositiveIntegerField(default=0)),
                ("withdrawn_suggestions", models.PositiveIntegerField(default=0)),
                ("transaction_id", models.BigIntegerField(blank=True, db_index=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "department",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="departments.department",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.RunSQL(GATE_SQL, DROP_GATE_SQL),
    ]
