"""kombu's filesystem transport, made safe against half-written messages.

The stock transport (kombu 5.7) creates a message file in the queue folder and only then
writes it, while the consumer lists that folder and reads files without a lock. A
consumer could therefore take an empty or half-written file, and the JSON error it then
raised is unrecoverable to Celery: the worker (and the beat embedded in it) exited.

Here a message is written and flushed under a name in a temporary folder the consumer
never lists, then renamed into the queue folder, so it appears there whole or not at all.
The consumer claims a file by renaming it into the processed folder (one consumer wins),
waits for the shared lock (a writer still running the stock code holds the exclusive lock
while it writes), and moves a file that still does not decode into the corrupt folder
with a logged error instead of raising.

Transport options added to kombu's: ``tmp_folder`` (default ``<data_folder_out>/.tmp``)
and ``corrupt_folder`` (default ``<data_folder_in>/.corrupt``). Both, and the processed
folder, must be on the queue folder's filesystem: renames there are atomic.
"""

from __future__ import annotations

import itertools
import logging
import os
import uuid
from functools import cached_property
from pathlib import Path
from queue import Empty
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)

# Orders this process's messages written within one millisecond: the uuid alone sorts at random.
_sequence = itertools.count()


class Channel(filesystem.Channel):
    """A filesystem channel whose messages appear atomically and whose reader survives bad files."""

    def _folder(self, option: str, default: str) -> Path:
        folder = Path(self.transport_options.get(option) or default)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    @cached_property
    def tmp_folder(self) -> Path:
        return self._folder("tmp_folder", os.path.join(self.data_folder_out, ".tmp"))

    @cached_property
    def corrupt_folder(self) -> Path:
        return self._folder("corrupt_folder", os.path.join(self.data_folder_in, ".corrupt"))

    @cached_property
    def claimed_folder(self) -> Path:
        return self._folder("processed_folder", self.processed_folder)

    # kombu's base channel names the argument `message`, its filesystem channel `payload`.
    def _put(self, queue: str, message: Any, **kwargs: Any) -> None:  # type: ignore[override]
        """Write `message` beside the queue folder, then rename it in: readers never see it partial."""
        # The name kombu gives a message (the reader orders by it and matches `<queue>.msg`),
        # with a sequence number so two messages put in the same millisecond keep their order.
        name = f"{round(monotonic() * 1000)}_{next(_sequence):012d}_{uuid.uuid4()}.{queue}.msg"
        tmp = self.tmp_folder / name
        target = os.path.join(self.data_folder_out, name)
        try:
            with open(tmp, "wb", buffering=0) as f:
                filesystem.lock(f, filesystem.LOCK_EX)
                try:
                    f.write(str_to_bytes(dumps(message)))
                    # Flushed before the rename, so a crash cannot leave an empty message behind.
                    os.fsync(f.fileno())
                    os.replace(tmp, target)
                finally:
                    filesystem.unlock(f)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise ChannelError(f"Cannot add file {name!r} to directory") from exc

    def _get(self, queue: str, timeout: float | None = None) -> Any:
        """Return the oldest readable message of `queue`; set aside any file that does not decode."""
        queue_find = f"{queue}.msg"
        processed = self.claimed_folder
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != queue_find:
                continue
            claimed = processed / name
            try:
                # Atomic on one filesystem: of several consumers exactly one gets the file.
                os.rename(os.path.join(self.data_folder_in, name), claimed)
            except OSError:
                continue  # another consumer took it
            try:
                with open(claimed, "rb") as f:
                    # A writer running kombu's own code holds the exclusive lock while it
                    # writes; waiting for it here means reading the whole message.
                    filesystem.lock(f, filesystem.LOCK_SH)
                    try:
                        raw = f.read()
                    finally:
                        filesystem.unlock(f)
            except OSError as exc:
                raise ChannelError(f"Cannot read file {str(claimed)!r} from queue.") from exc
            message = self._decode(raw)
            if message is None:
                self._set_aside(claimed, len(raw))
                continue
            if not self.store_processed:
                claimed.unlink(missing_ok=True)
            return message
        raise Empty()

    @staticmethod
    def _decode(raw: bytes) -> dict[str, Any] | None:
        try:
            message = loads(bytes_to_str(raw))
        except ValueError:  # JSONDecodeError and UnicodeDecodeError both are
            return None
        # Anything else would fail later, inside kombu, where it is just as fatal.
        if not isinstance(message, dict) or not isinstance(message.get("properties"), dict):
            return None
        return message

    def _set_aside(self, claimed: Path, size: int) -> None:
        target = self.corrupt_folder / claimed.name
        try:
            os.replace(claimed, target)
        except OSError:
            claimed.unlink(missing_ok=True)
            logger.error("Broker message %s (%d bytes) could not be decoded; it was deleted", claimed.name, size)
            return
        logger.error(
            "Broker message %s (%d bytes) could not be decoded; it was moved to %s", claimed.name, size, target
        )


class Transport(filesystem.Transport):
    """kombu's filesystem transport with the channel above (settings: CELERY_BROKER_TRANSPORT)."""

    Channel = Channel
