"""Email for every domain: the message built from a stored row, and the transports that carry it.

A domain composes its own emails (reminders' digests, accounts' links) and stores them as rows; `build_message`
turns a row into the MIME message; a transport sends it and says, by raising `Transient` or `Permanent`, whether
delivery should try again later, and is closed when a delivery is done.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import email.utils
import os
import tempfile
from dataclasses import dataclass
from email.charset import QP, Charset
from email.header import Header
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib
from aiosmtplib.email import parse_address

from app import clock
from app.settings import get_settings

SMTP_TIMEOUT = 30  # seconds; a hung server must not hold the worker (and the claim) for long
QUIT_TIMEOUT = 5  # seconds to say goodbye when a delivery is done


class Transient(Exception):
    """Try again later: the server is down or said 4xx."""


class Permanent(Exception):
    """Never going to work: the server refused the address or the message (5xx)."""


class Transport(Protocol):
    async def send(self, email: dict[str, Any]) -> None: ...

    async def close(self) -> None: ...


def _domain(address: str) -> str:
    return email.utils.parseaddr(address)[1].rpartition("@")[2] or "parplan.local"


def message_id(row: dict[str, Any]) -> str:
    """The same for every attempt at one email, so a receiver can drop a copy sent twice."""
    return f"<parplan-{row['id']}-{row['day']}@{_domain(get_settings().mail_from)}>"


# Quoted-printable keeps the message 7-bit clean: any relay takes it, 8BITMIME or not.
UTF8_QP = Charset("utf-8")
UTF8_QP.header_encoding = UTF8_QP.body_encoding = QP
# Quoted-printable writes "=" as "=3D", so "=_" never occurs in a part: a fixed boundary cannot collide (and
# the email package need not search every message for one of its random boundaries).
BOUNDARY = "=_parplan_alternative"


@lru_cache(maxsize=4)
def _from_header(mail_from: str) -> str:
    """The sender as the modern email API writes it (a display name outside ASCII encoded, RFC 2047), once."""
    header = email.policy.default.header_store_parse("From", mail_from)[1]
    return header.fold(policy=email.policy.default.clone(max_line_length=None)).removeprefix("From: ").rstrip()


def message_bytes(row: dict[str, Any]) -> bytes:
    """The message as it goes on the wire. An address outside ASCII (sent with SMTPUTF8) is written in UTF-8 in
    its header: an RFC 2047 encoded word may not stand for an address, and the classic classes would write one."""
    if row["to_address"].isascii():
        return build_message(row).as_bytes()
    return _utf8_message(build_message(row)).as_bytes(policy=email.policy.SMTPUTF8)


def _utf8_message(classic: MIMEMultipart) -> EmailMessage:
    """The same message through the modern API, whose SMTPUTF8 policy writes headers in UTF-8."""
    modern = email.message_from_bytes(classic.as_bytes(), policy=email.policy.SMTPUTF8)
    del modern["To"]
    modern["To"] = classic["To"]
    return modern


def build_message(row: dict[str, Any]) -> MIMEMultipart:
    """The MIME message of a stored row. Built with the classic (compat32) email classes: the modern API parsed
    and refolded every header, three times the cost of composing the digest itself."""
    mail_from = get_settings().mail_from
    if any(c in value for value in (mail_from, row["to_address"], row["subject"]) for c in "\r\n"):
        raise ValueError("a header may not contain a line break")  # the modern API refused these too
    msg = MIMEMultipart("alternative", boundary=BOUNDARY)
    msg["From"] = _from_header(mail_from)
    msg["To"] = row["to_address"]
    msg["Subject"] = Header(row["subject"], UTF8_QP)
    msg["Date"] = email.utils.format_datetime(clock.now())
    msg["Message-ID"] = row.get("message_id") or message_id(row)
    msg["Content-Language"] = row.get("language") or "vi"
    # Out-of-office replies must not answer a robot (RFC 3834).
    msg["Auto-Submitted"] = "auto-generated"
    msg.attach(MIMEText(row["text"], "plain", UTF8_QP))
    msg.attach(MIMEText(row["html"], "html", UTF8_QP))
    return msg


# --- transports ----------------------------------------------------------------------------------------------

class FileTransport:
    """Writes each email as an .eml file: the default, for a machine without a mail server (and for demos)."""

    def __init__(self, outbox_dir: Path | str):
        self.outbox_dir = Path(outbox_dir)

    def path(self, row: dict[str, Any]) -> Path:
        return self.outbox_dir / f"{row['day']}-{row['id']:08d}.eml"

    async def send(self, email_row: dict[str, Any]) -> None:
        try:
            data = message_bytes(email_row)
        except ValueError as exc:  # e.g. a line break in the address: no retry will mend it
            raise Permanent(f"cannot build the message: {exc}") from exc
        try:
            await asyncio.to_thread(self._write, self.path(email_row), data)
        except OSError as exc:  # a full or unwritable disk may be fixed; try again later
            raise Transient(f"cannot write the outbox file: {exc}") from exc

    def _write(self, path: Path, data: bytes) -> None:
        # Write beside the target then rename: a reader never sees half a file, and a resend replaces it.
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".eml")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def close(self) -> None:
        """Nothing to hang up: each email is its own file."""


@dataclass(frozen=True)
class SmtpServer:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool  # smtps: TLS from the first byte
    start_tls: bool


def parse_smtp_url(url: str) -> SmtpServer:
    """smtp://[user:password@]host[:port][?starttls=true|false] or smtps://…; credentials percent-encoded."""
    parts = urlsplit(url)
    starttls = parse_qs(parts.query).get("starttls", ["false"])[-1].lower()
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname or starttls not in ("true", "false"):
        raise ValueError(f"not an SMTP address: {url!r} (smtp://[user:password@]host[:port][?starttls=true])")
    implicit, start = parts.scheme == "smtps", parts.scheme == "smtp" and starttls == "true"
    return SmtpServer(hostname=parts.hostname, port=parts.port or (465 if implicit else 587 if start else 25),
                      username=unquote(parts.username) if parts.username else None,
                      password=unquote(parts.password) if parts.password is not None else None,
                      use_tls=implicit, start_tls=start)


def _refused_for_now(exc: aiosmtplib.SMTPRecipientsRefused) -> bool:
    return all(400 <= r.code < 500 for r in exc.recipients)


def classify(exc: Exception) -> Exception:
    """Transient (try again) or Permanent (record and stop) for an error from the SMTP exchange.

    Only a 5xx about this message (its sender, its recipient, its data) is permanent. Everything about the
    server or our settings (refused connection, timeout, HELO, login, STARTTLS) is transient even when 5xx:
    once an admin fixes the setting, the backlog must still go out; MAX_ATTEMPTS bounds the retries.
    """
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        kind = Transient if _refused_for_now(exc) else Permanent
        return kind("; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients))
    if isinstance(exc, (aiosmtplib.SMTPSenderRefused, aiosmtplib.SMTPDataError, aiosmtplib.SMTPRecipientRefused)):
        return (Permanent if 500 <= exc.code < 600 else Transient)(f"{exc.code} {exc.message}")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return Transient(f"{type(exc).__name__}: {exc.code} {exc.message}")
    return Transient(f"{type(exc).__name__}: {exc}")


def _mailbox(address: str) -> str:
    """A recipient's address as the envelope takes it; ValueError unless it is a plain address (parsing is
    lenient: "not an address" would become "not")."""
    if "@" not in address or parse_address(address) != address:
        raise ValueError(f"{address!r} is not an email address")
    return address


def _hung_up(exc: BaseException) -> bool:
    """The server closed the connection (or said it is closing it: 421), rather than answering about the email."""
    return isinstance(exc, ConnectionError) or getattr(exc, "code", None) == 421


class _HungUp(Exception):
    """A connection kept from an earlier email had been closed by the server (idle too long, too many messages)
    before this email's first command reached it."""


class SmtpTransport:
    """Sends over one SMTP connection, kept open from one email to the next until `close()`: a session per
    email cost more than the rest of sending it. One email at a time, whichever task calls."""

    def __init__(self, url: str, timeout: float = SMTP_TIMEOUT):
        self.server = parse_smtp_url(url)
        self.timeout = timeout
        self.connections = 0  # opened so far
        self._smtp: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    async def send(self, email_row: dict[str, Any]) -> None:
        try:
            data = message_bytes(email_row)
            sender, recipient = parse_address(get_settings().mail_from), _mailbox(email_row["to_address"])
        except ValueError as exc:  # e.g. an address no server will take: no retry mends it
            raise Permanent(f"unusable message or address: {exc}") from exc
        async with self._lock:
            try:
                await self._send(sender, recipient, data)
            except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
                raise classify(exc) from exc

    async def _send(self, sender: str, recipient: str, data: bytes) -> None:
        if self._smtp is not None and self._smtp.is_connected:
            try:
                return await self._transaction(self._smtp, sender, recipient, data, reused=True)
            except _HungUp:
                pass  # the server has nothing of this email: one new connection may try it (and fail as usual)
        await self._transaction(await self._connect(), sender, recipient, data, reused=False)

    async def _transaction(self, smtp: aiosmtplib.SMTP, sender: str, recipient: str, data: bytes,
                           reused: bool) -> None:
        """MAIL, RCPT, DATA. After a refusal the server forgets the envelope (RSET) and the connection stays
        open for the next email; after anything else (a timeout, a lost connection) it is dropped."""
        utf8 = not (sender + recipient).isascii()  # an address outside ASCII needs the server's SMTPUTF8
        options, encoding = (["SMTPUTF8"], "utf-8") if utf8 else ([], "ascii")
        try:
            try:
                await smtp.mail(sender, options=options, encoding=encoding)
            except (aiosmtplib.SMTPException, OSError) as exc:
                if reused and _hung_up(exc):
                    raise _HungUp from exc
                raise
            await smtp.rcpt(recipient, encoding=encoding)
            await smtp.data(data)
        except aiosmtplib.SMTPResponseException:
            await self._reset(smtp)
            raise
        except BaseException:
            self._drop()
            raise

    async def _connect(self) -> aiosmtplib.SMTP:
        s = self.server
        smtp = aiosmtplib.SMTP(hostname=s.hostname, port=s.port, username=s.username, password=s.password,
                               use_tls=s.use_tls, start_tls=s.start_tls, timeout=self.timeout)
        await smtp.connect()  # logs in, and starts TLS, as the address says
        self._smtp = smtp
        self.connections += 1
        return smtp

    async def _reset(self, smtp: aiosmtplib.SMTP) -> None:
        try:
            await smtp.rset()
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError):
            self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    async def close(self) -> None:
        """Say goodbye and hang up; a later email opens a new connection."""
        async with self._lock:
            smtp, self._smtp = self._smtp, None
            if smtp is None or not smtp.is_connected:
                return
            try:
                await smtp.quit(timeout=min(self.timeout, QUIT_TIMEOUT))
            except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError):
                pass  # it hangs up anyway
            finally:
                smtp.close()


def get_transport() -> Transport:
    settings = get_settings()
    return SmtpTransport(settings.smtp_url) if settings.smtp_url else FileTransport(settings.outbox_dir)
