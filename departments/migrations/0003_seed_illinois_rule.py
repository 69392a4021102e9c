from django.db import migrations

ILLINOIS_REASON = (
    "Illinois Biometric Information Privacy Act (BIPA, 740 ILCS 14) forbids collecting or storing "
    "a scan of face geometry without written consent from each person."
)


def seed_rule(apps, schema_editor):
    JurisdictionRule = apps.get_model("departments", "JurisdictionRule")
    JurisdictionRule.objects.get_or_create(
        state="IL", defaults={"recognition_forbidden": True, "legal_reason": ILLINOIS_REASON}
    )


class Migration(migrations.Migration):
    dependencies = [("departments", "0002_initial")]
    operations = [migrations.RunPython(seed_rule, migrations.RunPython.noop)]
