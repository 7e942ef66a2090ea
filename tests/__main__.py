"""`uv run python -m tests`: the whole suite on real SQLite and real PostgreSQL, browser journeys included.

Each database gets two pytest runs: everything but the browser, then the browser journeys (sync Playwright
wants a process of its own). The two databases' first runs go side by side, one per core (each has its own
temporary folder, PostgreSQL database and ports), their output printed as each finishes; the browser runs
follow one after the other. PARPLAN_TEST_SERIAL=1 runs all four one after the other, output as it comes.
Extra arguments go to every pytest run, e.g. `-x` or `-k login`.

First it sets the machine up (tests/machine.py): Debian's Chromium, PostgreSQL and Redis running, the npm
packages; it installs and starts what is missing when it may (root or passwordless sudo), and otherwise says
what is missing and how to get it, and fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.machine import prepare

SUITE = ["tests", "--ignore=tests/browser"]
BROWSER = ["tests/browser"]


def _command(args: list[str], report: Path, extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "pytest", *args, f"--junitxml={report}", *extra]


def _count(report: Path, code: int, totals: dict[str, int]) -> None:
    if report.exists():
        suite = ET.parse(report).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        tests, skipped = int(suite.get("tests")), int(suite.get("skipped"))
        failed = int(suite.get("failures")) + int(suite.get("errors"))
        totals["passed"] += tests - skipped - failed
        totals["failed"] += failed
        totals["skipped"] += skipped
    if code == 5:  # pytest ran no test: that is a failure here
        totals["failed"] += 1


def _side_by_side(dbs: list[str], tmp: Path, extra: list[str], totals: dict[str, int]) -> int:
    """The non-browser runs of every database at once; each one's output is printed whole when it ends."""
    runs = []
    for db in dbs:
        log = (tmp / f"{db}.log").open("w+")
        report = tmp / f"{db}-suite.xml"
        process = subprocess.Popen(_command(SUITE, report, extra), stdout=log, stderr=subprocess.STDOUT,
                                   env={**os.environ, "PARPLAN_TEST_DB": db})
        runs.append((db, process, log, report, time.monotonic()))
    worst = 0
    for db, process, log, report, started in runs:
        code = process.wait()
        log.seek(0)
        print(f"\n=== {db}: pytest {' '.join(SUITE)} ({time.monotonic() - started:.0f} s, side by side) ===",
              flush=True)
        sys.stdout.write(log.read())
        sys.stdout.flush()
        log.close()
        worst = max(worst, 1 if code else 0)
        _count(report, code, totals)
    return worst


def _one(db: str, args: list[str], report: Path, extra: list[str], totals: dict[str, int]) -> int:
    print(f"\n=== {db}: pytest {' '.join(args)} ===", flush=True)
    code = subprocess.call(_command(args, report, extra), env={**os.environ, "PARPLAN_TEST_DB": db})
    _count(report, code, totals)
    return 1 if code else 0


def main(extra: list[str]) -> int:
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    dbs = [db for db in ("sqlite", "postgres") if db in os.environ.get("PARPLAN_TEST_DBS", "sqlite,postgres").split(",")]
    prepare(dict(os.environ), tuple(dbs))
    serial = os.environ.get("PARPLAN_TEST_SERIAL", "") == "1"
    worst = 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if serial or len(dbs) < 2:
            for db in dbs:
                worst = max(worst, _one(db, SUITE, tmp / f"{db}-suite.xml", extra, totals))
        else:
            worst = _side_by_side(dbs, tmp, extra, totals)
        for db in dbs:
            worst = max(worst, _one(db, BROWSER, tmp / f"{db}-browser.xml", extra, totals))
    print(f"\nparplan: {totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
    return 1 if worst or totals["failed"] or totals["passed"] == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
