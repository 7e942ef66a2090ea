"""PostgreSQL restarted under a running `parplan serve`: requests fail cleanly while it is down, and the same
server (its asyncpg pool) serves again once it is back, without being restarted.

The machine's shared PostgreSQL is never touched: the test runs a private cluster of its own (initdb as the
postgres user, on a free port, in a temporary folder), whatever PARPLAN_TEST_DB says. A missing initdb fails
the test; it never skips.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from app.i18n import _, set_locale
from tests.builders import free_port

# Once, on PostgreSQL: it starts a PostgreSQL of its own, whatever the test database.
pytestmark = pytest.mark.only_db("postgres")

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PARPLAN_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
EMAIL, PASSWORD = "admin@example.vn", "correct horse battery"
DOWN = "The database cannot be reached for the moment. Please try again in a few minutes."
# A request to a server whose database is down must answer, not hang: anything slower fails the test.
REQUEST_TIMEOUT = 10


ROOT_USER = os.geteuid() == 0


def as_postgres(*args: str) -> None:
    # initdb and pg_ctl refuse to run as root (as CI does): root runs them as the postgres user.
    prefix = ["runuser", "-u", "postgres", "--"] if ROOT_USER else []
    done = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{' '.join(args)}:\n{done.stdout}{done.stderr}"


@dataclass
class Cluster:
    home: Path
    port: int

    @property
    def data(self) -> str:
        return str(self.home / "data")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/parplan"

    def start(self) -> None:
        as_postgres(str(PG_BIN / "pg_ctl"), "-D", self.data, "-l", str(self.home / "log"), "-w", "-t", "20",
                    "-o", f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self, mode: str = "fast") -> None:
        as_postgres(str(PG_BIN / "pg_ctl"), "-D", self.data, "-w", "-t", "20", "-m", mode, "stop")

    def restart(self) -> None:
        as_postgres(str(PG_BIN / "pg_ctl"), "-D", self.data, "-l", str(self.home / "log"), "-w", "-t", "20",
                    "-m", "fast", "restart")


@contextlib.contextmanager
def private_postgres():
    assert (PG_BIN / "initdb").exists(), f"PostgreSQL's initdb is required: {PG_BIN / 'initdb'} is missing"
    home = Path(tempfile.mkdtemp(prefix="parplan-pg-"))
    if ROOT_USER:
        shutil.chown(home, "postgres", "postgres")
    cluster = Cluster(home, free_port())
    try:
        as_postgres(str(PG_BIN / "initdb"), "-D", cluster.data, "-A", "trust", "-U", "postgres", "--no-sync",
                    "-E", "UTF8", "--locale", "C")
        cluster.start()
        as_postgres(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "parplan")
        yield cluster
    finally:
        with contextlib.suppress(AssertionError, subprocess.SubprocessError):
            cluster.stop("immediate")
        shutil.rmtree(home, ignore_errors=True)


def parplan(cluster: Cluster, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "app.cli", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env={**os.environ, "DATABASE_URL": cluster.url})


def printed(command: subprocess.Popen) -> str:
    out, _err = command.communicate(timeout=60)
    assert command.returncode == 0, out
    return out.strip()


@contextlib.contextmanager
def serving(cluster: Cluster, log: Path):
    """A real uvicorn server with its PostgreSQL pool, as in production; stopped even when the test fails."""
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port)], cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "DATABASE_URL": cluster.url, "PARPLAN_DB_POOL": "true"})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, f"parplan serve exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"parplan serve did not start:\n{log.read_text()}"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT, follow_redirects=False)
    client.get("/login")
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD},
                           headers={"x-csrftoken": client.cookies["parplan_csrf"]})
    assert response.status_code == 303, response.text
    return client


@dataclass
class Prober:
    """Asks for a page again and again from its own thread, as people keep clicking while the database restarts."""

    client: httpx.Client
    seen: list[tuple[float, int]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # a request that timed out or was cut: the test fails
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                status = self.client.get("/plans").status_code
            except httpx.HTTPError as exc:
                self.errors.append(repr(exc))
                return
            self.seen.append((time.monotonic(), status))
            time.sleep(0.02)

    def last_since(self, moment: float) -> int:
        """The status of its latest request if sent after `moment`; until then, as good as a 503."""
        assert self.errors == []
        return self.seen[-1][1] if self.seen and self.seen[-1][0] > moment else 503


def down_message() -> str:
    set_locale("vi")  # the server's default locale
    return _(DOWN)


def assert_refused_cleanly(response: httpx.Response, message: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"].isdecimal()
    assert message in response.text
    assert "Traceback" not in response.text


def assert_every_kind_of_request_is_refused_cleanly(client: httpx.Client, api: httpx.Client, message: str) -> None:
    """The page, an htmx fragment, the API, a write and a sign-in: each a clear 503 at once."""
    assert_refused_cleanly(client.get("/plans"), message)
    fragment = client.get("/plans", headers={"hx-request": "true"})
    assert_refused_cleanly(fragment, message)
    assert "<html" not in fragment.text
    refused = api.get("/api/plans", params={"year": 2024})
    assert_refused_cleanly(refused, message)
    assert refused.json() == {"status_code": 503, "detail": message}
    assert_refused_cleanly(save_profile(client, "13"), message)
    # No session: the request reaches its handler, and the handler's own query fails.
    stranger = httpx.Client(base_url=str(client.base_url), timeout=REQUEST_TIMEOUT)
    assert stranger.get("/login").status_code == 200
    assert_refused_cleanly(stranger.post("/login", data={"email": EMAIL, "password": PASSWORD},
                                         headers={"x-csrftoken": stranger.cookies["parplan_csrf"]}), message)


def save_profile(client: httpx.Client, hour: str) -> httpx.Response:
    return client.post("/profile", data={"reminders": "on", "reminder_hour": hour},
                       headers={"x-csrftoken": client.cookies["parplan_csrf"]})


def tries_until_ok(ask, what: str) -> int:
    """How many tries until `ask()` answers 200; only 503s on the way, and a bounded number of them."""
    for attempt in range(1, 51):
        if (status := ask()) == 200:
            return attempt
        assert status == 503, status
        time.sleep(0.1)
    raise AssertionError(f"{what}: never recovered")


def refused_between(prober: Prober, start: float, end: float) -> str:
    failed = [t for t, s in prober.seen if start <= t <= end and s == 503]
    return f"{len(failed)} answered 503 over {(failed[-1] - failed[0]) if failed else 0:.2f} s"


@pytest.mark.timeout(90)
def test_requests_fail_cleanly_while_postgresql_restarts_and_the_same_server_recovers(tmp_path):
    message = down_message()
    with private_postgres() as cluster:
        # `user create` migrates the new database first, as `parplan migrate` does.
        printed(parplan(cluster, "user", "create", EMAIL, "--role", "admin", "--password", PASSWORD))
        token_command = parplan(cluster, "token", "create", EMAIL)  # while the server starts
        with serving(cluster, tmp_path / "server.log") as base:
            token = printed(token_command).splitlines()[-1]
            client = signed_in(base)
            api = httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT, headers={"authorization": f"Bearer {token}"})
            assert client.get("/plans").status_code == 200
            assert api.get("/api/plans", params={"year": 2024}).status_code == 200
            prober = Prober(httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT, cookies=client.cookies))
            thread = threading.Thread(target=prober.run, daemon=True)
            thread.start()
            try:
                t0 = time.monotonic()
                cluster.stop()
                assert_every_kind_of_request_is_refused_cleanly(client, api, message)
                cluster.start()
                t1 = time.monotonic()
                # Back: the same session on the same server, within a few tries.
                attempts = tries_until_ok(lambda: client.get("/profile").status_code, "after a start")
                t2 = time.monotonic()
                cluster.restart()  # and once more in one go, as an operator would, under the prober's clicks
                t3 = time.monotonic()
                tries_until_ok(lambda: prober.last_since(t3), "after a restart")
                t4 = time.monotonic()
            finally:
                prober.stop.set()
                thread.join(timeout=REQUEST_TIMEOUT + 5)
            assert save_profile(client, "13").status_code == 303
            assert re.search(r'name="reminder_hour"[^>]*value="13"', client.get("/profile").text)
            assert api.get("/api/plans", params={"year": 2024}).status_code == 200
            log = (tmp_path / "server.log").read_text()
    statuses = [s for _t, s in prober.seen]
    assert prober.errors == []
    assert set(statuses) <= {200, 503}, statuses
    assert "unhandled error" not in log  # no request took the 500 path
    print(f"\nstop, probes, start: down {t1 - t0:.2f} s, first 200 {t2 - t1:.2f} s after the start (try "
          f"{attempts}), prober {refused_between(prober, t0, t2)}; pg_ctl restart -m fast took {t3 - t2:.2f} s, "
          f"prober's first 200 {t4 - t3:.2f} s after it, {refused_between(prober, t2, t4)}; "
          f"prober: {len(statuses)} requests, none other than 200 or 503")
