"""Transactions that both databases run the same way when several app processes write at once, and reads
that run side by side."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from app.tables import Unit


def write_transaction():
    """A transaction for a read-then-write change, taking SQLite's write lock at BEGIN.

    A default (deferred) SQLite transaction reads under a shared lock and asks for the write lock at its first
    write. If another process is writing then, SQLite refuses at once with "database is locked" rather than wait
    (waiting could deadlock), so the busy timeout never helps: two app processes saving tasks got 500s.
    BEGIN IMMEDIATE waits for the write lock up front, within the busy timeout. PostgreSQL needs nothing more
    for a conditional UPDATE, which locks its row.
    """
    db = engine_finder()
    if isinstance(db, SQLiteEngine):
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


@contextlib.asynccontextmanager
async def serialized(key: str) -> AsyncIterator[None]:
    """A write transaction that runs alone among those with the same key, in every app process.

    PostgreSQL: a transaction-scoped advisory lock on the key's hash. SQLite: the write lock, which every
    writer shares, so it serialises more than it must (one local process, few writers: fine).
    """
    async with write_transaction():
        if not isinstance(engine_finder(), SQLiteEngine):
            # Any table's raw() runs inside the current transaction; the lock ends with it.
            await Unit.raw("SELECT pg_advisory_xact_lock(hashtext({}))", key)
        yield


async def concurrently(*reads: Awaitable[Any]) -> list[Any]:
    """Independent reads at once, each on a connection of its own (PostgreSQL's pool; SQLite opens one per
    query): a page that needs four aggregates waits for the slowest, not for their sum. Inside a transaction,
    whose single connection runs one statement at a time, they run one after another."""
    if engine_finder().transaction_exists():
        return [await read for read in reads]
    return list(await asyncio.gather(*reads))
