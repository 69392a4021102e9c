"""Where a headshot batch's files come from: a folder, a ZIP, uploaded files, a mapping CSV.

Nothing here trusts a name: a file is read only through a bounded read, an archive entry is
never written to disk, and a name that climbs out of its folder or archive (`../x.jpg`, an
absolute path), a link, or an entry that cannot be read becomes a reported file, not an
error for the whole batch. The batch as a whole is refused (`HeadshotsRejected`, nothing
stored) only when it is over the limits or its archive or mapping cannot be read at all.
"""

from __future__ import annotations

import csv
import io
import os
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings

from oversight.exceptions import DomainError

MAPPING_MAX_BYTES = 5 * 1024 * 1024  # 100,000 lines of `filename,employee_id` fit easily
KEY_MAX_LENGTH = 100  # HeadshotItem.key
NAME_MAX_LENGTH = 255  # HeadshotItem.file_name
NOT_A_ZIP = "This file is not a ZIP archive that can be read. Nothing was imported."
# The ZIP records read before the archive is opened (APPNOTE 4.3.14-16): the end of
# central directory (22 bytes + a comment of up to 64 kB) and, for ZIP64, the locator and
# record just before it. zipfile keeps its own readers private.
EOCD = struct.Struct("<4s4H2LH")
ZIP64_LOCATOR = struct.Struct("<4sLQL")
ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
# Entries besides the photos: folders, and macOS's `__MACOSX/._name` twin of every file.
ENTRIES_PER_FILE, ENTRIES_SLACK = 2, 100
CENTRAL_ENTRY_MAX_BYTES = 2048  # 46 bytes + a name and extra fields of any sensible length
# macOS adds these to every ZIP it makes; they are not files anyone chose to send.
ARCHIVE_CLUTTER = ("__MACOSX/", ".DS_Store", "Thumbs.db", "desktop.ini")


class HeadshotsRejected(DomainError):
    """The whole batch is refused before anything is stored (limits, unreadable archive or mapping)."""

    code = "headshots_rejected"


class UnreadableFile(Exception):
    """One file of the batch could not be read; the message is for people."""


@dataclass(frozen=True)
class HeadshotFile:
    """One file of a batch: its name as sent, and how to read it (or why it is refused)."""

    name: str
    read: Callable[[], bytes] | None = None
    problem: str = ""

    @property
    def base_name(self) -> str:
        return PurePosixPath(self.name).name

    @property
    def key(self) -> str:
        """The employee ID or badge number a name like `12345.jpg` gives."""
        return os.path.splitext(self.base_name)[0].strip()


@dataclass(frozen=True)
class HeadshotSource:
    """The files of a batch and what to call their origin on the report."""

    label: str
    files: list[HeadshotFile]


def shown_name(name: str) -> str:
    """A name fit to show back: forward slashes, printable, no bidi controls, bounded."""
    name = (name or "").replace("\\", "/")
    name = "".join(ch for ch in name if ch.isprintable() and unicodedata.category(ch) != "Cf")
    return name[:255] or "(no name)"


def _unsafe(name: str) -> bool:
    path = name.replace("\\", "/")
    return path.startswith("/") or (len(path) > 1 and path[1] == ":") or ".." in PurePosixPath(path).parts


def _bounded(read_some: Callable[[int], bytes]) -> bytes:
    limit = settings.UPLOAD_MAX_BYTES
    data = read_some(limit + 1)
    if len(data) > limit:
        raise UnreadableFile(f"This file is larger than the {limit // (1024 * 1024)} MB limit.")
    return data


def _refuse_over_limits(count: int, declared_bytes: int) -> None:
    if count > settings.HEADSHOTS_MAX_FILES:
        raise HeadshotsRejected(
            f"This batch has {count} files; the limit is {settings.HEADSHOTS_MAX_FILES} per batch. "
            "Split it into smaller batches. Nothing was imported."
        )
    limit = settings.HEADSHOTS_MAX_TOTAL_BYTES
    if declared_bytes > limit:
        raise HeadshotsRejected(
            f"This batch holds {declared_bytes // (1024 * 1024)} MB; the limit is {limit // (1024 * 1024)} MB "
            "per batch. Split it into smaller batches. Nothing was imported."
        )


def from_folder(folder: Path) -> HeadshotSource:
    """Every file under `folder` (sub-folders too); links are reported, never followed."""
    found: list[tuple[Path, str]] = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        dirs.sort()
        for name in sorted(names) + [d for d in dirs if Path(root, d).is_symlink()]:
            found.append((Path(root, name), Path(root, name).relative_to(folder).as_posix()))
    sizes = sum(p.stat().st_size for p, _ in found if p.is_file() and not p.is_symlink())
    _refuse_over_limits(len(found), sizes)
    files = []
    for path, relative in found:
        if path.is_symlink() or not path.is_file():
            files.append(HeadshotFile(shown_name(relative), problem="A link or special file; skipped."))
            continue

        def read(path: Path = path) -> bytes:
            try:
                with open(path, "rb") as handle:
                    return _bounded(handle.read)
            except OSError as exc:
                raise UnreadableFile(f"Could not read the file: {exc.strerror}.") from exc

        files.append(HeadshotFile(shown_name(relative), read=read))
    return HeadshotSource(shown_name(folder.name or str(folder)), files)


def _zip_entries_declared(handle) -> tuple[int, int]:
    """(entries, central directory bytes) as the archive's end records declare them.

    Read from the last 64 kB (and, for ZIP64, 76 bytes before them) only, so an archive
    that declares millions of entries is refused without its directory being parsed.
    """
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    tail_start = max(0, size - EOCD.size - 0xFFFF)
    handle.seek(tail_start)
    tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < EOCD.size:
        raise HeadshotsRejected(NOT_A_ZIP)
    _, _, _, _, entries, central_bytes, central_offset, _ = EOCD.unpack_from(tail, at)
    if entries != 0xFFFF and 0xFFFFFFFF not in (central_bytes, central_offset):
        return entries, central_bytes
    record_at = tail_start + at - ZIP64_LOCATOR.size - ZIP64_EOCD.size
    if record_at < 0:
        raise HeadshotsRejected(NOT_A_ZIP)
    handle.seek(record_at)
    records = handle.read(ZIP64_EOCD.size + ZIP64_LOCATOR.size)
    if len(records) < ZIP64_EOCD.size + ZIP64_LOCATOR.size or not (
        records.startswith(b"PK\x06\x06") and records[ZIP64_EOCD.size :].startswith(b"PK\x06\x07")
    ):
        raise HeadshotsRejected(NOT_A_ZIP)
    fields = ZIP64_EOCD.unpack_from(records)
    return fields[7], fields[8]


def _refuse_a_huge_directory(archive) -> None:
    """Refuse, before zipfile parses it, an archive declaring far more entries than a batch has."""
    allowed = settings.HEADSHOTS_MAX_FILES * ENTRIES_PER_FILE + ENTRIES_SLACK
    try:
        if isinstance(archive, str | os.PathLike):
            with open(archive, "rb") as handle:
                entries, central_bytes = _zip_entries_declared(handle)
        else:
            entries, central_bytes = _zip_entries_declared(archive)
            archive.seek(0)
    except (OSError, ValueError, struct.error) as exc:
        raise HeadshotsRejected(NOT_A_ZIP) from exc
    if entries > allowed:
        _refuse_over_limits(entries, 0)
    if central_bytes > allowed * CENTRAL_ENTRY_MAX_BYTES:
        raise HeadshotsRejected(
            "This ZIP's list of entries is too large to be a batch of photos. Nothing was imported."
        )


def from_zip(archive, label: str) -> HeadshotSource:
    """The entries of a ZIP (a path or a file object), read one at a time, each bounded.

    Its declared entry count is checked from its end record before zipfile reads the whole
    directory. Declared sizes can lie (a "zip bomb" declares little and inflates a lot), so
    each entry is read at most UPLOAD_MAX_BYTES + 1 bytes whatever it declares; the declared
    total only refuses a batch early.
    """
    _refuse_a_huge_directory(archive)
    try:
        zf = zipfile.ZipFile(archive)
        entries = [i for i in zf.infolist() if not i.is_dir() and not any(c in i.filename for c in ARCHIVE_CLUTTER)]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise HeadshotsRejected(NOT_A_ZIP) from exc
    _refuse_over_limits(len(entries), sum(i.file_size for i in entries))
    files = []
    for info in entries:
        if _unsafe(info.filename):
            files.append(
                HeadshotFile(shown_name(info.filename), problem="Its name points outside the archive; skipped.")
            )
            continue

        def read(info: zipfile.ZipInfo = info) -> bytes:
            try:
                with zf.open(info) as handle:
                    return _bounded(handle.read)
            except RuntimeError as exc:  # zipfile's word for "encrypted"
                raise UnreadableFile("This entry is encrypted; skipped.") from exc
            except NotImplementedError as exc:
                raise UnreadableFile("This entry uses a compression method that is not supported.") from exc
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
                raise UnreadableFile("This entry of the archive is damaged.") from exc

        files.append(HeadshotFile(shown_name(info.filename), read=read))
    return HeadshotSource(shown_name(label), files)


def from_uploads(uploads: Iterable) -> HeadshotSource:
    """Files sent from the page (Django UploadedFile objects)."""
    uploads = list(uploads)
    _refuse_over_limits(len(uploads), sum(getattr(u, "size", 0) or 0 for u in uploads))
    files = []
    for upload in uploads:

        def read(upload=upload) -> bytes:
            upload.seek(0)
            return _bounded(upload.read)

        files.append(HeadshotFile(shown_name(os.path.basename((upload.name or "").replace("\\", "/"))), read=read))
    return HeadshotSource(f"{len(files)} uploaded file{'' if len(files) == 1 else 's'}", files)


def from_path(path: Path) -> HeadshotSource:
    """A folder or a ZIP file on disk (the command's PATH)."""
    if path.is_dir():
        return from_folder(path)
    if not path.is_file():
        raise HeadshotsRejected(f"{shown_name(str(path))} is neither a folder nor a file.")
    with open(path, "rb") as handle:
        if handle.read(4) not in (b"PK\x03\x04", b"PK\x05\x06"):
            raise HeadshotsRejected("PATH must be a folder or a ZIP archive. Nothing was imported.")
    return from_zip(path, path.name)


def read_mapping(handle) -> dict[str, str]:
    """`filename,employee_id` lines (a header line is optional) → {base file name: ID}.

    Refuses the whole mapping, with the line, if it is not UTF-8 CSV, a line lacks either
    value, a name or ID is too long or holds control characters, or a file name is given
    two different IDs.
    """
    raw = handle.read(MAPPING_MAX_BYTES + 1)
    if len(raw) > MAPPING_MAX_BYTES:
        raise HeadshotsRejected(f"The mapping file is larger than {MAPPING_MAX_BYTES // (1024 * 1024)} MB.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HeadshotsRejected("The mapping file is not UTF-8 text. Nothing was imported.") from exc
    mapping: dict[str, str] = {}
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise HeadshotsRejected(f"The mapping file is not a CSV file: {exc}. Nothing was imported.") from exc
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if number == 1 and cells[0].lower() in ("filename", "file", "file_name"):
            continue  # the header
        if len(cells) < 2 or not cells[0] or not cells[1]:
            raise HeadshotsRejected(
                f"Mapping file, line {number}: expected `filename,employee_id`. Nothing was imported."
            )
        name = PurePosixPath(cells[0].replace("\\", "/")).name
        _refuse_a_bad_cell(number, "file name", name, NAME_MAX_LENGTH)
        _refuse_a_bad_cell(number, "employee ID", cells[1], KEY_MAX_LENGTH)
        if mapping.get(name, cells[1]) != cells[1]:
            raise HeadshotsRejected(
                f"Mapping file, line {number}: {shown_name(name)} is given two different IDs. Nothing was imported."
            )
        mapping[name] = cells[1]
    return mapping


def _refuse_a_bad_cell(number: int, what: str, value: str, max_length: int) -> None:
    # A name or ID that could not be shown as sent, or stored whole, would be looked up or
    # reported as something else: refuse the mapping rather than guess.
    if len(value) > max_length:
        raise HeadshotsRejected(
            f"Mapping file, line {number}: the {what} is longer than {max_length} characters. Nothing was imported."
        )
    if not value or shown_name(value) != value:
        raise HeadshotsRejected(
            f"Mapping file, line {number}: the {what} contains control or invisible characters. Nothing was imported."
        )
