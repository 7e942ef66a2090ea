"""Every benchmark in one command; each figure beside its limit, measured in the same run, and its target.

    uv run python bench/run.py [--only province-sqlite,province-postgres,nation-postgres,upload]
                               [--workers 2] [--seconds 20] [--record]

Each data set runs in a child process of its own, against a scratch database (PostgreSQL: a database created
for the run and dropped after it; SQLite: a temporary file): the generator (bench/data.py) fills it, then
  - the board's raw aggregate SQL and `build_board` in process, then the page `/board` and `/api/board` over
    HTTP from the production command (`parplan serve --workers N`, a PostgreSQL pool per process);
  - a task status update through the htmx route, one client alone and 20 concurrent clients (each a focal point
    saving its own unit's tasks), first flat out (closed loop for --seconds: the throughput), then each saving
    every 0,5 s (the latency at a busy but sustainable pace), beside `/healthz` under the same 20 clients and
    the UPDATE statement alone;
  - importing a 500-task spreadsheet (read + save in one transaction), beside openpyxl reading the file alone;
  - the reminder sweep over every task, beside its one read of the open tasks; then sending emails into a
    local SMTP server (aiosmtpd in its own process), beside raw SMTP over one connection.
The `upload` set posts a 100 MiB file to a server and compares with copying the file on disk (bench/upload.py).

Prints one table. `--record` also writes it, with the date and the machine, into docs/benchmarks.md between
the `bench/run.py` markers.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATASETS = ("province-sqlite", "province-postgres", "nation-postgres", "upload")
SAVERS = 20  # concurrent focal points
PACE = 0.5  # seconds between two saves of one focal point in the paced run: 40 saves/s from 20 people
VERSION = re.compile(r'name="version" value="(\d+)"')
MARK_START, MARK_END = "<!-- bench/run.py: start -->", "<!-- bench/run.py: end -->"


# Measuring ------------------------------------------------------------------------------------------

def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


def ms(values: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(values) * 1000, "p95": pct(values, 0.95) * 1000, "n": len(values)}


async def timed(fn, repeat: int) -> list[float]:
    await fn()  # warm up
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - started)
    return out


async def sign_in(base: str, email: str) -> httpx.AsyncClient:
    from bench.data import PASSWORD

    client = httpx.AsyncClient(base_url=base, timeout=120)
    await client.get("/login")
    response = await client.post("/login", data={"email": email, "password": PASSWORD},
                                 headers={"x-csrftoken": client.cookies.get("parplan_csrf", "")})
    if response.status_code != 303:
        raise RuntimeError(f"sign-in of {email} refused: {response.status_code} {response.text[:300]}")
    return client


async def http_timed(client: httpx.AsyncClient, path: str, repeat: int) -> list[float]:
    async def get() -> None:
        response = await client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:300]}")
    return await timed(get, repeat)


class Saver:
    """A focal point saving its own unit's open tasks through the htmx route, as the "My tasks" form does."""

    def __init__(self, client: httpx.AsyncClient, task_ids: list[int], seed: int):
        self.client, self.task_ids, self.rng = client, task_ids, random.Random(seed)
        self.versions: dict[int, int] = {}
        self.seconds: list[float] = []
        self.refused = 0

    def headers(self, task_id: int) -> dict[str, str]:
        return {"hx-request": "true", "hx-current-url": f"{self.client.base_url}my/tasks",
                "hx-target": f"task-{task_id}", "x-csrftoken": self.client.cookies.get("parplan_csrf", "")}

    async def version(self, task_id: int) -> int:
        if task_id not in self.versions:
            row = await self.client.get(f"/tasks/{task_id}/edit-row?mine=1", headers=self.headers(task_id))
            self.versions[task_id] = int(VERSION.search(row.text).group(1))
        return self.versions[task_id]

    async def save(self) -> None:
        task_id = self.rng.choice(self.task_ids)
        form = {"version": str(await self.version(task_id)), "status": "in_progress",
                "progress": str(self.rng.randint(1, 99)), "note": f"Đã triển khai {self.rng.randint(1, 10**6)}"}
        started = time.perf_counter()
        response = await self.client.post(f"/tasks/{task_id}/progress?mine=1", data=form,
                                          headers=self.headers(task_id))
        elapsed = time.perf_counter() - started
        if response.status_code == 200:
            self.versions[task_id] += 1
            self.seconds.append(elapsed)
        else:
            self.refused += 1
            self.versions.pop(task_id, None)

    async def loop(self, until: float, every: float = 0.0) -> None:
        """Save until `until`; with `every`, start a save every `every` seconds (a person's pace, not flat out)."""
        next_start = time.monotonic() + self.rng.uniform(0, every)
        while time.monotonic() < until:
            await asyncio.sleep(max(0.0, next_start - time.monotonic()))
            await self.save()
            next_start += every


async def closed_loop(workers: list, seconds: float, every: float = 0.0) -> float:
    until = time.monotonic() + seconds
    started = time.monotonic()
    await asyncio.gather(*(w.loop(until, every) for w in workers))
    return time.monotonic() - started


class Pinger:
    """The same closed loop on /healthz: what the server, the network and this client can do at most."""

    def __init__(self, client: httpx.AsyncClient):
        self.client, self.seconds, self.refused = client, [], 0

    async def loop(self, until: float, every: float = 0.0) -> None:
        while time.monotonic() < until:
            started = time.perf_counter()
            response = await self.client.get("/healthz")
            self.seconds.append(time.perf_counter() - started)
            self.refused += response.status_code != 200


# One data set, in a child process -------------------------------------------------------------------

async def open_tasks_of(unit_id: int, year: int) -> list[int]:
    from tasks.tables import Task

    rows = await Task.select(Task.id).where((Task.field.plan.unit == unit_id) & (Task.field.plan.year == year)
                                            & Task.status.is_in(["in_progress", "not_started"]))
    return [r["id"] for r in rows]


async def in_process(world, repeat: int) -> dict:
    """The board's queries and the sweep, in this process, as the server and the worker run them."""
    from board.build import build_board
    from board.queries import Filter, board_counts, monthly
    from tasks.tables import Task

    flt = Filter(world.year, world.as_of)

    async def page_aggregates() -> None:  # the page also draws charts: counts by component, and by day
        await board_counts(flt)
        await board_counts(flt, by="component")
        await monthly(flt)

    out = {"raw_sql": ms(await timed(lambda: board_counts(flt), repeat)),
           "page_sql": ms(await timed(page_aggregates, repeat)),
           "build_board": ms(await timed(lambda: build_board(flt), repeat))}
    task_id = (await open_tasks_of(world.focal_points[0][1], world.year))[0]
    out["update_sql"] = ms(await timed(lambda: Task.update({Task.note: "bench"}).where(Task.id == task_id), repeat))
    return out


async def import_500(repeat: int) -> dict:
    """A 500-task plan written by our own exporter, imported for a new unit each time (read + save)."""
    import tempfile

    import openpyxl

    from app.tables import Unit
    from plans.actions import save_parsed_plan
    from plans.parsed import ParsedField, ParsedPlan, ParsedTask
    from plans.spreadsheet import read_plan
    from plans.spreadsheet_write import write_plan

    year = dt.date.today().year + 1
    fields = [ParsedField(f"Lĩnh vực {f}", f, [ParsedTask(f"{n + 1}", f"Nhiệm vụ {f}.{n + 1}: rà soát, đơn giản hóa "
                                                          "thủ tục hành chính thuộc phạm vi quản lý", "Văn phòng",
                                                          "Các phòng chuyên môn", "Báo cáo kết quả", "",
                                                          dt.date(year, 1 + (n % 12), 28), "", 0)
                                               for n in range(72 if f < 7 else 68)], 0) for f in range(1, 8)]
    parsed = ParsedPlan(year, f"Kế hoạch cải cách hành chính năm {year}", "99/KH-BENCH", dt.date(year, 1, 5), fields)
    path = Path(tempfile.mkdtemp(prefix="parplan-bench-import-")) / "ke-hoach-500.xlsx"
    path.write_bytes(write_plan(parsed, "Đơn vị thử"))

    def openpyxl_alone() -> None:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for sheet in book.worksheets:
            for _row in sheet.iter_rows(values_only=True):
                pass
        book.close()

    reads, imports, n = [], [], 0
    for i in range(repeat + 1):
        started = time.perf_counter()
        openpyxl_alone()
        read_alone = time.perf_counter() - started
        unit = Unit(code=f"IMPORT{i}", name=f"Đơn vị nhập {i}", kind="department", block="Khối sở, ban, ngành",
                    effective_from=dt.date(year, 1, 1))  # a unit of next year: this year's board leaves it out
        await unit.save()
        started = time.perf_counter()
        plan = read_plan(path)
        await save_parsed_plan(plan, unit, None, dt.datetime.now(dt.timezone.utc))
        if i:  # the first run warms up
            reads.append(read_alone)
            imports.append(time.perf_counter() - started)
        n = plan.task_count
    return {"import": ms(imports), "openpyxl": ms(reads), "import_tasks": n}


async def sweep_and_send(today: dt.date, emails: int) -> dict:
    from app import clock
    from bench.reminders import measure_send
    from reminders.rules import horizon
    from reminders.sweep import _open_tasks, load_calendar, load_policy, sweep

    policy, cal = await load_policy(), await load_calendar(today)
    last_due = horizon(today, policy, cal)
    read = await timed(lambda: _open_tasks(last_due), 3)
    started = time.perf_counter()
    result = await sweep(today, clock.now())
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = await sweep(today, clock.now())
    return {"sweep_s": seconds, "again_s": time.perf_counter() - started, "reminders": result.reminders,
            "emails": result.emails, "again_new": again.reminders + again.emails,
            "open_tasks_read": ms(read), "send": await measure_send(emails)}


async def api_token(email: str) -> str:
    from app.tables import User
    from app.tokens import create_token

    user = await User.objects().where(User.email == email).first()
    return await create_token(user, "bench", dt.datetime.now(dt.timezone.utc))


async def over_http(world, base: str, token: str, repeat: int, seconds: float) -> dict:
    reader = await sign_in(base, world.steering)
    api = httpx.AsyncClient(base_url=base, timeout=120, headers={"authorization": f"Bearer {token}"})
    query = f"year={world.year}"
    out = {"healthz": ms(await http_timed(reader, "/healthz", repeat)),
           "board_page": ms(await http_timed(reader, f"/board?{query}", repeat)),
           "board_api": ms(await http_timed(api, f"/api/board?{query}", repeat))}
    out["board_page_bytes"] = len((await reader.get(f"/board?{query}")).content)
    await reader.aclose()
    await api.aclose()
    savers = []
    for i, (email, unit_id) in enumerate(world.focal_points[:SAVERS]):
        savers.append(Saver(await sign_in(base, email), await open_tasks_of(unit_id, world.year), i))
    alone = savers[0]
    for _ in range(repeat + 5):
        await alone.save()
    out["save_alone"] = ms(alone.seconds[5:])
    for s in savers:
        s.seconds.clear()
    for s in savers:  # read each task's version before the clock starts
        for task_id in s.task_ids:
            await s.version(task_id)
    elapsed = await closed_loop(savers, seconds)
    saves = [x for s in savers for x in s.seconds]
    out["save_20"] = {**ms(saves), "per_s": len(saves) / elapsed, "refused": sum(s.refused for s in savers)}
    for s in savers:
        s.seconds.clear()
    elapsed = await closed_loop(savers, seconds, every=PACE)
    saves = [x for s in savers for x in s.seconds]
    out["save_20_paced"] = {**ms(saves), "per_s": len(saves) / elapsed, "refused": sum(s.refused for s in savers)}
    pingers = [Pinger(s.client) for s in savers]
    elapsed = await closed_loop(pingers, min(seconds, 10))
    pings = [x for p in pingers for x in p.seconds]
    out["healthz_20"] = {**ms(pings), "per_s": len(pings) / elapsed}
    for s in savers:
        await s.client.aclose()
    return out


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    os_name = next((line.split("=", 1)[1].strip('"') for line in Path("/etc/os-release").read_text().splitlines()
                    if line.startswith("PRETTY_NAME=")), platform.system())
    return {"cpu": f"{os.cpu_count()} cores ({cpu})", "memory": f"{memory:.0f} GiB", "os": os_name,
            "python": platform.python_version()}


async def database_version() -> str:
    from app.settings import get_settings
    from app.tables import Unit

    if get_settings().is_postgres:
        return "PostgreSQL " + (await Unit.raw("SHOW server_version"))[0]["server_version"].split()[0]
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def run_dataset(name: str, workers: int, seconds: float, repeat: int, emails: int) -> dict:
    """Runs in a child process: the settings and the database engine are read once per process."""
    if name == "upload":
        from bench.upload import measure

        return {"upload": measure(size_mib=100, repeat=3)}
    from bench.load import scratch_environment, start_server, stop_server

    scale, db = name.split("-")
    with scratch_environment(db) as tmp:
        from app import clock
        from app.migrations import migrate_db
        from bench.data import generate
        from bench.load import free_port

        asyncio.run(migrate_db())
        started = time.perf_counter()
        today = clock.today()
        world = asyncio.run(generate(scale, today))
        out: dict = {"generated_s": time.perf_counter() - started, "tasks": world.tasks, "units": world.units,
                     "years": len(world.years), "database": asyncio.run(database_version())}

        async def measure_in_process() -> dict:
            from piccolo.engine import engine_finder

            pooled = db == "postgres"
            if pooled:  # as the server and the worker run: a pool
                await engine_finder().start_connection_pool()
            try:
                return {**await in_process(world, repeat), **await import_500(10)}
            finally:
                if pooled:
                    await engine_finder().close_connection_pool()

        note(f"{name}: {world.tasks} tasks generated in {out['generated_s']:.0f} s")
        out.update(asyncio.run(measure_in_process()))
        token = asyncio.run(api_token(world.steering))
        note(f"{name}: in process {json.dumps({k: v for k, v in out.items() if isinstance(v, dict)})}")
        port = free_port()
        procs = workers if db == "postgres" else 1
        server = start_server(dict(os.environ), port, procs, tmp / "server.log")
        try:
            out.update(asyncio.run(over_http(world, f"http://127.0.0.1:{port}", token, repeat, seconds)))
        finally:
            stop_server(server)
        out["processes"] = procs
        shown = ("board_page", "board_api", "save_alone", "save_20", "save_20_paced")
        note(f"{name}: over HTTP {json.dumps({k: out[k] for k in shown})}")

        async def sweep_pooled() -> dict:
            from piccolo.engine import engine_finder

            if db == "postgres":
                await engine_finder().start_connection_pool()
            try:
                return await sweep_and_send(_working_day(today), emails)
            finally:
                if db == "postgres":
                    await engine_finder().close_connection_pool()

        out.update(asyncio.run(sweep_pooled()))
        return out


def note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _working_day(day: dt.date) -> dt.date:
    """Today, or the last working day before it: the sweep does nothing on a weekend."""
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


# The table ------------------------------------------------------------------------------------------

def num(value: float, places: int = 1) -> str:
    """84,8: numbers the Vietnamese way, like the rest of the docs."""
    text = f"{value:,.{places}f}".replace(",", " ").replace(".", ",")
    return text


def lat(m: dict) -> str:
    return f"{num(m['p50'])} / {num(m['p95'])} ms"


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def rows_of(name: str, r: dict) -> list[tuple[str, str, str, str, str]]:
    """(data set, measure, figure, limit beside it, target and whether it is met)."""
    if name == "upload":
        u = r["upload"]
        ratio = u["upload_mib_s"] / u["copy_fsync_mib_s"]
        return [("upload", "100 MiB evidence upload, throughput", f"{num(u['upload_mib_s'])} MiB/s",
                 f"copy + fsync {num(u['copy_fsync_mib_s'])} MiB/s (copy {num(u['copy_mib_s'])})",
                 f"≥ ½ of copy + fsync: {num(ratio, 2)}× — {verdict(ratio >= 0.5)}"),
                ("upload", "server's peak memory growth", f"{num(u['rss_growth_mib'])} MiB", "—",
                 f"< 30 MiB — {verdict(u['rss_growth_mib'] < 30)}")]
    label = f"{name.split('-')[0]}, {r['database']}"
    nation = name.startswith("nation")
    board_ratio = r["board_page"]["p50"] / r["page_sql"]["p50"]
    board_target = (f"< 150 ms — {verdict(r['board_page']['p50'] < 150)}" if nation
                    else f"≤ 2× raw SQL: {num(board_ratio, 2)}× — {verdict(board_ratio <= 2)}")
    api_ratio = r["board_api"]["p50"] / r["raw_sql"]["p50"]
    api_target = (f"< 150 ms — {verdict(r['board_api']['p50'] < 150)}" if nation
                  else f"≤ 2× raw SQL: {num(api_ratio, 2)}× — {verdict(api_ratio <= 2)}")
    s20, send = r["save_20"], r["send"]
    return [
        (label, f"board page `/board` ({num(r['board_page_bytes'] / 1024, 0)} KiB)", lat(r["board_page"]),
         f"its aggregate SQL (counts by unit, by component, by day), one after another {lat(r['page_sql'])}", board_target),
        (label, "`/api/board`", lat(r["board_api"]), f"its aggregate SQL (counts by unit) {lat(r['raw_sql'])}; "
         f"build_board {lat(r['build_board'])}; `/healthz` {lat(r['healthz'])}", api_target),
        (label, "status update, 1 client", lat(r["save_alone"]), f"the UPDATE alone {lat(r['update_sql'])}", "—"),
        (label, f"status update, {SAVERS} clients ({r['processes']} process{'es' if r['processes'] > 1 else ''})",
         f"{lat(s20)}; {num(s20['per_s'], 0)} saves/s",
         f"`/healthz`, {SAVERS} clients: {lat(r['healthz_20'])}; {num(r['healthz_20']['per_s'], 0)} req/s",
         f"p50 < 20 ms — {verdict(s20['p50'] < 20)}"),
        (label, f"status update, {SAVERS} clients, each saving every {num(PACE)} s",
         f"{lat(r['save_20_paced'])}; {num(r['save_20_paced']['per_s'], 0)} saves/s",
         "the same clients flat out, above",
         f"p50 < 20 ms — {verdict(r['save_20_paced']['p50'] < 20)}"),
        (label, f"reminder sweep over {num(r['tasks'], 0)} tasks", f"{num(r['sweep_s'], 2)} s "
         f"({num(r['reminders'], 0)} reminders, {num(r['emails'], 0)} emails; again {num(r['again_s'], 2)} s)",
         f"its read of the open tasks {lat(r['open_tasks_read'])}", f"< 5 s — {verdict(r['sweep_s'] < 5)}"),
        (label, f"sending {num(send['sent'], 0)} emails, one worker", f"{num(send['emails_per_s'], 0)} emails/s",
         f"raw SMTP, one connection: {num(send['smtp_limit_per_s'], 0)} emails/s",
         f"≥ 200/s — {verdict(send['emails_per_s'] >= 200)}"),
        (label, f"importing a {r['import_tasks']}-task spreadsheet", lat(r["import"]),
         f"openpyxl reading it alone {lat(r['openpyxl'])}", f"< 1 s — {verdict(r['import']['p95'] < 1000)}"),
    ]


def table(results: dict[str, dict]) -> str:
    lines = ["| data set | measure | figure (p50 / p95) | limit, same run | target |", "|---|---|---|---|---|"]
    for name, r in results.items():
        lines += ["| " + " | ".join(row) + " |" for row in rows_of(name, r)]
    return "\n".join(lines)


def header(results: dict[str, dict], workers: int, seconds: float) -> str:
    m = machine()
    sizes = "; ".join(f"{n}: {num(r['units'], 0)} units, {num(r['tasks'], 0)} tasks, generated in "
                      f"{num(r['generated_s'], 0)} s" for n, r in results.items() if "units" in r)
    return (f"Run of {dt.date.today():%d/%m/%Y} on {m['cpu']}, {m['memory']}, {m['os']}, Python {m['python']}. "
            f"Server: `parplan serve --workers {workers}` (uvicorn) on PostgreSQL, one process on SQLite; "
            f"{SAVERS} savers closed loop for {num(seconds, 0)} s. {sizes}.")


def record(text: str, path: Path = ROOT / "docs" / "benchmarks.md") -> None:
    """Replace the table between the markers (or append it, with the markers, the first time)."""
    doc = path.read_text()
    block = f"{MARK_START}\n{text}\n{MARK_END}"
    if MARK_START in doc:
        doc = doc[:doc.index(MARK_START)] + block + doc[doc.index(MARK_END) + len(MARK_END):]
    else:
        doc = doc.rstrip() + "\n\n" + block + "\n"
    path.write_text(doc)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default=",".join(DATASETS), help="comma-separated: " + ", ".join(DATASETS))
    parser.add_argument("--workers", type=int, default=2, help="app processes on PostgreSQL")
    parser.add_argument("--seconds", type=float, default=20, help="the 20 savers' closed loop")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--record", action="store_true", help="write the table into docs/benchmarks.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_dataset(args.child, args.workers, args.seconds, args.repeat, args.emails)))
        return 0
    results = {}
    for name in args.only.split(","):
        if name not in DATASETS:
            parser.error(f"unknown data set {name!r}")
        print(f"… {name}", file=sys.stderr, flush=True)
        child = subprocess.run([sys.executable, __file__, "--child", name, "--workers", str(args.workers),
                                "--seconds", str(args.seconds), "--repeat", str(args.repeat),
                                "--emails", str(args.emails)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        if child.returncode:
            print(f"{name} failed (exit {child.returncode})", file=sys.stderr)
            return 1
        results[name] = json.loads(child.stdout.strip().splitlines()[-1])
    text = header(results, args.workers, args.seconds) + "\n\n" + table(results)
    print(text)
    if args.record:
        record(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
