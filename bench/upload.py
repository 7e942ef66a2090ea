"""Upload a 100 MiB evidence file to a real server and record throughput and the server's memory growth.

    uv run python bench/upload.py [--size-mib 100] [--repeat 3]

Starts `parplan serve` (uvicorn, one process) on a free loopback port with a throw-away PARPLAN_VAR_DIR and
SQLite. The CLI creates a unit and its focal point, and imports a small plan that this script writes with the
project's own spreadsheet writer, so the bench needs nothing outside the repository. It signs in like the
browser does and posts a generated PDF (a valid header, then random bytes) streamed from disk by curl, as
htmx sends it (CSRF token in the header). While each upload runs, a thread samples the server's VmRSS every
20 ms; the peak minus the value just before is the growth. For comparison it times copying the same file on
the same disk, with and without fsync. Not a test: it prints a table; `measure()` returns the medians.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.load import free_port, start_server, stop_server  # noqa: E402
EMAIL, PASSWORD = "daumoi.bench@stp.gov.vn", "bench-parplan-2024"
MIB = 1024 * 1024


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class RssSampler(threading.Thread):
    """Samples a process's resident memory every 20 ms until stopped; keeps the highest value."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.samples = pid, rss_kib(pid), 0
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.is_set():
            self.peak = max(self.peak, rss_kib(self.pid))
            self.samples += 1
            time.sleep(0.02)


def cli(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


HEADER = b"%PDF-1.4\n% parplan upload benchmark\n"


def make_pdf(path: Path, size: int) -> None:
    with path.open("wb") as out:
        out.write(HEADER)
        while out.tell() < size:
            out.write(os.urandom(min(MIB, size - out.tell())))


def vary(path: Path) -> None:
    """New content for the next upload: storage keeps one copy of each content, and a file it has already is not
    written again, which is not what a new upload costs."""
    with path.open("r+b") as out:
        out.seek(len(HEADER))
        out.write(os.urandom(32))


def write_plan_file(path: Path) -> None:
    """A two-task plan in the official layout, written by the same code that exports plans."""
    from plans.parsed import ParsedField, ParsedPlan, ParsedTask
    from plans.spreadsheet_write import write_plan

    tasks = [ParsedTask(number=str(i), content=content, lead="Văn phòng Sở", partners="", output=output, note="",
                        due=due, due_text="", row=0)
             for i, (content, output, due) in enumerate([
                 ("Ban hành kế hoạch cải cách hành chính năm 2024", "Kế hoạch", dt.date(2024, 1, 31)),
                 ("Báo cáo kết quả cải cách hành chính quý II", "Báo cáo", dt.date(2024, 6, 30))], start=1)]
    plan = ParsedPlan(year=2024, title="Kế hoạch cải cách hành chính năm 2024", doc_number="15/KH-STP",
                      doc_date=dt.date(2024, 1, 18),
                      fields=[ParsedField(name="Công tác chỉ đạo, điều hành", component=1, tasks=tasks, row=0)])
    path.write_bytes(write_plan(plan, "Sở Tư pháp"))


def sign_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=300)
    client.get("/login")
    response = client.post("/login", data={"email": EMAIL, "password": PASSWORD},
                           headers={"x-csrftoken": client.cookies["parplan_csrf"]})
    assert response.status_code == 303, response.text
    return client


def timed_upload(client: httpx.Client, task_id: int, path: Path, pid: int) -> tuple[float, int]:
    """Seconds for the whole request and the server's peak RSS growth in KiB."""
    vary(path)
    sampler = RssSampler(pid)
    baseline = sampler.peak
    sampler.start()
    # curl sends the form as a browser would, from C: httpx, in Python, took a core's worth of CPU from the
    # server on a 2-core machine, so the figure measured the client as much as the server.
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    command = ["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", "-H", "Expect:", "-H", f"cookie: {cookie}",
               "-H", f"x-csrftoken: {client.cookies['parplan_csrf']}", "-H", "hx-request: true",
               "-F", f"files=@{path};filename=bao-cao-100mb.pdf;type=application/pdf",
               "-F", "doc_number=01/BC-BENCH", f"{str(client.base_url).rstrip('/')}/tasks/{task_id}/evidence"]
    started = time.perf_counter()
    answer = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    elapsed = time.perf_counter() - started
    sampler.halt.set()
    sampler.join()
    body, _, status = answer.rpartition("\n")
    assert status == "200" and "bao-cao-100mb.pdf" in body, answer[-500:]
    return elapsed, sampler.peak - baseline


def timed_copy(source: Path, target: Path, sync: bool) -> float:
    started = time.perf_counter()
    shutil.copyfile(source, target)
    if sync:
        with target.open("rb") as handle:
            os.fsync(handle.fileno())
    elapsed = time.perf_counter() - started
    target.unlink()
    return elapsed


def prepare(tmp: Path) -> tuple[dict[str, str], int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARPLAN_") and k != "DATABASE_URL"}
    env.update(PARPLAN_VAR_DIR=str(tmp / "var"), DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite3'}")
    write_plan_file(tmp / "plan.xlsx")
    cli(env, "migrate")
    cli(env, "unit", "create", "STP", "--name", "Sở Tư pháp", "--kind", "department")
    cli(env, "user", "create", EMAIL, "--role", "focal_point", "--unit", "STP", "--password", PASSWORD)
    cli(env, "import-plan", str(tmp / "plan.xlsx"), "--unit", "STP")
    with sqlite3.connect(tmp / "bench.sqlite3") as db:
        task_id = db.execute("SELECT min(id) FROM task").fetchone()[0]
    return env, task_id


def run(size: int, repeat: int) -> tuple[list[tuple[float, int]], list[float], list[float]]:
    """(seconds, peak RSS growth in KiB) of each upload, then the seconds of each copy and copy + fsync."""
    tmp = Path(tempfile.mkdtemp(prefix="parplan-bench-upload-"))
    server = None
    try:
        env, task_id = prepare(tmp)
        source = tmp / "bench.pdf"
        make_pdf(source, size)
        port = free_port()
        # One process: uvicorn then serves in the very process started, so its pid is the one to watch.
        server = start_server(env, port, 1, tmp / "server.log")
        client = sign_in(f"http://127.0.0.1:{port}")
        try:
            client.get(f"/tasks/{task_id}")  # warm the templates and the database before measuring
            runs = [timed_upload(client, task_id, source, server.pid) for _ in range(repeat)]
        finally:
            client.close()
        os.sync()  # what the uploads left for the disk is not charged to the copies
        copies = [timed_copy(source, tmp / "copy.pdf", sync=False) for _ in range(repeat)]
        synced = [timed_copy(source, tmp / "copy.pdf", sync=True) for _ in range(repeat)]
        return runs, copies, synced
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(tmp, ignore_errors=True)


def measure(size_mib: int = 100, repeat: int = 3) -> dict[str, float]:
    """The medians of `repeat` uploads of a `size_mib` file, and of copying that file on the same disk."""
    runs, copies, synced = run(size_mib * MIB, repeat)
    return {"upload_mib_s": statistics.median(size_mib / s for s, _ in runs),
            "copy_mib_s": statistics.median(size_mib / s for s in copies),
            "copy_fsync_mib_s": statistics.median(size_mib / s for s in synced),
            "rss_growth_mib": statistics.median(kib / 1024 for _, kib in runs),
            "runs": repeat}


def report(size_mib: int, runs: list[tuple[float, int]], copies: list[float], synced: list[float]) -> None:
    print(f"file: {size_mib} MiB PDF (random body), {len(runs)} runs, server: uvicorn, 1 process, SQLite")
    print(f"{'measure':<44}{'median':>12}{'best':>12}{'worst':>12}")
    rows = [("upload over HTTP (MiB/s)", [size_mib / s for s, _ in runs]),
            ("server peak RSS growth during upload (MiB)", [kib / 1024 for _, kib in runs]),
            ("shutil.copyfile same file (MiB/s)", [size_mib / s for s in copies]),
            ("shutil.copyfile + fsync (MiB/s)", [size_mib / s for s in synced])]
    for name, values in rows:
        best, worst = (min(values), max(values)) if "RSS" in name else (max(values), min(values))
        print(f"{name:<44}{statistics.median(values):>12.1f}{best:>12.1f}{worst:>12.1f}")
    ratio = statistics.median(size_mib / s for s, _ in runs) / statistics.median(size_mib / s for s in synced)
    print(f"upload / (copy + fsync), medians: {ratio:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mib", type=int, default=100, help="file size (at most the upload limit)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    report(args.size_mib, *run(args.size_mib * MIB, args.repeat))
