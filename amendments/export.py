"""The plan's .xlsx as amended: the plan's own sheet (plans/spreadsheet_write.py) with each changed task noted, and
a sheet "Điều chỉnh" listing the approved amendments and their changes.

Like the plan's sheet, this is the document's own Vietnamese text, not interface text: it is not translated.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from amendments import queries, views
from amendments.shown import shown_changes
from app.cells import put
from plans.queries import as_parsed, plan_view
from plans.spreadsheet_write import FONT, plan_workbook, workbook_bytes

SHEET = "Điều chỉnh"
HEADINGS = ("STT", "Số, ký hiệu", "Ngày ban hành", "Cơ quan ban hành", "Lý do", "Nội dung điều chỉnh")
WIDTHS = (6, 16, 14, 24, 40, 70)
LABELS = {"content": "Nội dung", "lead": "Đơn vị chủ trì", "partners": "Đơn vị phối hợp", "output": "Sản phẩm"}
_THIN = Side(style="thin")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _day(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _by(change: dict[str, Any]) -> str:
    return f"{change['amendment_number']} ngày {_day(change['amendment_date'])}"


async def export_plan(plan_id: int, today: dt.date) -> tuple[bytes, dict[str, Any]]:
    """The workbook's bytes and the plan's header (for the file name)."""
    view = await plan_view(plan_id, today)
    parsed = as_parsed(view)
    marks = await queries.changed_tasks(plan_id)
    for field_view, field in zip(view.fields, parsed.fields):
        for task, row in zip(field_view.tasks, field.tasks):
            row.note = "; ".join(n for n in (_mark(task, marks.get(task["id"], [])), row.note) if n)
    workbook = plan_workbook(parsed, view.plan["unit_name"])
    await _amendment_sheet(workbook, plan_id)
    return workbook_bytes(workbook), view.plan


def _mark(task: dict[str, Any], changes: list[dict[str, Any]]) -> str:
    """What the note column says of a task an amendment changed: cancelled, added, or amended, and by which."""
    if task["status"] == "cancelled":
        by = next((c for c in changes if c["action"] in ("cancel", "carry") and c["task"] == task["id"]), None)
        reason = f": {task['cancel_reason']}" if task.get("cancel_reason") else ""
        since = f" từ ngày {_day(task['cancelled_on'])}" if task.get("cancelled_on") else ""
        return f"Đã hủy{since}" + (f" theo {_by(by)}" if by else "") + reason
    added = next((c for c in changes if c["result_task"] == task["id"]), None)
    if added:
        return f"Bổ sung theo {_by(added)}"
    if changes:
        return "Điều chỉnh theo " + ", ".join(dict.fromkeys(_by(c) for c in changes))
    return ""


async def _amendment_sheet(workbook: Workbook, plan_id: int) -> None:
    sheet = workbook.create_sheet(SHEET)
    tasks = await views.plan_tasks(plan_id)
    _cell(sheet, 1, 1, "CÁC VĂN BẢN ĐIỀU CHỈNH, BỔ SUNG KẾ HOẠCH ĐÃ ĐƯỢC CHẤP THUẬN", bold=True)
    for column, (heading, width) in enumerate(zip(HEADINGS, WIDTHS), start=1):
        sheet.column_dimensions[chr(64 + column)].width = width
        _cell(sheet, 3, column, heading, bold=True, border=True)
    row, number = 4, 0
    approved = [a for a in await queries.amendments_of_plan(plan_id) if a["status"] == "approved"]
    for amendment in sorted(approved, key=lambda a: (a["date"], a["id"])):
        detail = await queries.amendment_detail(amendment["id"])
        for change in shown_changes(detail["change_list"], tasks, detail):
            number += 1
            values = (number, amendment["number"], _day(amendment["date"]), amendment["issuer"],
                      amendment["reason"], describe(change))
            for column, value in enumerate(values, start=1):
                _cell(sheet, row, column, value, border=True)
            row += 1
    if number == 0:
        _cell(sheet, row, 1, "Kế hoạch chưa được điều chỉnh, bổ sung.")
    sheet.freeze_panes = "A4"


def _cell(sheet, row: int, column: int, value: object, bold: bool = False, border: bool = False) -> None:
    cell = sheet.cell(row=row, column=column)
    put(cell, value)  # a reason or a task's wording is text, never a formula
    cell.font = Font(name=FONT, size=12, bold=bold)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if border:
        cell.border = BORDER


def describe(change: dict[str, Any]) -> str:
    """One change in the document's words (a change from amendments.shown.shown_changes)."""
    then, values, label = change["then"], change["values"], change["label"]
    if change["action"] == "cancel":
        reason = f". Lý do: {values['reason']}" if values.get("reason") else ""
        return f"Hủy nhiệm vụ {label} “{change['content']}”{reason}"
    if change["action"] == "redate":
        old = then.get("due_text") or _day(then.get("due_date"))
        new = values.get("due_text") or _day(values.get("due"))
        return f"Điều chỉnh thời hạn nhiệm vụ {label} “{change['content']}”: {old} → {new}"
    if change["action"] == "edit":
        parts = [f"{LABELS[k]}: {then.get(k) or '—'} → {values[k] or '—'}" for k in LABELS if k in values]
        return f"Điều chỉnh nhiệm vụ {label}: " + "; ".join(parts)
    due = values.get("due_text") or _day(values.get("due"))
    if change["action"] == "add":
        return (f"Bổ sung nhiệm vụ vào lĩnh vực “{change.get('field_name') or ''}”: {values.get('content', '')} "
                f"(chủ trì: {values.get('lead') or '—'}; sản phẩm: {values.get('output') or '—'}; thời hạn: {due})")
    return (f"Chuyển tiếp nhiệm vụ “{change.get('task_content') or change['content']}” vào lĩnh vực "
            f"“{change.get('field_name') or ''}”" + (f" (thời hạn: {due})" if due else ""))
