"""Where evidence files live: content-addressed by SHA-256, so the same content is stored once.

`Storage` is the small interface the rest of the code uses; `LocalStorage` keeps files in a folder. An
S3-compatible store can follow by implementing the same four methods (save streams a multipart upload,
open_chunks streams a GET, exists is a HEAD).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from anyio import to_thread

from app.settings import get_settings

CHUNK = 1024 * 1024  # 1 MiB: big enough for throughput, small enough that memory stays flat
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

    async def save(self, chunks: AsyncIterable[bytes], max_bytes: int) -> Stored:
        """Stream `chunks` to disk while hashing and counting; refuse as soon as `max_bytes` is passed."""
        self.root.mkdir(parents=True, exist_ok=True)
        # Same folder as the final place, so the rename below is atomic (one file system).
        fd, temp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(max_bytes)
                    await to_thread.run_sync(_hash_and_write, digest, out, chunk)
                # On disk before it has a name: a crash must not leave a short file under a valid hash.
                await to_thread.run_sync(os.fsync, out.fileno())
            return Stored(await to_thread.run_sync(self._keep, temp, digest.hexdigest()), size)
        finally:
            Path(temp).unlink(missing_ok=True)

    def _keep(self, temp: str, sha256: str) -> str:
        final = self.path(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        if not final.exists():  # already there: same bytes, keep the first copy
            os.replace(temp, final)
        return sha256

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


def _hash_and_write(digest, out: BinaryIO, chunk: bytes) -> None:
    # One thread hop per chunk for both: hashlib releases the GIL on large buffers, the write blocks.
    digest.update(chunk)
    out.write(chunk)


async def file_chunks(handle: BinaryIO, size: int = CHUNK) -> AsyncIterator[bytes]:
    """An open (e.g. spooled upload) file as chunks for `Storage.save`, read off the event loop."""
    while chunk := await to_thread.run_sync(handle.read, size):
        yield chunk


@functools.cache
def get_storage() -> Storage:
    return LocalStorage(get_settings().evidence_dir)
