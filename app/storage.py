"""Where evidence files live: content-addressed by SHA-256, so the same content is stored once.

`Storage` is the small interface the rest of the code uses; `LocalStorage` keeps files in a folder. An
S3-compatible store can follow by implementing the same methods (receive and save stream a multipart upload,
open_chunks streams a GET, exists is a HEAD).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import os
import re
import tempfile
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from anyio import to_thread

from app.settings import get_settings

CHUNK = 1024 * 1024  # 1 MiB: big enough for throughput, small enough that memory stays flat
IN_FLIGHT = 4 * 1024 * 1024  # bytes of an upload received but not yet written: the memory it may hold
WRITEBACK = 8 * 1024 * 1024  # an upload's pages are sent on to the disk this many bytes at a time
SHA256 = re.compile(r"[0-9a-f]{64}")


class TooLarge(Exception):
    """The content passed the size limit; nothing was kept."""

    def __init__(self, limit: int):
        super().__init__(f"more than {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int


class Storage(Protocol):
    async def save(self, chunks: AsyncIterable[bytes], max_bytes: int) -> Stored: ...

    def receive(self, max_bytes: int) -> Incoming: ...

    async def exists(self, sha256: str) -> bool: ...

    def open_chunks(self, sha256: str) -> AsyncIterator[bytes]: ...


class LocalStorage:
    """Files under `<root>/<sha[:2]>/<sha[2:4]>/<sha>`; uploads land in a temp file in the root first."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not SHA256.fullmatch(sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def receive(self, max_bytes: int) -> Incoming:
        """A file to write chunk by chunk as it arrives; stored under its hash only when kept."""
        return Incoming(self, max_bytes)

    async def save(self, chunks: AsyncIterable[bytes], max_bytes: int) -> Stored:
        """Stream `chunks` to disk while hashing and counting; refuse as soon as `max_bytes` is passed."""
        incoming = self.receive(max_bytes)
        try:
            async for chunk in chunks:
                await incoming.write(chunk)
            await incoming.complete()
            return await incoming.keep()
        finally:
            await incoming.discard()

    async def exists(self, sha256: str) -> bool:
        return SHA256.fullmatch(sha256) is not None and self.path(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    async def open_chunks(self, sha256: str) -> AsyncIterator[bytes]:
        """The stored content, 1 MiB at a time (for a streamed download)."""
        handle = await to_thread.run_sync(self.open, sha256)
        try:
            while chunk := await to_thread.run_sync(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()


class Incoming:
    """A file arriving into storage, written and hashed by two threads of its own (one each, so that neither waits
    for the other) while the event loop reads the next chunks off the network. It has a temp name in the storage
    root until `keep` (fsync, then the rename to its hash); `discard` removes whatever is left.

    Chunks go to the threads a batch at a time, held rather than copied: the caller must not change them. At most
    IN_FLIGHT bytes wait for the threads; past that, `write` waits, so memory stays flat however fast the sender.
    """

    def __init__(self, storage: LocalStorage, max_bytes: int):
        storage.root.mkdir(parents=True, exist_ok=True)
        # Same folder as the final place, so the rename is atomic (one file system).
        fd, self.temp = tempfile.mkstemp(dir=storage.root, prefix=".upload-")
        self.storage, self.max_bytes, self.size, self.sha256 = storage, max_bytes, 0, ""
        self._file, self._digest = _Written(fd), hashlib.sha256()
        # One worker each: batches are written, and hashed, in the order they came.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="upload-write")
        self._hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="upload-hash")
        self._batch: list[bytes | memoryview] = []
        self._batch_size = self._in_flight = 0
        self._queued: deque[tuple[Future, Future, int]] = deque()

    async def write(self, chunk: bytes | memoryview) -> None:
        """Take the chunk; TooLarge (nothing kept) as soon as the file passes `max_bytes`."""
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise TooLarge(self.max_bytes)
        self._batch.append(chunk)
        self._batch_size += len(chunk)
        # One hand-over per MiB, whatever size the network delivers (and one system call: writev takes 1024).
        if self._batch_size >= CHUNK or len(self._batch) >= 256:
            self._hand_over()
            await self._settle(IN_FLIGHT)

    def _hand_over(self) -> None:
        written = self._writer.submit(self._file.write, self._batch)
        hashed = self._hasher.submit(_hash, self._digest, self._batch)
        self._queued.append((written, hashed, self._batch_size))
        self._in_flight += self._batch_size
        self._batch, self._batch_size = [], 0

    async def _settle(self, allowed: int) -> None:
        """Drop the batches done, raising what one raised (a full disk); wait while over `allowed` bytes queued."""
        while self._queued:
            written, hashed, size = self._queued[0]
            for future in (written, hashed):
                if not future.done():
                    if self._in_flight <= allowed:
                        return
                    # Only here does a thread wake the loop: a batch done that nobody waits for costs nothing.
                    await asyncio.wrap_future(future)
                future.result()
            self._queued.popleft()
            self._in_flight -= size

    async def complete(self) -> Stored:
        """Every chunk written: the size and the hash, not yet stored under it. `open` reads it back from here."""
        if self._batch:
            self._hand_over()
        await self._settle(0)
        self._stop_threads()
        self._file.close()  # a request with many files holds no thread and no descriptor for those arrived
        self.sha256 = self._digest.hexdigest()
        return Stored(self.sha256, self.size)

    def _stop_threads(self) -> None:
        # The threads end once idle.
        self._writer.shutdown(wait=False, cancel_futures=True)
        self._hasher.shutdown(wait=False, cancel_futures=True)

    def open(self) -> BinaryIO:
        return open(self.temp, "rb")

    async def keep(self) -> Stored:
        """Under its hash: on disk first, because a crash must not leave a short file under a valid hash."""
        if not self.sha256:
            raise RuntimeError("keep() before complete()")
        await to_thread.run_sync(self._sync_and_rename)
        return Stored(self.sha256, self.size)

    def _sync_and_rename(self) -> None:
        final = self.storage.path(self.sha256)
        if final.exists():  # the same bytes are stored (and on disk) already: this copy goes with `discard`
            return
        fd = os.open(self.temp, os.O_WRONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.temp, final)

    async def discard(self) -> None:
        """Forget the file unless it was kept (or was there already under its hash). Safe to call twice."""
        self._stop_threads()  # the batches not started are dropped
        for written, hashed, _size in self._queued:  # and the ones under way end before the file is closed
            for future in (written, hashed):
                if not future.cancelled():
                    with contextlib.suppress(Exception):
                        await asyncio.wrap_future(future)
        self._queued.clear()
        # Off the loop: unlinking a large file takes a while.
        await to_thread.run_sync(self._file.remove, self.temp)


def _hash(digest, chunks: list[bytes | memoryview]) -> None:
    for chunk in chunks:
        digest.update(chunk)  # hashlib releases the GIL on large buffers: this runs beside the event loop


class _Written:
    """The file side of Incoming, run by its writing thread: write, and start each few MiB on their way to disk."""

    def __init__(self, fd: int):
        self.fd, self.written, self.flushing = fd, 0, 0

    def write(self, chunks: list[bytes | memoryview]) -> None:
        views = [memoryview(c) for c in chunks]
        while views:  # one system call for the batch, unless the disk takes only part of it
            done = os.writev(self.fd, views)
            self.written += done
            while views and done >= len(views[0]):
                done -= len(views.pop(0))
            if done:
                views[0] = views[0][done:]
        if hasattr(os, "posix_fadvise") and self.written - self.flushing >= WRITEBACK:
            # Start writing these pages to the disk now, without waiting (as PostgreSQL's pg_flush_data does where
            # sync_file_range is missing): the fsync at the end then only waits for the last few MiB.
            os.posix_fadvise(self.fd, self.flushing, self.written - self.flushing, os.POSIX_FADV_DONTNEED)
            self.flushing = self.written

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def remove(self, path: str) -> None:
        Path(path).unlink(missing_ok=True)  # first: once the file is closed, it is gone
        self.close()


async def file_chunks(handle: BinaryIO, size: int = CHUNK) -> AsyncIterator[bytes]:
    """An open (e.g. spooled upload) file as chunks for `Storage.save`, read off the event loop."""
    while chunk := await to_thread.run_sync(handle.read, size):
        yield chunk


@functools.cache
def get_storage() -> Storage:
    return LocalStorage(get_settings().evidence_dir)
