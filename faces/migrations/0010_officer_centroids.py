"""Per-officer centroids of the gallery, kept by the database, and the search index on them.

A gallery search (faces.pipeline.search) nominates officers by their centroid and re-ranks
the shortlist from live faces, so it no longer needs a vector index on faces_face (1M faces:
794 MiB of HNSW, 13 min to build) nor the covering gallery B-tree; both go.

Triggers, all in the writing transaction:
1. AFTER INSERT / UPDATE / DELETE on faces_face, once per statement with its transition
   tables: every officer whose gallery membership or vectors the statement changed gets its
   centroids recomputed (one row per embedding variant), or deleted when no gallery face is left.
   A gate purge (migration 0005) nulls embeddings in one statement, so its officers'
   centroids go with them, whatever the cause.
2. AFTER UPDATE OF department_id on departments_officer: the copy of the department follows
   a transfer, and the centroid is recomputed (gone if the new department may not use recognition).
The recomputation itself re-checks recognition_allowed(), so no centroid can stand for a
department that may not use recognition even if a face's embedding had slipped through.
"""

import django.db.models.deletion
import pgvector.django.vector
from django.db import migrations, models

CENTROID_SQL = r"""
CREATE FUNCTION faces_officercentroid_refresh(officers bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF officers IS NULL OR cardinality(officers) = 0 THEN
        RETURN;
    END IF;
    DELETE FROM faces_officercentroid c
     WHERE c.officer_id = ANY(officers)
       AND NOT EXISTS (
            SELECT 1 FROM faces_face f JOIN departments_officer o ON o.id = f.officer_id
             WHERE f.officer_id = c.officer_id AND f.embedding_variant = c.variant
               AND f.embedding IS NOT NULL AND f.use_for_recognition AND recognition_allowed(o.department_id));
    INSERT INTO faces_officercentroid (officer_id, department_id, variant, centroid, face_count, updated_at)
    SELECT f.officer_id, o.department_id, f.embedding_variant, avg(f.embedding), count(*), now()
      FROM faces_face f JOIN departments_officer o ON o.id = f.officer_id
     WHERE f.officer_id = ANY(officers) AND f.embedding IS NOT NULL AND f.use_for_recognition
       AND recognition_allowed(o.department_id)
     GROUP BY f.officer_id, o.department_id, f.embedding_variant
    ON CONFLICT (officer_id, variant) DO UPDATE
       SET department_id = EXCLUDED.department_id, centroid = EXCLUDED.centroid,
           face_count = EXCLUDED.face_count, updated_at = EXCLUDED.updated_at;
END $$;

CREATE FUNCTION faces_face_centroids_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM faces_officercentroid_refresh(ARRAY(
        SELECT DISTINCT officer_id FROM new_faces
         WHERE officer_id IS NOT NULL AND embedding IS NOT NULL AND use_for_recognition));
    RETURN NULL;
END $$;

CREATE FUNCTION faces_face_centroids_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM faces_officercentroid_refresh(ARRAY(
        SELECT DISTINCT officer_id FROM old_faces
         WHERE officer_id IS NOT NULL AND embedding IS NOT NULL AND use_for_recognition));
    RETURN NULL;
END $$;

-- Only rows whose gallery membership or vector changed matter; a face in the gallery before
-- or after the statement names its officer (both officers, when it was re-identified).
CREATE FUNCTION faces_face_centroids_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM faces_officercentroid_refresh(ARRAY(
        SELECT DISTINCT officer FROM (
            SELECT o.officer_id AS old_officer, n.officer_id AS new_officer,
                   (o.officer_id IS NOT NULL AND o.embedding IS NOT NULL AND o.use_for_recognition) AS was_in,
                   (n.officer_id IS NOT NULL AND n.embedding IS NOT NULL AND n.use_for_recognition) AS is_in
              FROM old_faces o JOIN new_faces n ON n.id = o.id
             WHERE o.officer_id IS DISTINCT FROM n.officer_id
                OR o.use_for_recognition IS DISTINCT FROM n.use_for_recognition
                OR o.embedding_variant IS DISTINCT FROM n.embedding_variant
                OR (o.embedding IS NULL) <> (n.embedding IS NULL)
                OR o.embedding <> n.embedding
        ) changed,
        LATERAL (VALUES (CASE WHEN was_in THEN old_officer END), (CASE WHEN is_in THEN new_officer END)) AS v(officer)
        WHERE officer IS NOT NULL));
    RETURN NULL;
END $$;

CREATE TRIGGER faces_face_centroids_insert AFTER INSERT ON faces_face
    REFERENCING NEW TABLE AS new_faces FOR EACH STATEMENT EXECUTE FUNCTION faces_face_centroids_inserted();
CREATE TRIGGER faces_face_centroids_update AFTER UPDATE ON faces_face
    REFERENCING OLD TABLE AS old_faces NEW TABLE AS new_faces
    FOR EACH STATEMENT EXECUTE FUNCTION faces_face_centroids_updated();
CREATE TRIGGER faces_face_centroids_delete AFTER DELETE ON faces_face
    REFERENCING OLD TABLE AS old_faces FOR EACH STATEMENT EXECUTE FUNCTION faces_face_centroids_deleted();

CREATE FUNCTION departments_officer_centroids() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM faces_officercentroid_refresh(ARRAY[NEW.id]);
    RETURN NULL;
END $$;
CREATE TRIGGER departments_officer_centroids AFTER UPDATE OF department_id ON departments_officer
    FOR EACH ROW WHEN (OLD.department_id IS DISTINCT FROM NEW.department_id)
    EXECUTE FUNCTION departments_officer_centroids();

-- An officer's row goes with the officer (no foreign key: the triggers own this table).
CREATE FUNCTION departments_officer_centroids_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM faces_officercentroid WHERE officer_id = OLD.id;
    RETURN OLD;
END $$;
CREATE TRIGGER departments_officer_centroids_deleted AFTER DELETE ON departments_officer
    FOR EACH ROW EXECUTE FUNCTION departments_officer_centroids_deleted();

-- The graph is built on half-precision copies (half the size, the same shortlist at this
-- dimensionality: docs/benchmarks.md); the re-ranking reads full-precision faces.
CREATE INDEX centroid_hnsw ON faces_officercentroid
    USING hnsw ((centroid::halfvec(128)) halfvec_l2_ops) WITH (m = 16, ef_construction = 64);

SELECT faces_officercentroid_refresh(ARRAY(
    SELECT DISTINCT officer_id FROM faces_face
     WHERE officer_id IS NOT NULL AND embedding IS NOT NULL AND use_for_recognition));
"""

DROP_CENTROID_SQL = r"""
DROP INDEX IF EXISTS centroid_hnsw;
DROP TRIGGER IF EXISTS departments_officer_centroids_deleted ON departments_officer;
DROP FUNCTION IF EXISTS departments_officer_centroids_deleted();
DROP TRIGGER IF EXISTS departments_officer_centroids ON departments_officer;
DROP FUNCTION IF EXISTS departments_officer_centroids();
DROP TRIGGER IF EXISTS faces_face_centroids_delete ON faces_face;
DROP TRIGGER IF EXISTS faces_face_centroids_update ON faces_face;
DROP TRIGGER IF EXISTS faces_face_centroids_insert ON faces_face;
DROP FUNCTION IF EXISTS faces_face_centroids_updated();
DROP FUNCTION IF EXISTS faces_face_centroids_deleted();
DROP FUNCTION IF EXISTS faces_face_centroids_inserted();
DROP FUNCTION IF EXISTS faces_officercentroid_refresh(bigint[]);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0007_roster_upload_digest_expiry"),
        ("faces", "0009_face_groups"),
    ]

    operations = [
        migrations.CreateModel(
            name="OfficerCentroid",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("department_id", models.BigIntegerField()),
                ("variant", models.CharField(blank=True, max_length=40)),
                ("centroid", pgvector.django.vector.VectorField(dimensions=128)),
                ("face_count", models.PositiveIntegerField()),
                ("updated_at", models.DateTimeField()),
            ],
        ),
        migrations.RemoveIndex(
            model_name="face",
            name="face_embedding_hnsw",
        ),
        migrations.RemoveIndex(
            model_name="face",
            name="face_gallery_by_department",
        ),
        migrations.AddField(
            model_name="officercentroid",
            name="officer",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="departments.officer",
            ),
        ),
        migrations.AddIndex(
            model_name="officercentroid",
            index=models.Index(
                fields=["department_id", "variant"], include=("officer", "centroid"), name="centroid_scan"
            ),
        ),
        migrations.AddConstraint(
            model_name="officercentroid",
            constraint=models.UniqueConstraint(fields=("officer", "variant"), name="one_centroid_per_officer"),
        ),
        migrations.RunSQL(CENTROID_SQL, DROP_CENTROID_SQL),
    ]
