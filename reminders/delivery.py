"""Sending the outbox: claim an email with a conditional update, send it, record the result.

Exactly once: only the worker whose UPDATE … WHERE status = 'pending' changed the row sends it. A worker
killed after its claim leaves the email "sending"; once the lease has passed, another worker takes it over.
Transient failures (server down, 4xx) retry with backoff; permanent ones (5xx, refused address) are recorded.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from piccolo.columns.combination import WhereRaw

from app import clock
from app.mail import Permanent, Transport, get_transport
from app.settings import get_settings
from app.tables import User
from reminders.mail import compose_digest
from reminders.tables import OutboxEmail

MAX_ATTEMPTS = 8
BATCH = 32  # claimed in one statement; a worker killed mid-batch leaves the rest to wait out the lease
RENEW_EVERY = dt.timedelta(minutes=1)  # claims renewed at most this often while a batch is sent
BACKOFF = (60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600)  # seconds after attempts 1, 2, 3…


@dataclass
class Delivered:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def _ready(due_by: dt.datetime, lease_expired: dt.datetime):
    """Waiting and due, or claimed by a worker that has not come back within the lease."""
    return (((OutboxEmail.status == "pending") & (OutboxEmail.not_before <= due_by))
            | ((OutboxEmail.status == "sending") & (OutboxEmail.claimed_at < lease_expired)))


async def claim(worker: str, due_by: dt.datetime, n: int) -> list[dict[str, Any]]:
    """Up to n waiting emails, for this worker only: the UPDATE re-checks each row's state, so of two workers
    reaching for the same email exactly one gets it."""
    now = clock.now()
    lease_expired = now - dt.timedelta(seconds=get_settings().send_lease_seconds)
    return await OutboxEmail.update({OutboxEmail.status: "sending", OutboxEmail.claimed_at: now,
                                     OutboxEmail.claimed_by: worker, OutboxEmail.attempts: OutboxEmail.attempts + 1}
                                    ).where(_oldest(due_by, lease_expired, n) & _ready(due_by, lease_expired)
                                            ).returning(*OutboxEmail.all_columns())


def _oldest(due_by: dt.datetime, lease_expired: dt.datetime, n: int):
    """The n oldest emails ready. On PostgreSQL, past the rows another worker is claiming this very moment:
    waiting for them would only find them taken, and an empty claim ends a delivery while emails still wait.
    ARRAY(…) runs that locking subquery once; under IN (…) the planner may run it again for each row, each run
    locking rows further on. (SQLite runs one write at a time.)"""
    oldest = OutboxEmail.select(OutboxEmail.id).where(_ready(due_by, lease_expired)).order_by(OutboxEmail.id).limit(n)
    if OutboxEmail._meta.db.engine_type != "postgres":
        return OutboxEmail.id.is_in(oldest)
    return WhereRaw("outbox_email.id = ANY(ARRAY({}))", oldest.lock_rows("UPDATE", skip_locked=True).querystrings[0])


async def _record(email: dict[str, Any], worker: str, values: dict) -> None:
    # Only the claim's holder records: a worker that lost its lease must not overwrite the new holder's result.
    await OutboxEmail.update(values).where((OutboxEmail.id == email["id"]) & (OutboxEmail.claimed_by == worker)
                                           & (OutboxEmail.status == "sending"))


async def _compose(batch: list[dict[str, Any]]) -> list[dict[str, Any] | Permanent | None]:
    """Each email of the batch with its words, written now from the reminders attached to it (one query reads
    them for the whole batch, one more their people); None for an email that has none, and the reason for one
    that could not be written."""
    from reminders.sweep import digest_items_of  # the sweep attaches reminders; composing reads them back

    items = await digest_items_of([e["id"] for e in batch])
    ids = list({e["recipient"] for e in batch if e["recipient"]})
    users = {u["id"]: u for u in await User.select(User.id, User.email, User.full_name, User.language).where(
        User.id.is_in(ids))} if ids else {}
    composed: list[dict[str, Any] | Permanent | None] = []
    for email in batch:
        user = users.get(email["recipient"])
        if not items.get(email["id"]) or user is None:
            composed.append(None)
            continue
        try:
            subject, text, html = compose_digest({**user, "language": email["language"]}, email["day"],
                                                 items[email["id"]])
        except Exception as exc:  # one email that cannot be written must not hold up the rest of the batch
            composed.append(Permanent(f"cannot compose the digest: {exc!r}"))
            continue
        composed.append({**email, "subject": subject, "text": text, "html": html})
    return composed


async def _renew(batch: list[dict[str, Any]], worker: str) -> set[int]:
    """Renew this worker's claims on the batch; the ids still its own (once a lease has run out, another worker
    may have taken the email over)."""
    return {r["id"] for r in await OutboxEmail.update({OutboxEmail.claimed_at: clock.now()}).where(
        OutboxEmail.id.is_in([e["id"] for e in batch]) & (OutboxEmail.claimed_by == worker)
        & (OutboxEmail.status == "sending")).returning(OutboxEmail.id)}


async def send_one(email: dict[str, Any], composed: dict[str, Any] | Permanent | None, worker: str,
                   transport: Transport, counts: Delivered) -> None:
    if composed is None or isinstance(composed, Permanent):  # never an empty digest (person or reminders gone)
        counts.failed += 1
        await _record(email, worker, {OutboxEmail.status: "failed",
                                      OutboxEmail.last_error: str(composed)[:2000] if composed else "nothing to send"})
        return
    email = composed
    words = {OutboxEmail.subject: email["subject"][:255], OutboxEmail.text: email["text"],
             OutboxEmail.html: email["html"]}
    try:
        await transport.send(email)
    except Permanent as exc:
        counts.failed += 1
        await _record(email, worker, {**words, OutboxEmail.status: "failed",
                                      OutboxEmail.last_error: str(exc)[:2000]})
    except Exception as exc:  # Transient, or a failure nobody classified: retry it, within MAX_ATTEMPTS
        give_up = email["attempts"] >= MAX_ATTEMPTS
        counts.failed += give_up
        counts.retried += not give_up
        wait = dt.timedelta(seconds=BACKOFF[min(email["attempts"], len(BACKOFF)) - 1])
        await _record(email, worker, {**words, OutboxEmail.status: "failed" if give_up else "pending",
                                      OutboxEmail.not_before: clock.now() + wait,
                                      OutboxEmail.last_error: str(exc)[:2000]})
    else:
        counts.sent += 1
        await _record(email, worker, {**words, OutboxEmail.status: "sent", OutboxEmail.sent_at: clock.now(),
                                      OutboxEmail.last_error: ""})


async def _send_batch(batch: list[dict[str, Any]], worker: str, transport: Transport, counts: Delivered) -> None:
    """Compose the batch, then send it one email at a time: only one email is ever between its 250 and its
    record. The claims on the rest of the batch are renewed before an email goes once a minute (or half the
    lease, if shorter) has passed since the last renewal: the lease left is then far more than one SMTP
    exchange, even one waiting out every timeout, and its record need."""
    lease = dt.timedelta(seconds=get_settings().send_lease_seconds)
    renew_every = min(lease / 2, RENEW_EVERY)
    renewed, mine = batch[0]["claimed_at"], {e["id"] for e in batch}  # claimed in one statement, at one time
    for i, (email, composed) in enumerate(zip(batch, await _compose(batch))):
        if clock.now() - renewed > renew_every:
            renewed, mine = clock.now(), await _renew(batch[i:], worker)
        if email["id"] in mine:
            await send_one(email, composed, worker, transport, counts)


async def deliver_due(worker: str, due_by: dt.datetime | None = None, transport: Transport | None = None,
                      limit: int = 500) -> Delivered:
    """Send what is due by `due_by` (default now), oldest first, a batch at a time; the counts.

    A batch is claimed in one statement, then sent one by one over one SMTP connection, each recorded as soon as
    its answer comes back: a worker killed mid-batch leaves at most one email whose fate it did not record, and
    the rest of its batch to another worker once the lease has passed. More throughput comes from more workers,
    not from sending in parallel.
    """
    due_by = due_by or clock.now()
    transport = transport or get_transport()
    counts, done = Delivered(), 0
    token = f"{worker[:50]}:{uuid.uuid4().hex[:8]}"  # this call's claims: another job of the same process is not us
    try:
        while done < limit:
            batch = await claim(token, due_by, min(BATCH, limit - done))
            if not batch:
                break
            done += len(batch)
            await _send_batch(batch, token, transport, counts)
    finally:
        await transport.close()
    return counts
