"""The demo's years relative to today: last year's plans finished and closed, this year's open, with the plan's life
as documents: unfinished tasks carried over, one approved amendment and one waiting for approval.

Everything is back-dated to the day it would have happened (`reported`), so boards and plans at past cut-offs show
the history as it unfolded. Loading is idempotent: a year already closed, an amendment already there, is left.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from amendments import actions as amendment_actions
from amendments.tables import Amendment
from app.clock import TZ
from app.tables import User
from plans.cutoffs import year_close
from plans.tables import Field, Plan
from tasks.tables import Task
from years.actions import close_year

FIRST_YEAR = 2024  # the year the demo's history starts (Sở Tư pháp's 26/28)


def reported(day: dt.date, now: dt.datetime) -> dt.datetime:
    """When a demo act is recorded: on `day`, as if done then (never after `now`), so a plan or board at a past
    cut-off shows the history as it happened (tasks.history, started_on), not everything done today."""
    return min(now, dt.datetime.combine(day, dt.time(9), TZ))


def closing_day(year: int, today: dt.date) -> dt.date | None:
    """The demo closes a year on 15 January of the next (or today, if earlier but after the year); None: still open."""
    if today <= dt.date(year, 12, 31):
        return None
    return min(dt.date(year + 1, 1, 15), today)


async def close_past_years(secretariat: User, now: dt.datetime) -> None:
    today = now.astimezone(TZ).date()
    for year in range(FIRST_YEAR, today.year):
        day = closing_day(year, today)
        if day and not await year_close(year):
            await close_year(year, day, "Khóa sổ sau khi tổng hợp báo cáo năm (dữ liệu trình diễn).", secretariat,
                             reported(day, now))


async def _task(plan_id: int, pick: Callable[[list[Task]], Task | None]) -> Task | None:
    tasks = await Task.objects().where(Task.field.plan == plan_id).order_by(Task.due_date).order_by(Task.id)
    return pick(tasks)


async def approved_cancellation(plan: Plan, number: str, day: dt.date, drafter: User, secretariat: User,
                                now: dt.datetime) -> None:
    """An amendment cancelling one open task, drafted, submitted and approved on `day` (the secretariat's for a
    unit with no demo head)."""
    if await Amendment.exists().where(Amendment.plan == plan.id):
        return
    task = await _task(plan.id, lambda ts: next((t for t in reversed(ts) if t.status in ("not_started",
                                                                                          "in_progress")), None))
    if task is None:
        return
    at = reported(day, now)
    amendment = await amendment_actions.create_amendment(
        plan.id, {"number": number, "date": day, "issuer": "", "reason": "Nhiệm vụ không còn phù hợp sau khi sắp xếp "
                  "tổ chức bộ máy; điều chỉnh theo chỉ đạo của UBND tỉnh."},
        [{"action": "cancel", "task": task.id, "reason": "Không còn phù hợp sau sắp xếp tổ chức bộ máy"}],
        drafter, at)
    amendment = await amendment_actions.submit(amendment.id, amendment.version, secretariat, at)
    await amendment_actions.approve(amendment.id, amendment.version, secretariat, at + dt.timedelta(hours=2))


async def waiting_redate(plan: Plan, number: str, drafter: User, head: User, now: dt.datetime) -> None:
    """An amendment moving one deadline and adding one task, submitted by the unit head and waiting for the
    secretariat."""
    if await Amendment.exists().where((Amendment.plan == plan.id) & (Amendment.status == "submitted")):
        return
    today = now.astimezone(TZ).date()
    task = await _task(plan.id, lambda ts: next((t for t in ts if t.status == "in_progress" and t.due_date >= today),
                                                None))
    field = await Field.objects().where(Field.plan == plan.id).order_by(Field.position).first()
    if task is None or field is None:
        return
    year = plan.year
    day = max(dt.date(year, 1, 20), today - dt.timedelta(days=3))
    changes = [{"action": "redate", "task": task.id, "due": dt.date(year, 12, 15), "due_text": f"Trước 15/12/{year}"},
               {"action": "add", "field": field.id, "content": "Rà soát, cập nhật danh mục thủ tục hành chính sau "
                f"sắp xếp đơn vị hành chính năm {year}", "lead": "Văn phòng", "partners": "Các phòng chuyên môn",
                "output": "Quyết định công bố danh mục", "due": dt.date(year, 12, 31), "due_text": f"Năm {year}"}]
    amendment = await amendment_actions.create_amendment(
        plan.id, {"number": number, "date": day, "issuer": "", "reason": "Bổ sung nhiệm vụ theo chỉ đạo của UBND "
                  "tỉnh và điều chỉnh thời hạn do thay đổi quy định của Trung ương."}, changes, drafter,
        reported(day, now))
    await amendment_actions.submit(amendment.id, amendment.version, head, reported(day, now))
