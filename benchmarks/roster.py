"""Roster import at scale: `make bench-roster` (`python -m benchmarks.roster --n 50000`).

1. Create a throwaway database (benchmarks/env.py), migrate it, add a scratch department.
2. Write a generated N-officer roster CSV (BOM, CRLF, quoted commas, accents, formula-looking
   text, M/D/YYYY dates, empty optional cells) to a temporary file.
3. Time `roster_import` of it (goal: 50,000 rows ≤ 30 s) and report the peak RSS.
4. Time a re-import with 1 % of the rows changed (half a rank/unit change, i.e. an assignment
   closed and opened, half a name change; goal ≤ 15 s), then an identical re-import, which
   must change nothing.
5. Print a Markdown report, write JSON to var/benchmarks/, drop the database.
`--smoke` runs N=500 in seconds (tests/benchmarks/test_roster_benchmark_smoke.py).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.env import ROOT, bench_environment
from departments.roster_columns import ROSTER_COLUMNS

VAR_DIR = Path(os.environ.get("OVERSIGHT_VAR_DIR", ROOT / "var"))
HEADER = ROSTER_COLUMNS  # the importer's own columns
FIRST = ["Ana", "Ben", "Chloé", "Dmitri", "Ewa", "Farid", "Grace", "Hiroshi", "Iñaki", "José", "Kwame", "Lena"]
LAST = ["Reyes", "Okafor", "O'Brien", "Nguyen", "Smith, Jr.", "Müller", "Kowalski", "Haddad", "=SUM(A1)", "Lee"]
RANKS = ["Police Officer", "Sergeant", "Lieutenant", "Detective", "Captain"]
UNITS = ["Patrol, District 1", "Patrol, District 2", "Traffic", "Narcotics", "Homicide", "Training"]


def _row(i: int, rng: random.Random, changed: str = "") -> list[str]:
    hired = datetime.date(1990, 1, 1) + datetime.timedelta(days=rng.randrange(12_000))
    # Every 7th date in the US style some rosters use; the importer accepts both.
    hired_text = f"{hired.month}/{hired.day}/{hired.year}" if i % 7 == 0 else hired.isoformat()
    rank, unit = rng.choice(RANKS), rng.choice(UNITS)
    first = rng.choice(FIRST)
    if changed == "assignment":
        rank, unit = "Commander", "Internal Affairs"
    elif changed == "name":
        first = first + "-Marie"
    return [
        f"E{i:06d}",
        str(10_000 + i),
        first,
        rng.choice(["", "Q", "Lynn"]),
        rng.choice(LAST),
        rng.choice(["", "", "", "Jr.", "III"]),
        rank,
        unit,
        hired_text,
        "",
        rng.choice(["Male", "Female", ""]),
        rng.choice(["White", "Black", "Hispanic", "Asian", ""]),
        str(rng.randrange(1950, 2000)) if i % 5 else "",
    ]


def write_roster(path: Path, n: int, *, changes: float = 0.0, seed: int = 7) -> int:
    """Write the roster (same rows for one seed); `changes` of them altered. Returns the rows changed."""
    every = int(1 / changes) if changes else 0
    changed = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER)
        for i in range(n):
            rng = random.Random(seed * 1_000_003 + i)
            kind = ""
            if every and i % every == every - 1:
                kind = "assignment" if (i // every) % 2 == 0 else "name"
                changed += 1
            writer.writerow(_row(i, rng, kind))
    return changed


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(department, path: Path, effective: datetime.date) -> tuple[float, dict]:
    from departments.roster import roster_import
    from departments.services import SYSTEM

    started = time.perf_counter()
    with path.open("rb") as handle:
        report = roster_import(department, handle, actor=SYSTEM, effective_date=effective, file_name=path.name)
    seconds = time.perf_counter() - started
    if not report.ok:
        raise SystemExit("import refused: " + "; ".join(str(e) for e in report.errors[:5]))
    data = report.as_dict()
    data.pop("changes")
    return seconds, data


def _benchmark(n: int, folder: Path) -> dict:
    from departments.models import Assignment, Department, Officer

    department = Department.objects.create(name="Benchmark Police Department", slug="bench-roster", state="CA")
    first, changed = folder / "roster.csv", folder / "roster-changed.csv"
    started = time.perf_counter()
    write_roster(first, n)
    altered = write_roster(changed, n, changes=0.01)
    generate_seconds = time.perf_counter() - started
    rss_before = _peak_rss_mb()
    load_seconds, load = _run(department, first, datetime.date(2024, 1, 1))
    rss_after_load = _peak_rss_mb()
    change_seconds, change = _run(department, changed, datetime.date(2025, 7, 1))
    again_seconds, again = _run(department, changed, datetime.date(2025, 7, 1))
    officers = Officer.objects.filter(department=department).count()
    assignments = Assignment.objects.filter(officer__department=department).count()
    problems = []
    if (load["created"], officers) != (n, n):
        problems.append(f"first import created {load['created']} of {n}; {officers} stored")
    if change["updated"] != altered or change["assignments_changed"] != (altered + 1) // 2:
        problems.append(f"re-import updated {change['updated']} of {altered} changed rows")
    if assignments != n + change["assignments_changed"]:
        problems.append(f"{assignments} assignments stored")
    if (again["created"], again["updated"]) != (0, 0):
        problems.append("the identical re-import changed something")
    return {
        "n": n,
        "file_mb": round(first.stat().st_size / 1e6, 2),
        "generate_s": round(generate_seconds, 2),
        "import_s": round(load_seconds, 2),
        "reimport_1pct_s": round(change_seconds, 2),
        "reimport_identical_s": round(again_seconds, 2),
        "rows_changed": altered,
        "reimport": {k: change[k] for k in ("updated", "unchanged", "assignments_changed")},
        "peak_rss_mb_before_import": round(rss_before, 1),
        "peak_rss_mb_after_import": round(rss_after_load, 1),
        "peak_rss_mb_end": round(_peak_rss_mb(), 1),
        "problems": problems,
    }


def _print(report: dict, load: tuple[float, float, float]) -> None:
    print(f"## Roster import, {report['n']} officers ({report['file_mb']} MB CSV)\n")
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")
    print("| step | seconds |")
    print("|---|---|")
    print(f"| first import ({report['n']} created) | {report['import_s']} |")
    print(
        f"| re-import, {report['rows_changed']} rows changed "
        f"({report['reimport']['assignments_changed']} assignment changes) | {report['reimport_1pct_s']} |"
    )
    print(f"| identical re-import (0 changes) | {report['reimport_identical_s']} |")
    print(
        f"\npeak RSS: {report['peak_rss_mb_before_import']} MB before the import, "
        f"{report['peak_rss_mb_after_import']} MB after it, {report['peak_rss_mb_end']} MB at the end"
    )
    for problem in report["problems"]:
        print(f"PROBLEM: {problem}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000, help="officers in the generated roster")
    parser.add_argument("--smoke", action="store_true", help="N=500: seconds")
    args = parser.parse_args(argv)
    n = 500 if args.smoke else args.n
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-roster-") as folder, bench_environment("roster"):
        report = _benchmark(n, Path(folder))
    _print(report, load)
    print("\nbenchmark database dropped")
    out = VAR_DIR / "benchmarks"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"roster-{n}.json").write_text(json.dumps({**report, "load_average": load}, indent=2))
    return 1 if report["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
