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

from app import clock
from app.settings import get_settings
from app.tables import User
from reminders.mail import Permanent, Transport, compose_digest, get_transport
from reminders.tables import OutboxEmail

MAX_ATTEMPTS = 8
BATCH = 8  # claimed in one statement
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
    oldest = OutboxEmail.select(OutboxEmail.id).where(_ready(due_by, lease_expired)).order_by(OutboxEmail.id).limit(n)
    return await OutboxEmail.update({OutboxEmail.status: "sending", OutboxEmail.claimed_at: now,
                                     OutboxEmail.claimed_by: worker, OutboxEmail.attempts: OutboxEmail.attempts + 1}
                                    ).where(OutboxEmail.id.is_in(oldest) & _ready(due_by, lease_expired)).returning(
        *OutboxEmail.all_columns())


async def _record(email: dict[str, Any], worker: str, values: dict) -> None:
    # Only the claim's holder records: a worker that lost its lease must not overwrite the new holder's result.
    await OutboxEmail.update(values).where((OutboxEmail.id == email["id"]) & (OutboxEmail.claimed_by == worker)
                                           & (OutboxEmail.status == "sending"))


async def _compose(email: dict[str, Any]) -> dict[str, Any] | None:
    """The email with its words, written now from the reminders attached to it; None when it has none."""
    from reminders.sweep import digest_items  # the sweep attaches reminders; composing reads them back

    items = await digest_items(email["id"])
    user = await User.select(User.id, User.email, User.full_name, User.language).where(
        User.id == email["recipient"]).first() if email["recipient"] else None
    if not items or user is None:
        return None
    subject, text, html = compose_digest({**user, "language": email["language"]}, email["day"], items)
    return {**email, "subject": subject, "text": text, "html": html}


async def _still_mine(email: dict[str, Any], worker: str) -> bool:
    """Renew this worker's claim just before sending: False if the lease ran out and another worker took over."""
    return bool(await OutboxEmail.update({OutboxEmail.claimed_at: clock.now()}).where(
        (OutboxEmail.id == email["id"]) & (OutboxEmail.claimed_by == worker)
        & (OutboxEmail.status == "sending")).returning(OutboxEmail.id))


async def send_one(email: dict[str, Any], worker: str, transport: Transport, counts: Delivered) -> None:
    if not await _still_mine(email, worker):
        return
    composed = await _compose(email)
    if composed is None:  # never an empty digest: its person or its reminders are gone
        counts.failed += 1
        await _record(email, worker, {OutboxEmail.status: "failed", OutboxEmail.last_error: "nothing to send"})
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


async def deliver_due(worker: str, due_by: dt.datetime | None = None, transport: Transport | None = None,
                      limit: int = 500) -> Delivered:
    """Send what is due by `due_by` (default now), oldest first, a batch at a time, several at once; the counts.

    A batch is claimed in one statement, then sent one by one, each recorded as soon as its answer comes back:
    a worker killed mid-batch leaves at most one email whose fate it did not record. Batches are small, so a
    claimed email is sent within a few SMTP timeouts of its claim, far inside the lease, after which another
    worker could take it over. More throughput comes from more workers, not from sending in parallel.
    """
    due_by = due_by or clock.now()
    transport = transport or get_transport()
    counts, done = Delivered(), 0
    token = f"{worker[:50]}:{uuid.uuid4().hex[:8]}"  # this call's claims: another job of the same process is not us
    while done < limit:
        batch = await claim(token, due_by, min(BATCH, limit - done))
        if not batch:
            break
        done += len(batch)
        for email in batch:  # one at a time: only one email is ever between its 250 and its record
            await send_one(email, token, transport, counts)
    return counts
