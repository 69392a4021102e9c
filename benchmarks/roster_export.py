"""Department export at scale: `python -m benchmarks.roster_export --n 50000` (goal ≤ 10 s, streamed).

1. Create a throwaway database (benchmarks/env.py), migrate it, add a department of N officers,
   each with two assignments (one closed, one current), and N/10 salaries, incidents and links.
2. Time reading the whole ZIP the way the web answer streams it (faces.exports.stream_zip),
   the time to the first chunk, the ZIP size and the peak RSS; check officers.csv has N rows.
3. Print a Markdown report, write JSON to var/benchmarks/, drop the database.
`--smoke` runs N=500 in seconds.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import json
import os
import resource
import sys
import time
import zipfile
from pathlib import Path

from benchmarks.env import ROOT, bench_environment

VAR_DIR = Path(os.environ.get("OVERSIGHT_VAR_DIR", ROOT / "var"))
GOAL_SECONDS = 10.0
ENDED = datetime.date(2005, 1, 1)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _populate(n: int):
    from departments.models import Assignment, Department, Incident, Link, Officer, Salary

    department = Department.objects.create(name="Benchmark Police Department", slug="bench-export", state="CA")
    Officer.objects.bulk_create(
        (
            Officer(
                department=department,
                employee_id=f"E{i:06d}",
                first_name="Ana",
                middle_name="Q",
                last_name=f"Reyes, {i}",
                badge_number=str(10_000 + i),
                rank="Sergeant",
                unit="Patrol, District 1",
                employment_date=datetime.date(2000, 1, 1),
                gender="Female",
                race="Hispanic",
                birth_year=1980,
            )
            for i in range(n)
        ),
        batch_size=5000,
    )
    ids = list(Officer.objects.filter(department=department).order_by("pk").values_list("pk", flat=True))
    Assignment.objects.bulk_create(
        (Assignment(officer_id=pk, badge_number="9", rank="Officer", unit="Training", end_date=ENDED) for pk in ids),
        batch_size=5000,
    )
    Assignment.objects.bulk_create(
        (Assignment(officer_id=pk, badge_number="1", rank="Sergeant", unit="Patrol") for pk in ids), batch_size=5000
    )
    Salary.objects.bulk_create((Salary(officer_id=pk, year=2024, salary=90000) for pk in ids[::10]), batch_size=5000)
    incidents = Incident.objects.bulk_create(
        (Incident(department=department, report_number=f"R{i}", description="text") for i in range(n // 10)),
        batch_size=5000,
    )
    through = Incident.officers.through
    through.objects.bulk_create(
        (through(incident_id=incident.pk, officer_id=ids[i]) for i, incident in enumerate(incidents)), batch_size=5000
    )
    Link.objects.bulk_create(
        (Link(officer_id=pk, url="https://news.example/story", title="Story") for pk in ids[::10]), batch_size=5000
    )
    return department


def _benchmark(n: int) -> dict:
    from faces.exports import export_files, stream_zip

    started = time.perf_counter()
    department = _populate(n)
    populate_seconds = time.perf_counter() - started
    body = io.BytesIO()
    started = time.perf_counter()
    first_chunk = None
    for chunk in stream_zip(export_files(department)):
        if first_chunk is None and chunk:
            first_chunk = time.perf_counter() - started
        body.write(chunk)
    export_seconds = time.perf_counter() - started
    with zipfile.ZipFile(body) as archive:
        officers = sum(1 for _ in csv.reader(io.StringIO(archive.read("officers.csv").decode()))) - 1
        assignments = sum(1 for _ in csv.reader(io.StringIO(archive.read("assignments.csv").decode()))) - 1
    problems = []
    if officers != n or assignments != 2 * n:
        problems.append(f"exported {officers} officers and {assignments} assignments for {n}")
    if n >= 50_000 and export_seconds > GOAL_SECONDS:
        problems.append(f"export took {export_seconds:.1f} s (goal ≤ {GOAL_SECONDS} s)")
    return {
        "n": n,
        "populate_s": round(populate_seconds, 2),
        "export_s": round(export_seconds, 2),
        "first_chunk_s": round(first_chunk or 0.0, 3),
        "zip_mb": round(body.getbuffer().nbytes / 1e6, 2),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "problems": problems,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000, help="officers in the department")
    parser.add_argument("--smoke", action="store_true", help="N=500: seconds")
    args = parser.parse_args(argv)
    n = 500 if args.smoke else args.n
    load = os.getloadavg()
    with bench_environment("export"):
        report = _benchmark(n)
    print(f"## Department export, {n} officers ({2 * n} assignments)\n")
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")
    print("| step | seconds |")
    print("|---|---|")
    print(f"| whole ZIP streamed ({report['zip_mb']} MB) | {report['export_s']} |")
    print(f"| first chunk | {report['first_chunk_s']} |")
    print(f"\npeak RSS: {report['peak_rss_mb']} MB (the benchmark keeps the whole ZIP in memory to check it)")
    for problem in report["problems"]:
        print(f"PROBLEM: {problem}")
    print("\nbenchmark database dropped")
    out = VAR_DIR / "benchmarks"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"roster-export-{n}.json").write_text(json.dumps({**report, "load_average": load}, indent=2))
    return 1 if report["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
