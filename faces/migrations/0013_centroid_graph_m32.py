"""The officers' centroid graph rebuilt denser: HNSW m 32, ef_construction 128 (was 16, 64).

Measured at 1M faces of calibrated data (docs/benchmarks.md, "Gallery search at scale"): the
all-allowed scope's recall@5 at ef_search 200 rose from 0.97 to 0.996 for 1.35x the index
(136 MiB at 186k officers) and about 4x its build time; a gallery face's insert costs ~3 ms more.
"""

from django.db import migrations

DENSER = """
DROP INDEX IF EXISTS centroid_hnsw;
CREATE INDEX centroid_hnsw ON faces_officercentroid
    USING hnsw ((centroid::halfvec(128)) halfvec_l2_ops) WITH (m = 32, ef_construction = 128);
"""

SPARSER = """
DROP INDEX IF EXISTS centroid_hnsw;
CREATE INDEX centroid_hnsw ON faces_officercentroid
    USING hnsw ((centroid::halfvec(128)) halfvec_l2_ops) WITH (m = 16, ef_construction = 64);
"""


class Migration(migrations.Migration):
    dependencies = [("faces", "0012_takedown_keeps_report_counts")]

    operations = [migrations.RunSQL(DENSER, SPARSER)]
