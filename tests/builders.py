"""Small builders for test data and a signed-in web client. Synchronous, so tests stay plain functions."""

from __future__ import annotations

import asyncio
import socket
import functools
import datetime as dt
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from app.auth import hash_password
from app.tables import Session, Unit, User
from plans.tables import Field, Plan
from app.tables import ApiToken
from reminders.tables import CalendarDay, OutboxEmail, Reminder, ReminderPolicy, SweepRun
from scoring.tables import ManualScore, ScoringRule, ScoringRuleVersion
from tasks.tables import Evidence, Task, TaskDeadline, TaskEvent

PASSWORD = "correct horse battery"
NOW = dt.datetime(2024, 7, 1, 9, 0, tzinfo=dt.timezone.utc)


def empty_all_tables() -> None:
    for table in (Reminder, OutboxEmail, SweepRun, CalendarDay, ReminderPolicy, ManualScore, ScoringRuleVersion, ScoringRule, TaskDeadline, Evidence, TaskEvent, Task, Field, Plan, ApiToken, Session, User, Unit):
        table.delete(force=True).run_sync()


def make_unit(code: str = "STP", name: str = "Sở Tư pháp", kind: str = "department",
              block: str = "Khối sở, ban, ngành") -> Unit:
    unit = Unit(code=code, name=name, kind=kind, block=block)
    unit.save().run_sync()
    return unit


@functools.cache
def password_hash() -> str:
    # argon2 is slow on purpose; one hash serves every test account.
    return hash_password(PASSWORD)


def make_user(email: str, role: str, unit: Unit | None = None, language: str = "vi", name: str = "") -> User:
    user = User(email=email, role=role, unit=unit.id if unit else None, full_name=name or email.split("@")[0],
                password_hash=password_hash(), language=language)
    user.save().run_sync()
    return user


def make_actors() -> SimpleNamespace:
    """The named actors every access test speaks of."""
    unit_a = make_unit("STP", "Sở Tư pháp")
    unit_b = make_unit("SCT", "Sở Công Thương")
    return SimpleNamespace(
        unit_a=unit_a, unit_b=unit_b,
        focal_a=make_user("daumoi.a@example.vn", "focal_point", unit_a, name="Đầu mối A"),
        head_a=make_user("lanhdao.a@example.vn", "unit_head", unit_a),
        focal_b=make_user("daumoi.b@example.vn", "focal_point", unit_b),
        steering=make_user("bcd@example.vn", "steering"),
        secretariat=make_user("cchc@example.vn", "secretariat"),
        admin=make_user("admin@example.vn", "admin"),
    )


@dataclass
class TaskSpec:
    content: str
    due: dt.date
    status: str = "not_started"
    completed_on: dt.date | None = None
    number: str = ""
    cancelled_on: dt.date | None = None


def make_plan(unit: Unit, year: int = 2024, fields: dict[str, list[TaskSpec]] | None = None,
              title: str = "Kế hoạch CCHC năm 2024") -> Plan:
    plan = Plan(unit=unit.id, year=year, title=title, doc_number="15/KH-STP", doc_date=dt.date(year, 1, 18),
                status="issued")
    plan.save().run_sync()
    for position, (name, specs) in enumerate((fields or {}).items(), start=1):
        field = Field(plan=plan.id, position=position, name=name, component=position)
        field.save().run_sync()
        for i, spec in enumerate(specs, start=1):
            Task(field=field.id, position=i, number=spec.number or str(i), content=spec.content, due_date=spec.due,
                 due_text="", status=spec.status, completed_on=spec.completed_on, cancelled_on=spec.cancelled_on,
                 progress=100 if spec.status == "done" else 0).save().run_sync()
    return plan


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
