"""At most one "refused" recognition event per face (the transparency pages count faces refused).

Until now the processing code read the face's refusals and then inserted, so two runs of the same
face at once could both insert. Duplicates already stored are removed first, keeping each face's
earliest refusal (its date is when the gate first said no).
"""

from django.db import migrations, models

KEEP_EARLIEST = """
DELETE FROM faces_recognitionevent later
USING faces_recognitionevent earlier
WHERE later.outcome = 'refused' AND earlier.outcome = 'refused'
  AND later.face_id = earlier.face_id
  AND (later.created_at, later.id) > (earlier.created_at, earlier.id);
"""


class Migration(migrations.Migration):
    dependencies = [("faces", "0015_centroid_graph_construction_256")]

    operations = [
        migrations.RunSQL(KEEP_EARLIEST, migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name="recognitionevent",
            constraint=models.UniqueConstraint(
                condition=models.Q(("outcome", "refused")), fields=("face",), name="one_refusal_per_face"
            ),
        ),
    ]
