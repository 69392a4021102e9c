"""Upload -> suggestions visible, as a person sees it: POST /api/v1/images/, then poll status.json.

    python -m benchmarks.latency [--broker redis|filesystem|both] [--uploads N] [--smoke]

1. A fresh benchmark database (benchmarks.env) with one department where recognition is
   allowed and the test photos' identities in its gallery.
2. gunicorn (2 workers) and one real `celery worker` (prefork, concurrency 1) on the chosen
   broker: Redis, or the embedded default's `filesystem://` broker (polled every 0.1 s).
3. Distinct ~1 MP one-face photos are uploaded one at a time by an anonymous client that
   keeps its session cookie (so, as the uploader, it may read the suggestions); the client
   polls `/images/<id>/status.json` every 10 ms until a face shows a suggestion, then until
   `labels_pending` is false, so every upload finds the worker idle (its label task done).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks import env as bench
from benchmarks.load import RAISED_THROTTLES, free_port, multipart, start_web

SECTION = "## Upload to suggestions (python -m benchmarks.latency)"
BASES = ["obama_2.jpg", "biden_2.jpg", "alex_lacamoire_2.jpg", "rose_leslie_2.jpg", "kit_harington_2.jpg"]


def _open(opener, url: str, body: bytes | None = None, content_type: str = "") -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type} if body else {})
    with opener.open(request, timeout=60) as response:
        return response.status, response.read()


def one_upload(base: str, department_id: int, name: str, data: bytes, timeout: float = 60) -> dict:
    """Upload as a fresh anonymous browser session; seconds until suggestions, then labels, show."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    body, content_type = multipart({"department": str(department_id)}, name, data)
    start = time.perf_counter()
    status, payload = _open(opener, f"{base}/api/v1/images/", body, content_type)
    uploaded = time.perf_counter() - start
    if status != 201:
        raise RuntimeError(f"upload refused: {status} {payload[:300]!r}")
    url = f"{base}/images/{json.loads(payload)['id']}/status.json"
    suggestions = labels = None
    deadline = start + timeout
    while time.perf_counter() < deadline and labels is None:
        _, payload = _open(opener, url)
        data_ = json.loads(payload)
        now = time.perf_counter() - start
        if suggestions is None and (any(f["suggestions"] for f in data_["faces"]) or data_["status"] == "failed"):
            suggestions = now
        if suggestions is not None and not data_.get("labels_pending", False):
            labels = now
        time.sleep(0.01)
    return {"upload": uploaded, "suggestions": suggestions, "labels": labels}


def run(broker: str, uploads: int, smoke: bool) -> dict:
    with bench.bench_environment(f"latency_{broker[:2]}", broker=broker) as worker_env:
        department = bench.allowed_department()
        bench.build_gallery(department, only=("obama",) if smoke else ())
        bench.analyze()
        bases = BASES[:1] if smoke else BASES
        logs = Path(tempfile.mkdtemp(prefix="bench-latency-"))
        web_env = {**worker_env, **RAISED_THROTTLES}
        port = free_port()
        web = start_web(web_env, port, logs / "web.log")
        worker = bench.Worker(worker_env, logs / "worker.log").start()
        base = f"http://127.0.0.1:{port}"
        rows = []
        try:
            # Warm up: the first task loads dlib's models in the worker's child process.
            warm = bench.variant((bench.FACES / bases[0]).read_bytes(), seed=99, megapixels=1.0)
            one_upload(base, department.pk, "warm.jpg", warm, timeout=180)
            for i in range(uploads):
                data = bench.variant((bench.FACES / bases[i % len(bases)]).read_bytes(), seed=7000 + i, megapixels=1.0)
                rows.append(one_upload(base, department.pk, f"u{i}.jpg", data))
        finally:
            worker.stop()
            os.killpg(web.pid, signal.SIGTERM)
            web.wait(30)
        text = (logs / "worker.log").read_text(errors="replace")
        return {
            "broker": broker,
            "rows": rows,
            "process_task": worker.task_runtimes()[1:],
            "label_task": [float(s) for s in _label_runtimes(text)][1:],
            "load": os.getloadavg(),
        }


def _label_runtimes(log: str) -> list[str]:
    import re

    return re.findall(r"label_image\[[^\]]+\] succeeded in ([0-9.e-]+)s", log)


def report(results: list[dict], args) -> str:
    ms = lambda s: f"{s * 1000:.0f} ms" if s == s else "-"  # noqa: E731
    lines = [
        f"Command: `{' '.join(['python -m benchmarks.latency', *sys.argv[1:]])}` "
        f"({'smoke size, not a measurement' if args.smoke else 'full run'}). {bench.machine_note()}. "
        "Other work on the same 2 cores only adds time.",
        "",
        "Anonymous client, `POST /api/v1/images/` then `GET /images/<id>/status.json` every 10 ms (session cookie "
        "kept, so the uploader sees its suggestions); distinct ~1 MP one-face photos, one at a time, each after "
        "the previous photo's labels arrived; gunicorn 2 workers, one `celery worker` (concurrency 1).",
        "",
        "| broker | uploads | suggestions p50 | p95 | max | labels visible p50 | upload request (median) | "
        "process_image task (median) | label_image task (median) | load average (1, 5, 15) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        got = [row["suggestions"] for row in r["rows"] if row["suggestions"] is not None]
        labels = [row["labels"] for row in r["rows"] if row["labels"] is not None]
        med = lambda v: statistics.median(v) if v else float("nan")  # noqa: E731
        lines.append(
            f"| {r['broker']} | {len(r['rows'])} ({len(got)} with suggestions) | "
            f"{ms(bench.percentile(got, 50))} | {ms(bench.percentile(got, 95))} | "
            f"{ms(max(got) if got else float('nan'))} | "
            f"{ms(bench.percentile(labels, 50))} | {ms(med([row['upload'] for row in r['rows']]))} | "
            f"{ms(med(r['process_task']))} | {ms(med(r['label_task']))} | "
            + ", ".join(f"{v:.2f}" for v in r["load"])
            + " |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--broker", choices=["redis", "filesystem", "both"], default="both")
    parser.add_argument("--uploads", type=int, default=None)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--output", type=Path, default=None, help="also write the section into this report")
    parser.add_argument("--json", type=Path, default=None, help=argparse.SUPPRESS)  # one broker's raw result
    args = parser.parse_args(argv)
    uploads = args.uploads or (2 if args.smoke else 24)
    if args.broker == "redis":
        bench.require_redis()
    if args.broker == "both":
        # Django reads its settings once per process: each broker runs in a process of its own.
        results = []
        for broker in ("filesystem", "redis"):
            with tempfile.NamedTemporaryFile(suffix=".json") as out:
                forwarded = ["--broker", broker, "--uploads", str(uploads), "--json", out.name]
                subprocess.run(
                    [sys.executable, "-m", "benchmarks.latency", *forwarded, *(["--smoke"] if args.smoke else [])],
                    check=True,
                    cwd=bench.ROOT,
                )
                results.append(json.loads(Path(out.name).read_text()))
    else:
        results = [run(args.broker, uploads, args.smoke)]
        if args.json:
            args.json.write_text(json.dumps(results[0]))
            return 0
    text = report(results, args)
    print(text)
    if args.output:
        bench.replace_section(SECTION, text, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
