"""Load test on loopback: POST /api/v1/images/ and GET /images/<id>/ at 10 and 50 clients.

    make bench-load                       # or: .venv/bin/python -m benchmarks.load --seconds 30

1. A fresh benchmark database on the site's PostgreSQL (benchmarks.env), migrated, with
   one department where recognition is allowed and a small gallery.
2. gunicorn with 2 sync workers and 2 `celery worker` processes on Redis.
3. For each concurrency level: an upload phase (every request a distinct photo, so
   SHA-256 de-duplication never short-cuts it) then a photo-page phase, each bounded in
   time; latency is measured per request, from the client.
4. Wait until the queue drains and report the status of every uploaded photo.
Throttle rates are raised for the run through the environment (THROTTLE_*).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.env import (
    FACES,
    ROOT,
    Worker,
    allowed_department,
    bench_environment,
    build_gallery,
    machine_note,
    percentile,
    require_redis,
    variant,
)

ONE_FACE = [
    "obama_1.jpg",
    "obama_2.jpg",
    "biden_1.jpg",
    "biden_2.jpg",
    "kit_harington_1.jpg",
    "rose_leslie_1.jpg",
    "alex_lacamoire_2.jpg",
    "kit_harington_2.jpg",
    "rose_leslie_2.jpg",
    "group_obama_biden.jpg",
    "noface_dogs.jpg",
    "group_kit_harington_rose_leslie.jpg",
]
RAISED_THROTTLES = {
    "THROTTLE_ANON_UPLOAD": "1000000/hour",
    "THROTTLE_USER_UPLOAD": "1000000/hour",
    "THROTTLE_ANON_READ": "1000000/hour",
    "THROTTLE_RECOGNITION": "1000000/hour",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def multipart(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: image/jpeg\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def request(url: str, body: bytes | None = None, content_type: str = "") -> tuple[int, float, bytes]:
    started = time.perf_counter()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": content_type} if body else {})
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            payload, status = response.read(), response.status
    except urllib.error.HTTPError as exc:
        payload, status = exc.read(), exc.code
    except OSError:
        payload, status = b"", 0  # refused, reset or timed out: an error
    return status, time.perf_counter() - started, payload


def run_phase(clients: int, seconds: float, one_request) -> dict:
    """`clients` threads call one_request() back to back until the time is up."""
    results: list[tuple[int, float]] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < stop_at:
            outcome = one_request()
            if outcome is None:  # nothing left to send
                return
            with lock:
                results.append(outcome)

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        for _ in range(clients):
            pool.submit(client)
    elapsed = time.monotonic() - started
    latencies = [lat for _, lat in results]
    errors = sum(1 for status, _ in results if not 200 <= status < 300)
    return {
        "clients": clients,
        "requests": len(results),
        "seconds": round(elapsed, 1),
        "throughput": round(len(results) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000) if latencies else None,
        "p99_ms": round(percentile(latencies, 99) * 1000) if latencies else None,
        "errors": errors,
        "error_rate": round(errors / len(results), 4) if results else None,
        "statuses": sorted({s for s, _ in results}),
    }


def start_web(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    # gunicorn inherits its own copy of the log descriptor; the parent's copy can close at once.
    with open(log, "ab") as handle:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "oversight.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                "2",
                "--timeout",
                "60",
                "--backlog",
                "256",
            ],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if request(f"http://127.0.0.1:{port}/healthz")[0] == 200:
            return process
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not start: {log.read_text()[-2000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30, help="length of each phase")
    parser.add_argument("--levels", default="10,50", help="concurrent clients, comma-separated")
    parser.add_argument("--pool", type=int, default=5000, help="distinct photos prepared for the upload phases")
    parser.add_argument("--megapixels", type=float, default=0.3, help="size of each uploaded photo")
    parser.add_argument("--drain-timeout", type=float, default=900)
    parser.add_argument("--out", default=str(ROOT / "var" / "bench-load.json"))
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.levels.split(",")]
    require_redis()
    print(f"preparing {args.pool} distinct photos of ~{args.megapixels} MP", flush=True)
    sources = [(FACES / name).read_bytes() for name in ONE_FACE]
    photos = iter(
        [(f"load-{n}.jpg", variant(sources[n % len(sources)], n, megapixels=args.megapixels)) for n in range(args.pool)]
    )
    photos_lock = threading.Lock()
    logs = Path(tempfile.mkdtemp(prefix="bench-load-logs-"))

    with bench_environment("load") as env:
        department = allowed_department("load")
        build_gallery(department)
        env = {**env, **RAISED_THROTTLES}
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        web = start_web(env, port, logs / "web.log")
        workers = [Worker(env, logs / f"worker-{n}.log").start() for n in range(2)]
        uploaded: list[int] = []
        report: dict = {"levels": [], "load_average_start": os.getloadavg()}
        try:

            def upload_one():
                with photos_lock:
                    item = next(photos, None)
                if item is None:
                    return None
                body, content_type = multipart({"department": str(department.pk)}, *item)
                status, latency, payload = request(f"{base}/api/v1/images/", body, content_type)
                if status == 201:
                    with photos_lock:
                        uploaded.append(json.loads(payload)["id"])
                return status, latency

            def page_one():
                image_id = random.choice(uploaded)
                status, latency, _ = request(f"{base}/images/{image_id}/")
                return status, latency

            for clients in levels:
                print(f"{clients} clients: uploads for {args.seconds:.0f}s", flush=True)
                upload = run_phase(clients, args.seconds, upload_one)
                print(f"  {upload}", flush=True)
                print(f"{clients} clients: photo pages for {args.seconds:.0f}s", flush=True)
                page = run_phase(clients, args.seconds, page_one)
                print(f"  {page}", flush=True)
                report["levels"].append({"upload": upload, "page": page})

            from faces.models import Image

            print(f"waiting for {len(uploaded)} photos to be processed", flush=True)
            started = time.monotonic()
            while time.monotonic() - started < args.drain_timeout:
                pending = Image.objects.filter(pk__in=uploaded).exclude(status__in=["done", "failed"]).count()
                if pending == 0:
                    break
                time.sleep(1)
            statuses: dict[str, int] = {}
            for status in Image.objects.filter(pk__in=uploaded).values_list("status", flat=True):
                statuses[status] = statuses.get(status, 0) + 1
            report.update(
                uploaded=len(uploaded),
                drain_seconds=round(time.monotonic() - started),
                statuses=statuses,
                machine=machine_note(),
                load_average_end=os.getloadavg(),
                command=" ".join(["python -m benchmarks.load", *(argv or sys.argv[1:])]),
            )
        finally:
            for worker in workers:
                worker.stop()
            os.killpg(web.pid, signal.SIGTERM)
            web.wait(30)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    ok = report["statuses"] == {"done": len(uploaded)} and all(
        level[k]["errors"] == 0 for level in report["levels"] for k in ("upload", "page")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
