"""Digest emails and the transports that carry them. (Placeholder; filled in by the reminders issue.)"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol


class Transient(Exception):
    """Try again later: the server is down or said 4xx."""


class Permanent(Exception):
    """Never going to work: the server refused the address or the message (5xx)."""


class Transport(Protocol):
    async def send(self, email: dict[str, Any]) -> None: ...


def compose_digest(user: dict[str, Any], day: dt.date, items: list[dict[str, Any]]) -> tuple[str, str, str]:
    lines = [f"{i['unit_name']}: {i['content']} ({i['due_date']})" for i in items]
    return f"parplan {day}", "\n".join(lines), "<br>".join(lines)


def get_transport() -> Transport:
    raise NotImplementedError
