"""Settings, read once from the environment and strict about what they accept."""

from __future__ import annotations

import functools
import ipaddress
import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit


class SettingsError(RuntimeError):
    """A setting in the environment that parplan cannot use."""


KNOWN = {
    "DATABASE_URL", "REDIS_URL", "PARPLAN_EVIDENCE_DIR", "PARPLAN_OUTBOX_DIR", "PARPLAN_SECRET_KEY",
    "PARPLAN_DEBUG", "PARPLAN_SECURE_COOKIES", "PARPLAN_DB_POOL", "PARPLAN_VAR_DIR", "PARPLAN_MAX_UPLOAD_MB",
    "PARPLAN_SMTP_URL", "PARPLAN_MAIL_FROM", "PARPLAN_BASE_URL", "PARPLAN_SEND_LEASE_SECONDS",
    "PARPLAN_TRUSTED_PROXIES",
}


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str
    evidence_dir: Path
    outbox_dir: Path
    secret_key: str
    debug: bool
    secure_cookies: bool
    db_pool: bool
    var_dir: Path
    max_upload_bytes: int
    smtp_url: str  # "" writes .eml files to outbox_dir instead
    mail_from: str
    base_url: str  # for links in emails
    send_lease_seconds: int  # a claimed email not recorded after this long is taken over by another worker
    trusted_proxies: tuple[str, ...] = ()  # addresses/networks whose X-Forwarded-For is believed; none: ignored

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql://", "postgres://"))

    @property
    def sqlite_path(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true"):
        return True
    if raw.lower() in ("0", "false"):
        return False
    raise SettingsError(f"{name}={raw!r}: use true or false (or 1 / 0)")


def _megabytes(name: str, default: int) -> int:
    raw = os.environ.get(name) or str(default)
    if not raw.isdecimal() or not 1 <= int(raw) <= 10_000:
        raise SettingsError(f"{name}={raw!r}: a whole number of megabytes from 1 to 10000")
    return int(raw) * 1024 * 1024


def _database_url(var_dir: Path) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{var_dir / 'parplan.sqlite3'}"
    scheme = urlsplit(url).scheme
    if scheme not in ("sqlite", "postgresql", "postgres"):
        raise SettingsError(f"DATABASE_URL: unsupported scheme {scheme!r} (use sqlite:///PATH or postgresql://…)")
    return url


def _secret_key(var_dir: Path) -> str:
    key = os.environ.get("PARPLAN_SECRET_KEY")
    if key:
        if len(key) < 32:
            raise SettingsError("PARPLAN_SECRET_KEY must be at least 32 characters")
        return key
    # No key given: keep one beside the local database so every process on this machine agrees.
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _smtp_url() -> str:
    url = os.environ.get("PARPLAN_SMTP_URL") or ""
    if url and (urlsplit(url).scheme not in ("smtp", "smtps") or not urlsplit(url).hostname):
        raise SettingsError(f"PARPLAN_SMTP_URL={url!r}: use smtp://[user:password@]host[:port][?starttls=true] "
                            "or smtps://…")
    return url


def _base_url() -> str:
    url = (os.environ.get("PARPLAN_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise SettingsError(f"PARPLAN_BASE_URL={url!r}: the address people open parplan at, e.g. https://cchc.example.vn")
    return url


def served_base_url(host: str, port: int) -> str:
    """Where a server started by `parplan serve` or `parplan demo` is opened: the host and port it listens on."""
    if host in ("", "0.0.0.0", "::"):  # every interface: name the machine, which people can reach
        host = socket.getfqdn()
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def serving_at(host: str, port: int) -> None:
    """Links in emails follow the served host and port, unless PARPLAN_BASE_URL names the public address.

    Written to the environment (and the cached settings dropped) so that the app's processes and the demo's
    reminders worker, started after this, all build the same links."""
    if not os.environ.get("PARPLAN_BASE_URL"):
        os.environ["PARPLAN_BASE_URL"] = served_base_url(host, port)
    get_settings.cache_clear()


def _whole(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name) or str(default)
    if not raw.isdecimal() or not low <= int(raw) <= high:
        raise SettingsError(f"{name}={raw!r}: a whole number from {low} to {high}")
    return int(raw)


def _trusted_proxies() -> tuple[str, ...]:
    """PARPLAN_TRUSTED_PROXIES: the reverse proxies in front of parplan, as addresses or networks.

    Only their X-Forwarded-For names the client (the sign-in limits and the audit log use that address).
    Empty, the default: the header is ignored, so no client can pick the address it is counted under.
    """
    raw = os.environ.get("PARPLAN_TRUSTED_PROXIES") or ""
    proxies = tuple(part.strip() for part in raw.split(",") if part.strip())
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise SettingsError(f"PARPLAN_TRUSTED_PROXIES: {proxy!r} is not an address or network; name the "
                                "proxies, e.g. 127.0.0.1,10.0.0.0/24 (there is no 'trust everyone')") from None
    return proxies


def _reject_unknown() -> None:
    # A typo such as PARPLAN_SECRETKEY would otherwise be ignored silently (and each server invent its own key).
    unknown = sorted(k for k in os.environ if k.startswith("PARPLAN_") and k not in KNOWN
                     and not k.startswith("PARPLAN_TEST_"))
    if unknown:
        raise SettingsError(f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(KNOWN))}")


def load() -> Settings:
    _reject_unknown()
    var_dir = Path(os.environ.get("PARPLAN_VAR_DIR") or "var").resolve()
    redis_url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    if urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
        raise SettingsError(f"REDIS_URL: unsupported scheme in {redis_url!r}")
    return Settings(
        database_url=_database_url(var_dir),
        redis_url=redis_url,
        evidence_dir=Path(os.environ.get("PARPLAN_EVIDENCE_DIR") or var_dir / "evidence").resolve(),
        outbox_dir=Path(os.environ.get("PARPLAN_OUTBOX_DIR") or var_dir / "outbox").resolve(),
        secret_key=_secret_key(var_dir),
        debug=_bool("PARPLAN_DEBUG", False),
        # HTTPS behind a proxy: the public address says so, and then cookies are Secure by default.
        secure_cookies=_bool("PARPLAN_SECURE_COOKIES", _base_url().startswith("https://")),
        db_pool=_bool("PARPLAN_DB_POOL", True),
        var_dir=var_dir,
        max_upload_bytes=_megabytes("PARPLAN_MAX_UPLOAD_MB", 100),
        smtp_url=_smtp_url(),
        mail_from=os.environ.get("PARPLAN_MAIL_FROM") or "parplan <no-reply@parplan.local>",
        base_url=_base_url(),
        send_lease_seconds=_whole("PARPLAN_SEND_LEASE_SECONDS", 600, 1, 86_400),
        trusted_proxies=_trusted_proxies(),
    )


@functools.cache
def get_settings() -> Settings:
    return load()
