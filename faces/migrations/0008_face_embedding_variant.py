"""Record which descriptor space each stored embedding is in (issue 14: mirrored descriptors).

Embeddings stored before this migration were computed with the then default: dlib's ResNet on
the 5-point-aligned chip, not mirrored ("dlib-resnet-small").
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("faces", "0007_headshot_batches"),
    ]

    operations = [
        migrations.AddField(
            model_name="face",
            name="embedding_variant",
            field=models.CharField(blank=True, editable=False, max_length=40),
        ),
        migrations.RunSQL(
            "UPDATE faces_face SET embedding_variant = 'dlib-resnet-small' WHERE embedding IS NOT NULL",
            migrations.RunSQL.noop,
        ),
    ]
