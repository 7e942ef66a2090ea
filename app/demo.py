"""The demo province: units in two ranking blocks, their 2024 plans at varied progress, one account per role.

Loading is idempotent: what exists already is left as it is.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import unicodedata
from dataclasses import dataclass

from app.auth import hash_password
from app.clock import TZ
from app.db import write_transaction
from app.demo_data import COMMUNE_OFFICES, DEPARTMENT_OFFICES, STP_2024, STP_DOC
from app.demo_scoring import load_scoring, years_to_score
from app.demo_years import approved_cancellation, close_past_years, reported, waiting_redate
from app.tables import Unit, User
from app.text import int_to_roman
from app.uploads import Upload
from plans.actions import add_task, existing_plan, issue_plan, save_parsed_plan
from plans.rules import guess_component
from plans.parsed import ParsedField, ParsedPlan, ParsedTask
from tasks.actions import change_task
from tasks.deadlines import parse_deadline
from tasks.evidence import add_evidence, review_evidence
from plans.tables import Field
from tasks.tables import Task

DEMO_PASSWORD = "demo-parplan-2024"
YEAR = 2024
DEPARTMENTS_BLOCK = "Khối sở, ban, ngành"
COMMUNES_BLOCK = "Khối xã, phường"

DEPARTMENTS = [
    ("STP", "Sở Tư pháp"), ("SNV", "Sở Nội vụ"), ("VP", "Văn phòng UBND tỉnh"), ("STC", "Sở Tài chính"),
    ("SCT", "Sở Công Thương"), ("SNNMT", "Sở Nông nghiệp và Môi trường"), ("SXD", "Sở Xây dựng"),
    ("SKHCN", "Sở Khoa học và Công nghệ"), ("SGDDT", "Sở Giáo dục và Đào tạo"), ("SYT", "Sở Y tế"),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch"), ("TTT", "Thanh tra tỉnh"),
]
COMMUNES = [
    ("XGN", "Phường Gia Nghĩa"), ("XNT", "Phường Nam Gia Nghĩa"), ("XDS", "Xã Đắk Song"), ("XDM", "Xã Đắk Mil"),
    ("XKN", "Xã Krông Nô"), ("XCJ", "Xã Cư Jút"), ("XTD", "Xã Tuy Đức"), ("XDR", "Xã Đắk R'lấp"),
    ("XQS", "Xã Quảng Sơn"),
]
# Sở Tư pháp's two tasks not done at the 2024 inspection (26/28): V.3 and VII.3.
STP_OPEN = {("V", "3"), ("VII", "3")}
CURRENT_YEAR_UNITS = ("STP", "SCT")  # the units with demo focal points
LATE_PLANS = {"SXD": dt.date(YEAR, 2, 6), "XQS": dt.date(YEAR, 2, 20)}  # issued after the scoring rule's 31/01


@dataclass(frozen=True)
class DemoAccount:
    email: str
    role: str
    unit: str | None
    name: str


ACCOUNTS = [
    DemoAccount("admin@demo.parplan.vn", "admin", None, "Quản trị hệ thống"),
    DemoAccount("cchc@demo.parplan.vn", "secretariat", "SNV", "Phòng CCHC, Sở Nội vụ"),
    DemoAccount("bcd@demo.parplan.vn", "steering", None, "Ban Chỉ đạo CCHC tỉnh"),
    DemoAccount("giamdoc.stp@demo.parplan.vn", "unit_head", "STP", "Giám đốc Sở Tư pháp"),
    DemoAccount("daumoi.stp@demo.parplan.vn", "focal_point", "STP", "Đầu mối CCHC Sở Tư pháp"),
    DemoAccount("daumoi.sct@demo.parplan.vn", "focal_point", "SCT", "Đầu mối CCHC Sở Công Thương"),
    DemoAccount("giamdoc.sct@demo.parplan.vn", "unit_head", "SCT", "Giám đốc Sở Công Thương"),
]


# One pass, longest phrase first: replacing "Sở Tư pháp" and then "của Sở" read "của Sở Xây dựng Xây dựng".
_SELF = re.compile(r"của Sở Tư pháp|Sở Tư pháp|của Sở\b|thuộc Sở\b")


def worded_for(code: str, name: str, content: str, lead: str, partners: str) -> tuple[str, str, str]:
    """A task of Sở Tư pháp's plan as `code` would write it: its own name, and its own offices doing the work."""
    if code == "STP":
        return content, lead, partners
    commune = code in dict(COMMUNES)
    offices = COMMUNE_OFFICES if commune else DEPARTMENT_OFFICES
    # A commune's offices belong to its people's committee ("UBND xã"), a department's to the Sở.
    owner = f"UBND {name.split()[0].lower()}" if commune else "Sở"
    words = {"của Sở Tư pháp": f"của {name}", "Sở Tư pháp": name, "của Sở": f"của {name}", "thuộc Sở": f"thuộc {owner}"}
    content = _SELF.sub(lambda m: words[m.group(0)], content)
    return content, offices.get(lead, lead), offices.get(partners, partners)


def stp_plan() -> ParsedPlan:
    fields = []
    for name, tasks in STP_2024:
        parsed = [ParsedTask(number=n, content=c, lead=lead, partners=p, output=o, note="",
                             due=parse_deadline(d, YEAR), due_text=d, row=0) for n, c, lead, p, d, o in tasks]
        fields.append(ParsedField(name=name, component=guess_component(name), tasks=parsed, row=0))
    return ParsedPlan(year=YEAR, title=f"Kế hoạch cải cách hành chính năm {YEAR}", doc_number=STP_DOC[0],
                      doc_date=dt.date.fromisoformat(STP_DOC[1]), fields=fields)


def unit_plan(code: str, name: str, rng: random.Random) -> ParsedPlan:
    """Another unit's plan: the same seven fields with a varied subset of tasks, worded for that unit."""
    base = stp_plan()
    for f in base.fields:
        keep = [t for t in f.tasks if rng.random() < 0.8] or f.tasks[:1]
        for i, t in enumerate(keep, start=1):
            t.number = str(i)
            t.content, t.lead, t.partners = worded_for(code, name, t.content, t.lead, t.partners)
        f.tasks = keep
    base.doc_number = f"{rng.randint(5, 40)}/KH-{code}"
    base.doc_date = LATE_PLANS.get(code, dt.date(YEAR, 1, rng.randint(5, 31)))
    return base


async def _units() -> dict[str, Unit]:
    units = {}
    for block, kind, rows in ((DEPARTMENTS_BLOCK, "department", DEPARTMENTS), (COMMUNES_BLOCK, "commune", COMMUNES)):
        for code, name in rows:
            unit = await Unit.objects().where(Unit.code == code).first()
            if unit is None:
                unit = Unit(code=code, name=name, kind=kind, block=block)
                await unit.save()
            units[code] = unit
    return units


async def _progress(plan_id: int, target: float, rng: random.Random, open_tasks: set[tuple[str, str]],
                    actor: User, now: dt.datetime) -> None:
    """Move a fresh plan's tasks to a believable state: most done (a few late), some running. Cancelling is an
    amendment's act (app/demo_years.py)."""
    tasks = await Task.objects(Task.field).where(Task.field.plan == plan_id).order_by(Task.due_date)
    for task in tasks:
        key = (int_to_roman(task.field.position), task.number)
        if open_tasks:
            done = key not in open_tasks
        else:
            done = rng.random() < target
        if done:
            late = not open_tasks and rng.random() < 0.12
            completed = task.due_date + dt.timedelta(days=rng.randint(3, 25) if late else -rng.randint(0, 20))
            values = {"status": "done", "completed_on": completed, "progress": 100}
        else:
            values = {"status": "in_progress", "progress": rng.choice([20, 40, 60, 80])}
        task.field = task.field.id
        day = values.get("completed_on") or dt.date(YEAR, 2, 1)
        await change_task(task, values, actor, reported(day, now))


async def load(now: dt.datetime) -> list[tuple[DemoAccount, bool]]:
    """Create what is missing; return the demo accounts with whether each was created now."""
    units = await _units()
    accounts = []
    for acc in ACCOUNTS:
        user = await User.objects().where(User.email == acc.email).first()
        if user is None:
            unit_id = units[acc.unit].id if acc.unit else None
            user = User(email=acc.email, full_name=acc.name, role=acc.role, unit=unit_id,
                        password_hash=hash_password(DEMO_PASSWORD), language="vi")
            await user.save()
        accounts.append((acc, user))
    focal = {a.unit: u for a, u in accounts if a.role == "focal_point"}
    heads = {a.unit: u for a, u in accounts if a.role == "unit_head"}
    secretariat = next(u for a, u in accounts if a.role == "secretariat")
    for code, unit in units.items():
        if await existing_plan(unit.id, YEAR):
            continue
        rng = random.Random(f"parplan-demo-{code}")
        parsed = stp_plan() if code == "STP" else unit_plan(code, unit.name, rng)
        actor = focal.get(code, secretariat)
        async with write_transaction():  # immediate: the evidence it adds locks its task
            plan = await save_parsed_plan(parsed, unit, actor, reported(parsed.doc_date, now))
            await _progress(plan.id, rng.uniform(0.45, 1.0), rng, STP_OPEN if code == "STP" else set(), actor, now)
            await _evidence(plan.id, unit.name, actor, secretariat, rng, now)
    # Another unit's 2024 plan amended in July (a task cancelled): Sở Tư pháp's stays at 26/28.
    sct_2024 = await existing_plan(units["SCT"].id, YEAR)
    await approved_cancellation(sct_2024, "45/KH-SCT", dt.date(YEAR, 7, 15), focal["SCT"], secretariat, now)
    await _last_year(units, focal, secretariat, now)
    await close_past_years(secretariat, now)
    await _current_year(units, focal, secretariat, now)
    today = now.astimezone(TZ).date()
    if this_year := await existing_plan(units["SCT"].id, today.year):
        await waiting_redate(this_year, "18/KH-SCT", focal["SCT"], heads["SCT"], now)
    await load_scoring(units, secretariat, years_to_score(now, YEAR), COMMUNES_BLOCK, now, demo_pdf)
    return [(a, True) for a, _ in accounts]


async def _last_year(units: dict[str, Unit], focal: dict[str, User], secretariat: User, now: dt.datetime) -> None:
    """Last year's plans for the two units with demo focal points, as they stood at the year's end (closed after)."""
    year = now.astimezone(TZ).date().year - 1
    if year > YEAR:
        await _unit_year_plans(units, focal, secretariat, year, dt.date(year, 12, 31), now)


async def _current_year(units: dict[str, Unit], focal: dict[str, User], secretariat: User,
                        now: dt.datetime) -> None:
    """This year's plans for the two units with demo focal points, so "my tasks" has real work in it."""
    today = now.astimezone(TZ).date()
    if today.year > YEAR:
        await _unit_year_plans(units, focal, secretariat, today.year, today, now)


async def _unit_year_plans(units: dict[str, Unit], focal: dict[str, User], secretariat: User, year: int,
                           as_of: dt.date, now: dt.datetime) -> None:
    """A year's plans drafted in January with last year's unfinished tasks carried over, issued, and progressed to
    `as_of`."""
    for code in CURRENT_YEAR_UNITS:
        unit = units[code]
        if await existing_plan(unit.id, year):
            continue
        rng = random.Random(f"parplan-demo-{code}-{year}")
        parsed = year_plan(code, unit.name, year, rng)
        drafted = reported(dt.date(year, 1, 10), now)
        async with write_transaction():  # immediate: the evidence it adds locks its task
            plan = await save_parsed_plan(parsed, unit, focal[code], drafted, status="draft")
            await _carry_unfinished(plan.id, unit.id, year, focal[code], drafted)
            await issue_plan(plan, parsed.doc_number, parsed.doc_date)
            await _progress_to_date(plan.id, as_of, rng, focal[code], now)
            await _evidence(plan.id, unit.name, focal[code], secretariat, rng, now)


async def _carry_unfinished(plan_id: int, unit_id: int, year: int, actor: User, now: dt.datetime) -> None:
    """Last year's unfinished tasks, carried (chuyển tiếp) into the draft: linked to where they came from, due by
    the end of June, in the field at the same place."""
    last = await existing_plan(unit_id, year - 1)
    if last is None:
        return
    fields = {f.position: f for f in await Field.objects().where(Field.plan == plan_id)}
    open_tasks = await Task.objects(Task.field).where(
        (Task.field.plan == last.id) & Task.status.is_in(["not_started", "in_progress"])).order_by(Task.id)
    for old in open_tasks:
        field = fields.get(old.field.position)
        if field is not None:
            await add_task(field, {"content": old.content, "lead": old.lead, "partners": old.partners,
                                   "output": old.output, "due_date": dt.date(year, 6, 30),
                                   "due_text": f"Quý II/{year}", "carried_from": old.id}, actor, now)


def year_plan(code: str, name: str, year: int, rng: random.Random) -> ParsedPlan:
    """The 2024 structure moved to `year`: the same fields and deadlines, a varied subset of tasks."""
    fields = []
    for field_name, tasks in STP_2024:
        kept = [t for t in tasks if rng.random() < 0.85] or tasks[:1]
        worded = [(worded_for(code, name, c.replace("2024", str(year)), lead, p), d, o)
                  for _n, c, lead, p, d, o in kept]
        parsed = [ParsedTask(number=str(i), content=c, lead=lead, partners=p, output=o, note="",
                             due_text=d.replace("2024", str(year)),
                             due=parse_deadline(d.replace("2024", str(year)), year), row=0)
                  for i, ((c, lead, p), d, o) in enumerate(worded, start=1)]
        fields.append(ParsedField(name=field_name, component=guess_component(field_name), tasks=parsed, row=0))
    return ParsedPlan(year=year, title=f"Kế hoạch cải cách hành chính năm {year}", doc_number=f"12/KH-{code}",
                      doc_date=dt.date(year, 1, 15), fields=fields)


async def _progress_to_date(plan_id: int, today: dt.date, rng: random.Random, actor: User,
                            now: dt.datetime) -> None:
    """Past deadlines mostly met (a few overdue), the next weeks' tasks under way, later ones barely begun."""
    tasks = await Task.objects().where(Task.field.plan == plan_id).order_by(Task.due_date)
    for task in tasks:
        if task.due_date < today and rng.random() < 0.85:
            done_on = min(today, task.due_date - dt.timedelta(days=rng.randint(0, 15)))
            values = {"status": "done", "completed_on": done_on}
        elif task.due_date < today + dt.timedelta(days=45):
            values = {"status": "in_progress", "progress": rng.choice([20, 40, 60, 80])}
        elif rng.random() < 0.5:
            values = {"status": "in_progress", "progress": rng.choice([10, 20, 30])}
        else:
            continue
        day = values.get("completed_on") or max(dt.date(today.year, 1, 20), today - dt.timedelta(days=30))
        await change_task(task, values, actor, reported(day, now))


async def _evidence(plan_id: int, unit_name: str, actor: User, reviewer: User, rng: random.Random,
                    now: dt.datetime) -> None:
    """A small PDF behind every done task, most of them reviewed by the secretariat."""
    done = await Task.objects().where((Task.field.plan == plan_id) & (Task.status == "done")).order_by(Task.id)
    for i, task in enumerate(done, start=1):
        name = f"{task.output or 'Tài liệu'} - nhiệm vụ {task.number}.pdf"
        details = {"doc_number": f"{i}/BC", "doc_date": task.completed_on.isoformat(), "issuer": unit_name,
                   "description": task.content[:200]}
        [row] = await add_evidence(task.id, [Upload(name, io.BytesIO(demo_pdf(task.content)))], details, actor, now)
        draw = rng.random()
        if draw < 0.7:
            await review_evidence(row, "accepted", "", reviewer, now)
        elif draw < 0.8:
            await review_evidence(row, "needs_more", "Bổ sung bản có chữ ký, đóng dấu", reviewer, now)


def demo_pdf(text: str) -> bytes:
    """A valid one-page PDF naming the task (in ASCII: the base PDF fonts have no Vietnamese letters)."""
    plain = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    plain = "".join(c for c in plain if c.isascii() and unicodedata.category(c) != "Mn")[:90]
    plain = plain.replace("\\", "").replace("(", "[").replace(")", "]")
    content = f"BT /F1 11 Tf 50 780 Td ({plain}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
