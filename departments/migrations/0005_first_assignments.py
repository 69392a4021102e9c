"""Every officer's badge, rank and unit of today become their first, open assignment.

The start date is left empty ("before our records begin"): the old record never said when
the officer took that badge, and a made-up date would show on the public page as fact.
"""

from __future__ import annotations

from django.db import migrations

BATCH = 2000


def create_first_assignments(apps, schema_editor) -> None:
    Officer = apps.get_model("departments", "Officer")
    Assignment = apps.get_model("departments", "Assignment")
    officers = (
        Officer.objects.filter(assignments__isnull=True)
        .exclude(badge_number="", rank="", unit="")
        .values_list("pk", "badge_number", "rank", "unit")
        .order_by("pk")
    )
    batch = []
    for pk, badge_number, rank, unit in officers.iterator(chunk_size=BATCH):
        batch.append(Assignment(officer_id=pk, badge_number=badge_number, rank=rank, unit=unit))
        if len(batch) >= BATCH:
            Assignment.objects.bulk_create(batch)
            batch = []
    Assignment.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("departments", "0004_officer_record")]

    operations = [migrations.RunPython(create_first_assignments, migrations.RunPython.noop)]
