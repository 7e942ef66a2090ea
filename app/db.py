"""Transactions that both databases run the same way when several app processes write at once, and reads
that run side by side."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.table import Table

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


async def lock_row(table: type[Table], row_id: int) -> None:
    """Hold one row against other writers until the current write transaction ends.

    A rule checked after this (a count of files, a status) stays true until the commit: whoever comes second
    waits here, then reads what the first committed (PostgreSQL's READ COMMITTED takes a fresh snapshot per
    statement). PostgreSQL: FOR NO KEY UPDATE, the lock an UPDATE of the row takes; unlike FOR UPDATE it lets
    rows that refer to this one be inserted meanwhile (their foreign key check takes KEY SHARE), so those
    inserts can neither wait on it nor deadlock with it. SQLite: write_transaction() already holds the
    database's only write lock, taken at BEGIN IMMEDIATE, so there is nothing more to take.
    """
    db = engine_finder()
    if isinstance(db, SQLiteEngine):
        current = db.current_transaction.get()
        if current is None or current.transaction_type is not TransactionType.immediate:
            raise RuntimeError("lock_row needs write_transaction(): a deferred transaction locks nothing")
        return
    if not db.transaction_exists():
        raise RuntimeError("lock_row needs write_transaction(): outside one, the lock ends at once")
    await table.raw(f"SELECT id FROM {table._meta.tablename} WHERE id = {{}} FOR NO KEY UPDATE", row_id)


@contextlib.asynccontextmanager
async def serialized(key: str) -> AsyncIterator[None]:
    """A write transaction that runs alone among those with the same key, in every app process.

    PostgreSQL: a transaction-scoped advisory lock on the key's hash. SQLite: the write lock, which every
    writer shares, so it serialises more than it must (one local process, few writers: fine).
    """
    async with write_transaction():
        await hold(key)
        yield


async def hold(key: str) -> None:
    """Inside a write transaction already open: wait for, then keep until it ends, the key's turn (see
    serialized()). For a transaction that must also exclude those holding the key, not only start with it."""
    db = engine_finder()
    if isinstance(db, SQLiteEngine):
        return  # the write transaction already holds SQLite's only write lock
    if not db.transaction_exists():
        raise RuntimeError("hold needs write_transaction(): outside one, the lock ends at once")
    # Any table's raw() runs inside the current transaction; the lock ends with it.
    await Unit.raw("SELECT pg_advisory_xact_lock(hashtext({}))", key)


async def hold_shared(key: str) -> None:
    """Like hold(), but many transactions hold the key together: each waits only for one holding it with hold(),
    and that one for them all. A task write holds its year's close key so: writes of a year do not wait for each
    other, but none slips between a year close's check and its commit."""
    db = engine_finder()
    if isinstance(db, SQLiteEngine):
        return  # the write transaction already holds SQLite's only write lock
    if not db.transaction_exists():
        raise RuntimeError("hold_shared needs a transaction: outside one, the lock ends at once")
    await Unit.raw("SELECT pg_advisory_xact_lock_shared(hashtext({}))", key)


async def concurrently(*reads: Awaitable[Any]) -> list[Any]:
    """Independent reads at once, each on a connection of its own (PostgreSQL's pool; SQLite opens one per
    query): a page that needs four aggregates waits for the slowest, not for their sum. Inside a transaction,
    whose single connection runs one statement at a time, they run one after another."""
    if engine_finder().transaction_exists():
        return [await read for read in reads]
    return list(await asyncio.gather(*reads))
