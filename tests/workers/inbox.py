"""A real SMTP server (aiosmtpd) on a free loopback port, the Redis queue each worker test uses alone, and a
private redis-server a test may stop and start."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading
import time
import uuid
from email import message_from_bytes
from email.message import Message
from pathlib import Path

from aiosmtpd.controller import Controller

from tests.builders import free_port


def use_smtp(url: str | None) -> None:
    """Point the app's mail at this SMTP address (None: back to the outbox folder); settings are read again."""
    from app.settings import get_settings

    if url is None:
        os.environ.pop("PARPLAN_SMTP_URL", None)
    else:
        os.environ["PARPLAN_SMTP_URL"] = url
    get_settings.cache_clear()


class Inbox:
    """What the server received, in order. `delay` holds each message before the 250 reply, so a test can
    kill a worker mid-send; a client that drops the connection then leaves nothing here (aiosmtpd cancels)."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        # With `hold_after` = n, every message after the n-th is held until the client hangs up (or the test sets
        # it back to None): a worker can then be killed mid-send at a known point, whatever the machine's load.
        self.hold_after: int | None = None
        # With `hang_up_every` = n, the server closes a connection as soon as it has accepted n messages over it.
        self.hang_up_every: int | None = None
        self.peers: list = []  # the client end of the connection of each message accepted, in order
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
            while self.hold_after is not None and len(self.messages) >= self.hold_after:
                await asyncio.sleep(0.05)  # cancelled when the client drops the connection
            with self._lock:
                self.messages.append(message_from_bytes(envelope.content))
                self.peers.append(session.peer)
                self.last_done = time.monotonic()
                if self.hang_up_every and self.peers.count(session.peer) == self.hang_up_every:
                    asyncio.get_running_loop().call_soon(server.transport.close)  # once the 250 is out
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


class PrivateRedis:
    """A redis-server of the test's own on a free loopback port, nothing saved: stopped and started again at
    will, on the same port, while the shared Redis other test runs use is left alone."""

    def __init__(self, log: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        server = shutil.which("redis-server")
        assert server, "redis-server is required for these tests"
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                          "--appendonly", "no"], stdout=out, stderr=subprocess.STDOUT)
        wait_until(self.answers, 10, f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def answers(self) -> bool:
        from redis.asyncio import Redis
        from redis.exceptions import RedisError

        async def ping() -> bool:
            client = Redis.from_url(self.url, socket_connect_timeout=0.5, socket_timeout=0.5)
            try:
                return bool(await client.ping())
            except (RedisError, OSError):
                return False
            finally:
                await client.aclose()

        return asyncio.run(ping())

    def __enter__(self) -> PrivateRedis:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
