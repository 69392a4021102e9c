"""Rules 4 and 5 on the flag itself: no department keeps recognition on where a state rule forbids it.

Migration 0005 purges the data when a department moves into a forbidding state, but left
its `facial_recognition_allowed` flag on, unaudited; removing or relaxing the rule then
made it allowed again at once. The services now turn the flag off first, through
`department_set_recognition` (audited, purged). These triggers are the safety net under
them, for `QuerySet.update()`, data migrations and raw SQL:

1. BEFORE INSERT/UPDATE OF state or flag on departments_department: a department whose
   flag is on in a state a rule forbids is stored with the flag off, and the change is
   audited in departments_recognitionchange (no actor; counts 0: the purge itself is done
   and recorded in faces_biometricpurge by 0005's AFTER trigger). The service path turns
   the flag off before the state changes, so this trigger finds it off and writes nothing.
2. The state-rule trigger of 0005 also turns off (and audits) the flags of the state's
   departments after purging them.
3. Existing rows are brought in line once (a department left on by the old code).

Also: RuleChange (who added, changed or removed a state rule) and the gate audit's count of
departments found with the flag on under a forbidding rule.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FLAG_GATE_SQL = r"""
CREATE FUNCTION departments_department_flag_gate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    why text;
BEGIN
    IF NOT NEW.facial_recognition_allowed OR NOT EXISTS (
        SELECT 1 FROM departments_jurisdictionrule WHERE state = NEW.state AND recognition_forbidden
    ) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        why := 'Department created in %s, where a state rule forbids facial recognition (database safety net)';
    ELSIF OLD.state IS DISTINCT FROM NEW.state THEN
        why := 'State changed to %s, where a state rule forbids facial recognition (database safety net)';
    ELSIF OLD.facial_recognition_allowed THEN
        why := 'Recognition was on in %s, where a state rule forbids facial recognition (database safety net)';
    ELSE
        why := 'Recognition turned on in %s, where a state rule forbids facial recognition (database safety net)';
    END IF;
    NEW.facial_recognition_allowed := false;
    -- The foreign key is deferred (Django's default), so an INSERT may audit its own new row.
    INSERT INTO departments_recognitionchange
        (department_id, allowed, actor_id, reason, purged_embeddings, withdrawn_suggestions, backfill_due,
         backfill_done_at, created_at)
    VALUES (NEW.id, false, NULL, format(why, NEW.state), 0, 0, false, NULL, now());
    RETURN NEW;
END $$;
CREATE TRIGGER departments_department_flag_gate
    BEFORE INSERT OR UPDATE OF state, facial_recognition_allowed ON departments_department
    FOR EACH ROW EXECUTE FUNCTION departments_department_flag_gate();

CREATE OR REPLACE FUNCTION departments_jurisdictionrule_gate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    department bigint;
BEGIN
    -- FOR UPDATE conflicts with the FOR SHARE that embedding writers hold on their departments
    -- (departments.policy.lock_recognition_allowed): a write in flight commits first and is
    -- purged here, or waits and then sees the rule.
    FOR department IN SELECT id FROM departments_department WHERE state = NEW.state ORDER BY id FOR UPDATE LOOP
        PERFORM gate_purge_department(department, format('state rule for %s forbids recognition', NEW.state));
    END LOOP;
    -- Then the flags: jurisdiction_rule_save turns them off first (audited with its actor), so
    -- this finds them off; a rule written any other way leaves nothing on, and says so.
    INSERT INTO departments_recognitionchange
        (department_id, allowed, actor_id, reason, purged_embeddings, withdrawn_suggestions, backfill_due,
         backfill_done_at, created_at)
    SELECT id, false, NULL,
           format('State rule for %s forbids facial recognition (database safety net)', NEW.state),
           0, 0, false, NULL, now()
      FROM departments_department WHERE state = NEW.state AND facial_recognition_allowed;
    UPDATE departments_department SET facial_recognition_allowed = false
     WHERE state = NEW.state AND facial_recognition_allowed;
    RETURN NULL;
END $$;

-- Bring existing rows in line (the flag trigger turns them off and audits each one).
UPDATE departments_department d SET state = d.state
 WHERE d.facial_recognition_allowed
   AND EXISTS (SELECT 1 FROM departments_jurisdictionrule r WHERE r.state = d.state AND r.recognition_forbidden);
"""

# Back to 0005's rule trigger (purge only).
DROP_FLAG_GATE_SQL = r"""
DROP TRIGGER IF EXISTS departments_department_flag_gate ON departments_department;
DROP FUNCTION IF EXISTS departments_department_flag_gate();
CREATE OR REPLACE FUNCTION departments_jurisdictionrule_gate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    department bigint;
BEGIN
    FOR department IN SELECT id FROM departments_department WHERE state = NEW.state ORDER BY id FOR UPDATE LOOP
        PERFORM gate_purge_department(department, format('state rule for %s forbids recognition', NEW.state));
    END LOOP;
    RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0003_seed_illinois_rule"),
        ("faces", "0005_gate_triggers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="gateauditrun",
            name="flags_found",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="gateauditrun",
            name="flags_turned_off",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.CreateModel(
            name="RuleChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("state", models.CharField(db_index=True, max_length=2)),
                (
                    "action",
                    models.CharField(
                        choices=[("added", "Added"), ("changed", "Changed"), ("removed", "Removed")], max_length=10
                    ),
                ),
                ("before", models.JSONField(blank=True, default=dict)),
                ("after", models.JSONField(blank=True, default=dict)),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.RunSQL(FLAG_GATE_SQL, DROP_FLAG_GATE_SQL),
    ]
