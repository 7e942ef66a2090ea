"""What the test command needs on this machine, and the set-up that gets it.

The suite needs Debian's Chromium, a PostgreSQL and a Redis that answer, and the front-end packages from npm.
`look()` reads what is there into a `Machine`; `plan()` decides, from that value alone, what to install and
start, or what is missing that the command may not get by itself; `prepare()` carries the plan out. Installing
takes root or passwordless sudo; without either the command says exactly what is missing and how to get it,
and fails (a missing browser or database is never a skip).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_CHROMIUM = "/usr/bin/chromium"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
COMMANDS = ("apt-get", "pg_ctlcluster", "redis-server", "npm")
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Machine:
    """What is there, as plain values, so that `plan()` can be tried on any machine."""

    chromium: str  # the path the browser tests launch
    chromium_found: bool
    commands: frozenset[str]  # those of COMMANDS on PATH
    postgres: tuple[str, int]  # host and port of the test PostgreSQL
    postgres_up: bool
    redis: tuple[str, int]
    redis_up: bool
    node_modules: bool  # npm ci ran since package-lock.json changed
    root: bool
    sudo: bool  # passwordless


@dataclass
class Plan:
    packages: list[str] = field(default_factory=list)  # Debian packages to install
    start: list[str] = field(default_factory=list)  # "postgresql", "redis"
    npm_ci: bool = False
    problems: list[str] = field(default_factory=list)  # what is missing that this command may not get


def prefix(m: Machine) -> list[str] | None:
    """How to run a command as root here: as is, through passwordless sudo, or not at all (None)."""
    if m.root:
        return []
    return ["sudo", "-n"] if m.sudo else None


def plan(m: Machine, dbs: tuple[str, ...] = ("sqlite", "postgres")) -> Plan:
    """What to install and start for a run on these databases (PostgreSQL only when it is among them)."""
    p = Plan()
    if not m.chromium_found:
        if m.chromium != DEFAULT_CHROMIUM:
            p.problems.append(f"PARPLAN_TEST_CHROMIUM={m.chromium}: no such file. Point it at a Chromium, or unset "
                              f"it to use Debian's chromium package at {DEFAULT_CHROMIUM}.")
        else:
            p.packages.append("chromium")
    if not m.postgres_up and "postgres" in dbs:
        _service(p, m, "postgresql", "PostgreSQL", m.postgres, "pg_ctlcluster", "PARPLAN_TEST_PG_URL")
    if not m.redis_up:
        _service(p, m, "redis", "Redis", m.redis, "redis-server", "REDIS_URL")
    if not m.node_modules:
        p.npm_ci = True
        if "npm" not in m.commands:
            p.packages.append("npm")
    if p.packages and "apt-get" not in m.commands:
        p.problems.append(f"missing: {', '.join(p.packages)}. This is not a Debian machine (no apt-get): install "
                          "them with its own package manager.")
        p.packages = []
    elif p.packages and prefix(m) is None:
        p.problems.append(f"missing Debian packages: {', '.join(p.packages)}. Install them with "
                          f"`sudo apt-get install {' '.join(p.packages)}`, or run the tests as root or with "
                          "passwordless sudo, which install them.")
        p.packages = []
    return p


def _service(p: Plan, m: Machine, name: str, title: str, where: tuple[str, int], command: str, variable: str
             ) -> None:
    host, port = where
    if host not in LOCAL_HOSTS:
        p.problems.append(f"{title} at {host}:{port} does not answer: start it, or change {variable}.")
        return
    if command not in m.commands:
        p.packages.append("postgresql" if name == "postgresql" else "redis-server")
    if name == "postgresql" and prefix(m) is None:
        p.problems.append(f"PostgreSQL does not answer on {host}:{port}: start it "
                          "(`sudo pg_ctlcluster 15 main start`), or run the tests as root or with passwordless sudo, "
                          "which start it.")
        return
    p.start.append(name)


def install_commands(packages: list[str], m: Machine) -> list[list[str]]:
    if not packages:
        return []
    root = prefix(m)
    assert root is not None, "plan() leaves no package to install without root"
    return [[*root, "apt-get", "update", "-qq"], [*root, "apt-get", "install", "-y", "-qq", *packages]]


def start_command(service: str, m: Machine, pg_versions: list[str], tmp: str) -> list[str]:
    if service == "postgresql":
        version = sorted(pg_versions, key=lambda v: [int(x) for x in v.split(".") if x.isdigit()])[-1]
        return [*(prefix(m) or []), "pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"]
    host, port = m.redis
    folder = Path(tmp) / "parplan-redis"
    return ["redis-server", "--daemonize", "yes", "--bind", host, "--port", str(port), "--save", "",
            "--appendonly", "no", "--dir", str(folder), "--logfile", str(folder / "redis.log")]


# Reading the machine and acting on the plan -------------------------------------------------------------------

def _answers(where: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(where, timeout=1):
            return True
    except OSError:
        return False


def _where(url: str, port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or port


def _npm_installed() -> bool:
    """`npm ci` ran since package-lock.json last changed (it leaves its own copy in node_modules)."""
    installed, lock = ROOT / "node_modules" / ".package-lock.json", ROOT / "package-lock.json"
    return installed.is_file() and (not lock.is_file() or installed.stat().st_mtime >= lock.stat().st_mtime)


def _passwordless_sudo() -> bool:
    if not shutil.which("sudo"):
        return False
    return subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0


def look(env: dict[str, str]) -> Machine:
    chromium = env.get("PARPLAN_TEST_CHROMIUM", DEFAULT_CHROMIUM)
    postgres = _where(env.get("PARPLAN_TEST_PG_URL", DEFAULT_PG_URL), 5432)
    redis = _where(env.get("REDIS_URL", DEFAULT_REDIS_URL), 6379)
    root = os.geteuid() == 0
    return Machine(chromium=chromium, chromium_found=Path(chromium).exists(),
                   commands=frozenset(c for c in COMMANDS if shutil.which(c)),
                   postgres=postgres, postgres_up=_answers(postgres), redis=redis, redis_up=_answers(redis),
                   node_modules=_npm_installed(), root=root,
                   sudo=not root and _passwordless_sudo())


def _run(command: list[str]) -> None:
    print(f"== {' '.join(command)}", flush=True)
    subprocess.run(command, check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, cwd=ROOT,
                   stdout=subprocess.DEVNULL if "apt-get" in command else None)


def _wait(title: str, where: tuple[str, int]) -> None:
    deadline = time.monotonic() + 30
    while not _answers(where):
        if time.monotonic() > deadline:
            raise SystemExit(f"parplan tests: {title} did not answer on {where[0]}:{where[1]} within 30 s")
        time.sleep(0.5)


def prepare(env: dict[str, str], dbs: tuple[str, ...] = ("sqlite", "postgres")) -> None:
    """Install and start what is missing, or exit naming what is missing and how to get it."""
    m = look(env)
    p = plan(m, dbs)
    if p.problems:
        sys.exit("parplan tests cannot run here yet:\n" + "\n".join(f"- {problem}" for problem in p.problems))
    for command in install_commands(p.packages, m):
        _run(command)
    tmp = tempfile.gettempdir()
    for service in p.start:
        where = m.postgres if service == "postgresql" else m.redis
        if _answers(where):
            continue  # installing the package started it
        versions = sorted(os.listdir("/etc/postgresql")) if service == "postgresql" else []
        if service == "redis":
            (Path(tmp) / "parplan-redis").mkdir(exist_ok=True)
        _run(start_command(service, m, versions, tmp))
        _wait(service, where)
    if p.npm_ci:
        _run(["npm", "ci", "--no-audit", "--no-fund"])
