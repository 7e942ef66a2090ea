"""`uv run python -m tests`: the whole suite on real SQLite and real PostgreSQL, browser journeys included.

Each database gets two pytest runs: everything but the browser, then the browser journeys (sync Playwright
wants a process of its own). Extra arguments go to every pytest run, e.g. `-x` or `-k login`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

RUNS = [
    ("sqlite", ["tests", "--ignore=tests/browser"]),
    ("postgres", ["tests", "--ignore=tests/browser"]),
    ("sqlite", ["tests/browser"]),
    ("postgres", ["tests/browser"]),
]


def main(extra: list[str]) -> int:
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    worst = 0
    only = os.environ.get("PARPLAN_TEST_DBS", "sqlite,postgres").split(",")
    with tempfile.TemporaryDirectory() as tmp:
        for i, (db, args) in enumerate(r for r in RUNS if r[0] in only):
            report = Path(tmp) / f"run{i}.xml"
            print(f"\n=== {db}: pytest {' '.join(args)} ===", flush=True)
            code = subprocess.call([sys.executable, "-m", "pytest", *args, f"--junitxml={report}", *extra],
                                   env={**os.environ, "PARPLAN_TEST_DB": db})
            worst = max(worst, 1 if code not in (0,) else 0)
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
    print(f"\nparplan: {totals['passed']} passed, {totals['failed']} failed, {totals['skipped']} skipped")
    return 1 if worst or totals["failed"] or totals["passed"] == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
