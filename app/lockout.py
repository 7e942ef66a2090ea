"""Sign-in back-off that slows the attacker, not the owner: known devices, per-account back-off, per-address limit.

Before (issue 13), five wrong passwords typed by anyone locked the account for 15 minutes, the owner included,
and twenty refusals from one address locked everyone behind that office's gateway. Now:

- **Known devices.** A successful sign-in leaves a long-lived `parplan_device` cookie (a random token; only its
  SHA-256 is stored, in `known_device`, per person). An attempt carrying a cookie known for the account tried
  is a *known-device* attempt; any other is an *unknown-device* attempt.
- **Per-account back-off, counted per kind of device.** Refusals of unknown-device attempts count against
  ACCOUNT_LIMIT (5); past it, the next unknown-device attempt must wait 1, 2, 4, 8, then 15 minutes after the
  last refusal. Refusals typed on a known device count separately against the more lenient KNOWN_DEVICE_LIMIT
  (10), with the same back-off past it: a stolen laptop still does not get unlimited guesses, but a stranger's
  guesses never slow the owner's own browser. A success clears the refusals of its own kind only (the owner
  signing in at the office does not hand a guesser five fresh tries); a password reset or invitation link used
  (`password_reset`) and the administrator's unlock (`login_unlocked`) clear both.
- **Per address.** ADDRESS_LIMIT (20) unknown-device refusals from one address within ADDRESS_WINDOW lock
  unknown-device attempts from that address for ADDRESS_LOCKOUT. Attempts from a known device are not
  counted and not stopped: colleagues behind the same gateway keep signing in.
- **No write lock while argon2 runs.** An attempt first *claims* its turn in a short transaction serialised per
  account (the lock check and the insert of a `sign_in_claim` row, which counts as a refusal while it
  exists); the password is then checked outside any transaction; the outcome is written in a second short
  transaction that deletes the claim. Simultaneous guesses therefore still cannot exceed the budget, while
  SQLite's write lock is held for milliseconds instead of argon2's fraction of a second.

The audit log (append-only) is the record of outcomes and the source of the rule; `sign_in_claim` only holds
attempts in flight. A claim whose process died is ignored after CLAIM_LEASE and deleted by the next claim.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass

from app import audit
from app.db import hold, serialized
from app.tables import AuditEvent, KnownDevice, SignInClaim, User
from app.tokens import digest

DEVICE_COOKIE = "parplan_device"
DEVICE_AGE = dt.timedelta(days=365)
WINDOW = dt.timedelta(hours=24)  # refusals this old no longer count towards an account's back-off
ACCOUNT_LIMIT = 5
KNOWN_DEVICE_LIMIT = 10
FIRST_DELAY = dt.timedelta(minutes=1)
MAX_DELAY = dt.timedelta(minutes=15)
ADDRESS_WINDOW = dt.timedelta(minutes=15)
ADDRESS_LOCKOUT = dt.timedelta(minutes=15)
ADDRESS_LIMIT = 20
CLAIM_LEASE = dt.timedelta(minutes=5)  # longer than a queue of argon2 checks under load (app/auth.py)

OK, FAILED, CLEARED = "ok", "failed", "cleared"
# Audit actions that clear an account's refusals of both kinds. Rows naming the account in actor_email
# (the reset is recorded as the person), and the unlock naming it in target (recorded as the admin).
CLEARING_BY_ACTOR = (audit.PASSWORD_RESET,)
CLEARING_BY_TARGET = (audit.LOGIN_UNLOCKED,)


@dataclass(frozen=True)
class Attempt:
    at: dt.datetime
    outcome: str  # OK, FAILED (or a claim in flight), CLEARED (reset link used, admin unlock)
    known_device: bool = False


@dataclass(frozen=True)
class Lock:
    until: dt.datetime
    since: dt.datetime  # the refusal that started it: one LOGIN_LOCKED row per lock
    by_address: bool = False


def backoff_delay(beyond_limit: int) -> dt.timedelta:
    """1, 2, 4, 8 minutes… for the 1st, 2nd, 3rd… refusal counted at or past the limit, at most 15."""
    return min(FIRST_DELAY * 2 ** min(beyond_limit, 10), MAX_DELAY)


def account_lock(attempts: list[Attempt], now: dt.datetime, known_device: bool) -> Lock | None:
    """Pure rule: the back-off an attempt of this kind of device meets at `now`, given the account's attempts
    (oldest first), or None. Only refusals of the same kind since the last clearing event, within WINDOW,
    count; the limit is ACCOUNT_LIMIT for unknown devices, KNOWN_DEVICE_LIMIT for known ones."""
    failures: list[dt.datetime] = []
    for attempt in attempts:
        if attempt.outcome == CLEARED:
            failures = []
        elif attempt.known_device == known_device:
            failures = [] if attempt.outcome == OK else [*failures, attempt.at]
    recent = [at for at in failures if now - at < WINDOW]
    limit = KNOWN_DEVICE_LIMIT if known_device else ACCOUNT_LIMIT
    if len(recent) < limit:
        return None
    until = recent[-1] + backoff_delay(len(recent) - limit)
    return Lock(until, recent[-1]) if until > now else None


def address_lock(failures: list[dt.datetime], now: dt.datetime) -> Lock | None:
    """Pure rule: the lock on unknown-device attempts from one address, given its unknown-device refusals."""
    recent = sorted(at for at in failures if now - at < ADDRESS_WINDOW)
    if len(recent) < ADDRESS_LIMIT:
        return None
    until = recent[-1] + ADDRESS_LOCKOUT
    return Lock(until, recent[-1], by_address=True) if until > now else None


def _known(detail: str) -> bool:
    return bool(json.loads(detail or "{}").get("known_device"))


def _attempt(row: dict) -> Attempt:
    if row["action"] in CLEARING_BY_ACTOR or row["action"] in CLEARING_BY_TARGET:
        return Attempt(row["at"], CLEARED)
    return Attempt(row["at"], OK if row["action"] == audit.LOGIN else FAILED, _known(row["detail"]))


async def account_attempts(email: str, now: dt.datetime) -> list[Attempt]:
    """The account's sign-in events within WINDOW and its claims in flight (as refusals), oldest first."""
    since = now - WINDOW
    rows = await AuditEvent.select(AuditEvent.at, AuditEvent.action, AuditEvent.detail).where(
        AuditEvent.action.is_in([audit.LOGIN, audit.LOGIN_FAILED, *CLEARING_BY_ACTOR])
        & (AuditEvent.actor_email == email) & (AuditEvent.at > since))
    rows += await AuditEvent.select(AuditEvent.at, AuditEvent.action, AuditEvent.detail).where(
        AuditEvent.action.is_in(list(CLEARING_BY_TARGET)) & (AuditEvent.target == email) & (AuditEvent.at > since))
    claims = await SignInClaim.select(SignInClaim.started_at, SignInClaim.known_device).where(
        (SignInClaim.email == email) & (SignInClaim.started_at > now - CLAIM_LEASE))
    attempts = [_attempt(r) for r in rows]
    attempts += [Attempt(c["started_at"], FAILED, c["known_device"]) for c in claims]
    return sorted(attempts, key=lambda a: a.at)


async def address_failures(ip: str, now: dt.datetime) -> list[dt.datetime]:
    """Unknown-device refusals and claims in flight from this address within ADDRESS_WINDOW."""
    rows = await AuditEvent.select(AuditEvent.at, AuditEvent.detail).where(
        (AuditEvent.action == audit.LOGIN_FAILED) & (AuditEvent.ip == ip) & (AuditEvent.at > now - ADDRESS_WINDOW))
    claims = await SignInClaim.select(SignInClaim.started_at).where(
        (SignInClaim.ip == ip) & (SignInClaim.known_device == False)  # noqa: E712
        & (SignInClaim.started_at > now - CLAIM_LEASE))
    return [r["at"] for r in rows if not _known(r["detail"])] + [c["started_at"] for c in claims]


async def sign_in_lock(email: str, ip: str, known_device: bool, now: dt.datetime) -> Lock | None:
    """The lock an attempt on this account, from this address and kind of device, meets now (the later one)."""
    locks = [account_lock(await account_attempts(email, now), now, known_device)]
    if ip and not known_device:
        locks.append(address_lock(await address_failures(ip, now), now))
    return max((lock for lock in locks if lock), key=lambda lock: lock.until, default=None)


# Claims: the lock check and the attempt's place in the count, in one short transaction -----------------------

@dataclass(frozen=True)
class Claim:
    id: int
    at: dt.datetime  # when the turn came: the attempt's outcome is recorded at this moment
    email: str
    known_device: bool


async def claim(email: str, ip: str, known_device: bool) -> Claim | Lock:
    """Take a turn to check a password: the claim, or the lock that refuses the attempt.

    Serialised per account in every process (PostgreSQL: an advisory lock; SQLite: the write lock, held only
    for these few statements), so a burst of guesses sees each other's claims. `now` is read once the turn has
    come, so each attempt sees those before it; a refusal is later recorded at this moment.
    """
    from app import clock

    async with serialized(_turn_key(email)):
        now = clock.now()
        await SignInClaim.delete().where(SignInClaim.started_at < now - CLAIM_LEASE)  # their processes died
        lock = await sign_in_lock(email, ip, known_device, now)
        if lock:
            await _record_lockout(email, lock, now)
            return lock
        [row] = await SignInClaim.insert(SignInClaim(email=email, ip=ip[:45], known_device=known_device,
                                                     started_at=now)).returning(SignInClaim.id)
    return Claim(row["id"], now, email, known_device)


def _turn_key(email: str) -> str:
    return f"sign-in:{email}"


async def _record_lockout(email: str, lock: Lock, now: dt.datetime) -> None:
    """A refused try during a lock, once per lock: a guesser held back cannot grow the log."""
    from app.dates import local_time

    if not await AuditEvent.exists().where((AuditEvent.action == audit.LOGIN_LOCKED)
                                           & (AuditEvent.actor_email == email) & (AuditEvent.at >= lock.since)):
        await audit.record(audit.LOGIN_LOCKED, None, now, email=email, until=local_time(lock.until))


async def release(turn: Claim) -> None:
    """The check failed for a reason other than the password (the database went away): no refusal counts."""
    async with serialized(_turn_key(turn.email)):
        await SignInClaim.delete().where(SignInClaim.id == turn.id)


async def refuse(turn: Claim) -> None:
    """A wrong password: the refusal recorded at the claim's moment, and the claim gone, together, while no claim
    is being checked: on PostgreSQL a claim's reads (the audit rows, then the claims) each see what was committed
    when they ran, so a refusal committed between them would be in neither, and one guess too many would pass."""
    async with serialized(_turn_key(turn.email)):
        await audit.record(audit.LOGIN_FAILED, None, turn.at, email=turn.email, known_device=turn.known_device)
        await SignInClaim.delete().where(SignInClaim.id == turn.id)


async def admit(user: User, turn: Claim, device_token: str | None) -> str:
    """The right password: the sign-in recorded and the claim gone, together; returns the device token to set.
    The caller starts the session inside the same transaction."""
    await hold(_turn_key(turn.email))  # as in refuse(): not while a claim is being checked
    token = await remember_device(user, device_token, turn.at)
    await audit.record(audit.LOGIN, user, turn.at, known_device=turn.known_device)
    await SignInClaim.delete().where(SignInClaim.id == turn.id)
    return token


# Known devices ----------------------------------------------------------------------------------------------

async def is_known_device(email: str, token: str | None, now: dt.datetime) -> bool:
    """Whether this browser's device cookie belongs to the account tried (seen within DEVICE_AGE)."""
    if not token:
        return False
    return await KnownDevice.exists().where(
        (KnownDevice.key == digest(token)) & (KnownDevice.user.email == email)
        & (KnownDevice.last_seen_at > now - DEVICE_AGE))


async def remember_device(user: User, token: str | None, now: dt.datetime) -> str:
    """After a successful sign-in: this browser's device token for the person, refreshed or new.

    A browser holds one device cookie; on a shared computer the last person to sign in owns it (the other
    becomes an unknown device there, which only means the stricter back-off).
    """
    if token and await KnownDevice.update({KnownDevice.last_seen_at: now}).where(
            (KnownDevice.key == digest(token)) & (KnownDevice.user == user.id)).returning(KnownDevice.id):
        return token
    await KnownDevice.delete().where((KnownDevice.user == user.id) & (KnownDevice.last_seen_at < now - DEVICE_AGE))
    token = secrets.token_urlsafe(32)
    await KnownDevice.insert(KnownDevice(key=digest(token), user=user.id, created_at=now, last_seen_at=now))
    return token


# The administrator's view -----------------------------------------------------------------------------------

async def slowed_accounts(now: dt.datetime) -> dict[str, Lock]:
    """Accounts whose sign-in is held back now (from new devices, or from known ones), by email: the later lock.

    One read of the day's sign-in events for the accounts page, grouped here rather than a query per account.
    """
    since = now - WINDOW
    rows = await AuditEvent.select(AuditEvent.at, AuditEvent.action, AuditEvent.detail,
                                   AuditEvent.actor_email.as_alias("email")).where(
        AuditEvent.action.is_in([audit.LOGIN, audit.LOGIN_FAILED, *CLEARING_BY_ACTOR]) & (AuditEvent.at > since))
    rows += await AuditEvent.select(AuditEvent.at, AuditEvent.action, AuditEvent.detail,
                                    AuditEvent.target.as_alias("email")).where(
        AuditEvent.action.is_in(list(CLEARING_BY_TARGET)) & (AuditEvent.at > since))
    by_email: dict[str, list[Attempt]] = {}
    for row in rows:
        by_email.setdefault(row["email"], []).append(_attempt(row))
    slowed = {}
    for email, attempts in by_email.items():
        attempts.sort(key=lambda a: a.at)
        locks = [lock for known in (False, True) if (lock := account_lock(attempts, now, known))]
        if locks:
            slowed[email] = max(locks, key=lambda lock: lock.until)
    return slowed


async def unlock(user: User, admin: User | None, now: dt.datetime) -> None:
    """The administrator (or `parplan user unlock`, with no actor) clears the account's refused sign-ins, both
    kinds; the audit row is the act."""
    await audit.record(audit.LOGIN_UNLOCKED, admin, now, target=user.email)
