"""Small builders for test data and a signed-in web client. Synchronous, so tests stay plain functions."""

from __future__ import annotations

import asyncio
import io
import zipfile
import socket
import functools
import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace
from decimal import Decimal
from typing import Any

from app.auth import hash_password
from app.tables import Session, Unit, User
from plans.tables import Field, Plan, YearClose
from app.tables import ApiToken, AuditEvent, SignInClaim
from reminders.tables import CalendarDay, OutboxEmail, Reminder, ReminderPolicy, SweepRun
from scoring.tables import ManualScore, ScoringRule, ScoringRuleVersion
from tasks.tables import Evidence, Task, TaskDeadline, TaskEvent
from amendments.tables import Amendment, AmendmentChange, AmendmentEvent, AmendmentSettings

PASSWORD = "correct horse battery"
NOW = dt.datetime(2024, 7, 1, 9, 0, tzinfo=dt.timezone.utc)


TABLES = (AmendmentEvent, AmendmentChange, Amendment, AmendmentSettings,
          Reminder, OutboxEmail, SweepRun, CalendarDay, ReminderPolicy, ManualScore, ScoringRuleVersion, ScoringRule,
          TaskDeadline, Evidence, TaskEvent, Task, Field, Plan, YearClose, ApiToken, SignInClaim, Session, User, Unit)


async def _empty_audit_log() -> None:
    """Tests start from an empty audit log, which the database otherwise refuses to shrink."""
    if AuditEvent._meta.db.engine_type == "sqlite":
        triggers = await AuditEvent.raw("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                                        "AND tbl_name = 'audit_event'")
        assert len(triggers) == 2, triggers
        statements = [f"DROP TRIGGER {name}" for name in ("audit_event_no_update", "audit_event_no_delete")]
        statements += ["DELETE FROM audit_event", *(t["sql"] for t in triggers)]
    else:
        statements = ["ALTER TABLE audit_event DISABLE TRIGGER USER", "DELETE FROM audit_event",
                      "ALTER TABLE audit_event ENABLE TRIGGER USER"]
    for sql in statements:
        await AuditEvent.raw(sql)


def empty_all_tables() -> None:
    """Every table emptied in one transaction: one connection, where a query each opened one per table."""
    async def run():
        async with AuditEvent._meta.db.transaction():
            await _empty_audit_log()
            for table in TABLES:
                await table.delete(force=True)

    asyncio.run(run())


def make_unit(code: str = "STP", name: str = "Sở Tư pháp", kind: str = "department",
              block: str = "Khối sở, ban, ngành") -> Unit:
    unit = Unit(code=code, name=name, kind=kind, block=block)
    unit.save().run_sync()
    return unit


@functools.cache
def password_hash() -> str:
    # argon2 is slow on purpose; one hash serves every test account.
    return hash_password(PASSWORD)


def _user(email: str, role: str, unit: Unit | None = None, language: str = "vi", name: str = "") -> User:
    return User(email=email, role=role, unit=unit.id if unit else None, full_name=name or email.split("@")[0],
                password_hash=password_hash(), language=language)


def make_user(email: str, role: str, unit: Unit | None = None, language: str = "vi", name: str = "") -> User:
    user = _user(email, role, unit, language, name)
    user.save().run_sync()
    return user


def make_actors() -> SimpleNamespace:
    """The named actors every access test speaks of, saved in one transaction (one connection)."""
    async def save() -> SimpleNamespace:
        async with User._meta.db.transaction():
            unit_a = Unit(code="STP", name="Sở Tư pháp", kind="department", block="Khối sở, ban, ngành")
            unit_b = Unit(code="SCT", name="Sở Công Thương", kind="department", block="Khối sở, ban, ngành")
            for unit in (unit_a, unit_b):
                await unit.save()
            users = dict(focal_a=_user("daumoi.a@example.vn", "focal_point", unit_a, name="Đầu mối A"),
                         head_a=_user("lanhdao.a@example.vn", "unit_head", unit_a),
                         focal_b=_user("daumoi.b@example.vn", "focal_point", unit_b),
                         steering=_user("bcd@example.vn", "steering"),
                         secretariat=_user("cchc@example.vn", "secretariat"),
                         admin=_user("admin@example.vn", "admin"))
            for user in users.values():
                await user.save()
            return SimpleNamespace(unit_a=unit_a, unit_b=unit_b, **users)

    return asyncio.run(save())


@dataclass
class TaskSpec:
    content: str
    due: dt.date
    status: str = "not_started"
    completed_on: dt.date | None = None
    number: str = ""
    cancelled_on: dt.date | None = None


def make_plan(unit: Unit, year: int = 2024, fields: dict[str, list[TaskSpec]] | None = None,
              title: str = "Kế hoạch CCHC năm 2024", status: str = "issued") -> Plan:
    """An issued plan (its tasks then change by amendment: `amend`), or a draft one edited directly."""
    plan = Plan(unit=unit.id, year=year, title=title, doc_number="15/KH-STP", doc_date=dt.date(year, 1, 18),
                status=status)
    plan.save().run_sync()
    for position, (name, specs) in enumerate((fields or {}).items(), start=1):
        field = Field(plan=plan.id, position=position, name=name, component=position)
        field.save().run_sync()
        for i, spec in enumerate(specs, start=1):
            Task(field=field.id, position=i, number=spec.number or str(i), content=spec.content, due_date=spec.due,
                 due_text="", status=spec.status, completed_on=spec.completed_on, cancelled_on=spec.cancelled_on,
                 progress=100 if spec.status == "done" else 0).save().run_sync()
    return plan


def zipped(entries: dict[str, bytes]) -> bytes:
    """A ZIP archive of these members, in memory: the start of many a fake office file."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def count(table) -> int:
    return table.count().run_sync()


def run(coro) -> Any:
    return asyncio.run(coro)


class Web:
    """A TestClient that signs in and sends the CSRF token like the pages do."""

    def __init__(self, client):
        self.client = client

    def token(self) -> str:
        if "parplan_csrf" not in self.client.cookies:
            self.client.get("/login")
        return self.client.cookies["parplan_csrf"]

    def login(self, user: User, password: str = PASSWORD):
        response = self.post("/login", {"email": user.email, "password": password})
        assert response.status_code in (200, 303), response.text
        return response

    def get(self, url: str, **kw):
        return self.client.get(url, **kw)

    def post(self, url: str, data: dict | None = None, htmx: bool = False, **kw):
        headers = {"x-csrftoken": self.token(), **kw.pop("headers", {})}
        if htmx:
            headers["hx-request"] = "true"
        return self.client.post(url, data=data, headers=headers, follow_redirects=False, **kw)


def free_port() -> int:
    """A free loopback port for a real server started by a test (aiosmtpd needs a real one, not 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The access matrix's world: one of everything a route can point at, all belonging to unit A ------------

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _snapshot_tables() -> list:
    """Every table, parents before children; not the audit log, which the database keeps append-only."""
    from piccolo.conf.apps import Finder
    from piccolo.table import sort_table_classes

    return [t for t in sort_table_classes(Finder().get_table_classes()) if t is not AuditEvent]


def table_snapshot() -> dict[str, list[dict]]:
    """Every row of every table. The same before and after a request means the request changed nothing
    (a bearer token's last use aside: it is stamped even when the request is then refused)."""
    async def read():
        async with User._meta.db.transaction():  # one connection for every table, not one each
            return {t._meta.tablename: await t.select().order_by(t._meta.primary_key) for t in _snapshot_tables()}

    rows = asyncio.run(read())
    for token in rows[ApiToken._meta.tablename]:
        token["last_used_at"] = None
    return rows


def restore_tables(snapshot: dict[str, list[dict]], now: dict[str, list[dict]] | None = None) -> None:
    """Put every table back as the snapshot has it, in one transaction: rows added since are deleted
    (children first), changed rows are set back, missing rows are inserted with their ids (parents first).
    `now` is a snapshot just taken, if the caller has one."""
    tables = _snapshot_tables()
    now = now or table_snapshot()

    async def write():
        async with User._meta.db.transaction():
            for t in reversed(tables):
                pk, kept = t._meta.primary_key, {r["id"] for r in snapshot[t._meta.tablename]}
                gone = [r["id"] for r in now[t._meta.tablename] if r["id"] not in kept]
                if gone:
                    await t.delete().where(pk.is_in(gone))
            for t in tables:
                pk, current = t._meta.primary_key, {r["id"]: r for r in now[t._meta.tablename]}
                missing = [t(**row) for row in snapshot[t._meta.tablename] if row["id"] not in current]
                if missing:
                    await t.insert(*missing)
                for row in snapshot[t._meta.tablename]:
                    if row["id"] in current and current[row["id"]] != row:
                        await t.update({k: v for k, v in row.items() if k != "id"}).where(pk == row["id"])

    asyncio.run(write())


def build_world() -> SimpleNamespace:
    """Empty tables, the named actors, and unit A's plan (this year) with a field, a task, an evidence file,
    a scoring rule and a manual score with its file, an outbox email with its .eml file, a calendar day;
    a session and an API token for each actor."""
    import io

    from app import clock
    from app.auth import start_session
    from app.settings import get_settings
    from app.tokens import create_token
    from app.uploads import Upload
    from app.mail import FileTransport
    from reminders.queries import outbox_email
    from scoring.actions import create_rule, enter_score, store_evidence
    from scoring.examples import EXAMPLES
    from scoring.rules import dump_rule, parse_rule
    from tasks.evidence import add_evidence
    from amendments import actions as amendment_actions

    empty_all_tables()
    w = make_actors()
    w.year, w.password = clock.today().year, PASSWORD
    w.plan = make_plan(w.unit_a, w.year, {"Cải cách thể chế": [
        TaskSpec("Rà soát văn bản", dt.date(w.year, 12, 31), "in_progress")]}, title=f"Kế hoạch CCHC năm {w.year}")
    w.field = Field.objects().where(Field.plan == w.plan.id).first().run_sync()
    w.task = Task.objects().where(Task.field == w.field.id).first().run_sync()
    [w.evidence] = run(add_evidence(w.task.id, [Upload("bao-cao.pdf", io.BytesIO(PDF))], {}, w.focal_a, NOW))
    # An amendment of the plan cancelling the task, drafted by the focal point and submitted by the head.
    w.amendment = amend(w.plan.id, [{"action": "cancel", "task": w.task.id}], w.focal_a, day=clock.today(),
                        approve=False)
    run(amendment_actions.attach_file(w.amendment.id, Upload("25-KH-STP.pdf", io.BytesIO(PDF)), w.focal_a, NOW))
    w.rule = run(create_rule(w.year, "", dump_rule(parse_rule(EXAMPLES["stepped"](w.year))), w.secretariat, NOW,
                             "Ví dụ 1"))
    stored = run(store_evidence(Upload("bien-ban.pdf", io.BytesIO(PDF))))
    w.score = run(enter_score(w.unit_a.id, w.year, "1.3", Decimal("1"), "Đủ báo cáo", stored, None,
                              w.secretariat, NOW))
    w.email = OutboxEmail(recipient=w.focal_a.id, to_address=w.focal_a.email, day=NOW.date(), subject="Nhắc hạn",
                          text="Nội dung", html="<p>Nội dung</p>", status="failed", not_before=NOW)
    w.email.save().run_sync()
    run(FileTransport(get_settings().outbox_dir).send(run(outbox_email(w.email.id))))
    w.day = CalendarDay(day=dt.date(w.year + 1, 1, 2), kind="holiday", name="Nghỉ bù", created_by=w.secretariat.id)
    w.day.save().run_sync()
    # Signed in once, before the snapshot, so that restoring the tables keeps every role signed in.
    now = dt.datetime.now(dt.timezone.utc)
    roles = ("admin", "secretariat", "steering", "head_a", "focal_a", "focal_b")
    w.sessions = {r: run(start_session(getattr(w, r), now)) for r in roles}
    w.tokens = {r: run(create_token(getattr(w, r), "matrix", now)) for r in roles}  # tokens expire
    return w


def amend(plan_id: int, changes: list[dict], actor: User, day: dt.date = dt.date(2024, 6, 1),
          approve: bool = True, number: str = "25/KH-STP", reason: str = "Điều chỉnh kế hoạch") -> Any:
    """An amendment of an issued plan drafted, submitted and (unless `approve` is False) approved by `actor`, through
    the amendments' own actions: how a test changes an issued plan's tasks since only an amendment may."""
    from amendments import actions

    values = {"number": number, "date": day, "reason": reason}
    at = max(NOW, dt.datetime.combine(day, dt.time(10), dt.timezone.utc))  # acted on once signed, never before
    amendment = run(actions.create_amendment(plan_id, values, changes, actor, at))
    run(actions.submit(amendment.id, None, actor, at))
    return run(actions.approve(amendment.id, None, actor, at)) if approve else amendment
