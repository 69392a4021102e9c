"""The officers' centroid graph built with ef_construction 256 (was 128), m 32 as before.

Measured at 1M faces of calibrated data (docs/benchmarks.md, "Gallery search at scale"): the same
graph size (136 MiB), the all-allowed search at ef_search 200 faster (p50 about 20 -> 15-17 ms,
recall@5 0.994 -> 0.996), for about twice the build time and a few ms more per new gallery face.
Department graphs (faces.services.search_graphs) copy these options from this index.
"""

from django.db import migrations

BETTER_BUILT = """
DROP INDEX IF EXISTS centroid_hnsw;
CREATE INDEX centroid_hnsw ON faces_officercentroid
    USING hnsw ((centroid::halfvec(128)) halfvec_l2_ops) WITH (m = 32, ef_construction = 256);
"""

AS_BEFORE = """
DROP INDEX IF EXISTS centroid_hnsw;
CREATE INDEX centroid_hnsw ON faces_officercentroid
    USING hnsw ((centroid::halfvec(128)) halfvec_l2_ops) WITH (m = 32, ef_construction = 128);
"""


class Migration(migrations.Migration):
    dependencies = [("faces", "0014_takedown_video_id")]

    operations = [migrations.RunSQL(BETTER_BUILT, AS_BEFORE)]
