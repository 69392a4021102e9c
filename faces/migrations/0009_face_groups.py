"""Groups of unidentified faces (faces.services.grouping), and the gate on them in the database.

A group is derived from embeddings, so it obeys rule 4 like they do, whatever writes the rows:
1. BEFORE INSERT/UPDATE on faces_facegroupmember: refuse a membership whose face has no
   embedding, has an identity (officer or civilian), is on a photo of another department
   than the group's, or whose group's department may not use recognition.
2. AFTER UPDATE of a face's embedding (nulled, or re-embedded in another descriptor space),
   identity or department: its membership goes (so every purge of migration 0005's
   triggers, and every identification, empties the groups too).
3. AFTER DELETE of a membership: a group left with one member is dissolved (a group is two
   or more faces), and a group left without members is deleted.
"""

import django.db.models.deletion
from django.db import migrations, models

GROUP_GATE_SQL = r"""
CREATE FUNCTION faces_facegroupmember_gate() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    face record;
    group_department bigint;
BEGIN
    SELECT f.embedding IS NOT NULL AS embedded, f.officer_id, f.is_civilian, i.department_id
      INTO face FROM faces_face f JOIN faces_image i ON i.id = f.image_id WHERE f.id = NEW.face_id;
    SELECT department_id INTO group_department FROM faces_facegroup WHERE id = NEW.group_id;
    IF NOT FOUND OR face.department_id IS DISTINCT FROM group_department THEN
        RAISE EXCEPTION 'face % is not in the department of group %', NEW.face_id, NEW.group_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF NOT recognition_allowed(group_department) THEN
        RAISE EXCEPTION 'recognition is not allowed for department %: no face groups there', group_department
            USING ERRCODE = 'check_violation';
    END IF;
    IF NOT face.embedded OR face.officer_id IS NOT NULL OR face.is_civilian THEN
        RAISE EXCEPTION 'face % is identified or has no embedding: it cannot join a group', NEW.face_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER faces_facegroupmember_gate
    BEFORE INSERT OR UPDATE ON faces_facegroupmember
    FOR EACH ROW EXECUTE FUNCTION faces_facegroupmember_gate();

CREATE FUNCTION faces_face_leaves_group() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM faces_facegroupmember WHERE face_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER faces_face_leaves_group
    AFTER UPDATE OF embedding, embedding_variant, officer_id, is_civilian, image_department_id, image_id ON faces_face
    FOR EACH ROW WHEN (
        NEW.embedding IS NULL OR NEW.officer_id IS NOT NULL OR NEW.is_civilian
        OR OLD.image_department_id IS DISTINCT FROM NEW.image_department_id
        OR OLD.image_id IS DISTINCT FROM NEW.image_id
        OR OLD.embedding_variant IS DISTINCT FROM NEW.embedding_variant
    )
    EXECUTE FUNCTION faces_face_leaves_group();

CREATE FUNCTION faces_facegroup_drop_empty() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    remaining integer;
BEGIN
    SELECT count(*) INTO remaining FROM faces_facegroupmember WHERE group_id = OLD.group_id;
    IF remaining = 1 THEN
        -- A group of one is no group: its last member leaves (and this fires again, with 0).
        DELETE FROM faces_facegroupmember WHERE group_id = OLD.group_id;
    ELSIF remaining = 0 THEN
        DELETE FROM faces_facegroup WHERE id = OLD.group_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER faces_facegroup_drop_empty
    AFTER DELETE ON faces_facegroupmember
    FOR EACH ROW EXECUTE FUNCTION faces_facegroup_drop_empty();
"""

DROP_GROUP_GATE_SQL = """
DROP TRIGGER IF EXISTS faces_facegroup_drop_empty ON faces_facegroupmember;
DROP FUNCTION IF EXISTS faces_facegroup_drop_empty();
DROP TRIGGER IF EXISTS faces_face_leaves_group ON faces_face;
DROP FUNCTION IF EXISTS faces_face_leaves_group();
DROP TRIGGER IF EXISTS faces_facegroupmember_gate ON faces_facegroupmember;
DROP FUNCTION IF EXISTS faces_facegroupmember_gate();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0006_roster_upload"),
        ("faces", "0008_face_embedding_variant"),
    ]

    operations = [
        migrations.AddField(
            model_name="gateauditrun",
            name="memberships_found",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="gateauditrun",
            name="memberships_removed",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.CreateModel(
            name="FaceGroup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "department",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="departments.department"
                    ),
                ),
            ],
            options={
                "ordering": ["created_at", "pk"],
            },
        ),
        migrations.CreateModel(
            name="FaceGroupMember",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("added_at", models.DateTimeField(auto_now_add=True)),
                (
                    "face",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="group_membership", to="faces.face"
                    ),
                ),
                (
                    "group",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="members", to="faces.facegroup"
                    ),
                ),
            ],
            options={
                "ordering": ["group_id", "added_at", "pk"],
            },
        ),
        migrations.RunSQL(GROUP_GATE_SQL, DROP_GROUP_GATE_SQL),
    ]
