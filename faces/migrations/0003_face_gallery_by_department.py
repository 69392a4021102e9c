"""Face.image_department_id: a trigger-kept copy of the photo's department, for gallery scans.

Triggers (not services) keep it right, so every write path (ORM saves, bulk updates, raw
SQL, COPY) is covered: a face takes its image's department on insert or when its image
changes, and faces follow when an image moves to another department.
"""

from django.conf import settings
from django.db import migrations, models

TRIGGERS = """
CREATE FUNCTION faces_face_copy_image_department() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT department_id INTO NEW.image_department_id FROM faces_image WHERE id = NEW.image_id;
    RETURN NEW;
END $$;
CREATE TRIGGER faces_face_image_department
    BEFORE INSERT OR UPDATE OF image_id, image_department_id ON faces_face
    FOR EACH ROW EXECUTE FUNCTION faces_face_copy_image_department();

CREATE FUNCTION faces_image_propagate_department() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE faces_face SET image_department_id = NEW.department_id WHERE image_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER faces_image_department_to_faces
    AFTER UPDATE OF department_id ON faces_image
    FOR EACH ROW WHEN (OLD.department_id IS DISTINCT FROM NEW.department_id)
    EXECUTE FUNCTION faces_image_propagate_department();

UPDATE faces_face f SET image_department_id = i.department_id FROM faces_image i WHERE i.id = f.image_id;
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS faces_image_department_to_faces ON faces_image;
DROP FUNCTION IF EXISTS faces_image_propagate_department();
DROP TRIGGER IF EXISTS faces_face_image_department ON faces_face;
DROP FUNCTION IF EXISTS faces_face_copy_image_department();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0003_seed_illinois_rule"),
        ("faces", "0002_decision"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="face",
            name="image_department_id",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="face",
            index=models.Index(
                condition=models.Q(
                    ("embedding__isnull", False), ("officer__isnull", False), ("use_for_recognition", True)
                ),
                fields=["image_department_id"],
                include=("officer", "image", "embedding"),
                name="face_gallery_by_department",
            ),
        ),
        migrations.RunSQL(TRIGGERS, DROP_TRIGGERS),
    ]
