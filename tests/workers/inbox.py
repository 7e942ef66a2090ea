"""A real SMTP server (aiosmtpd) on a free loopback port, and the Redis queue each worker test uses alone."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller

from tests.builders import free_port


class Inbox:
    """What the server received, in order. `delay` holds each message before the 250 reply, so a test can
    kill a worker mid-send; a client that drops the connection then leaves nothing here (aiosmtpd cancels)."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.messages: list[Message] = []
        self.in_flight = 0
        self.last_done = 0.0
        self._lock = threading.Lock()
        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.in_flight += 1
        try:
            await asyncio.sleep(self.delay)
            with self._lock:
                self.messages.append(message_from_bytes(envelope.content))
                self.last_done = time.monotonic()
        finally:
            with self._lock:
                self.in_flight -= 1
        return "250 OK"

    def ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]

    def recipients(self) -> list[str]:
        return [m["To"] for m in self.messages]

    def __enter__(self) -> Inbox:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


def new_queue() -> str:
    return f"parplan-test:{uuid.uuid4().hex[:12]}"


async def drop_queue(redis, queue: str) -> None:
    """Remove the queue and whatever its jobs left behind (a killed worker's job stays queued for ever)."""
    ids = [i.decode() for i in await redis.zrange(queue, 0, -1)]
    keys = [f"arq:{kind}:{i}" for i in ids for kind in ("job", "in-progress", "retry", "result")]
    await redis.delete(queue, f"{queue}:health-check", *keys)
