"""Writing a plan out as the table of the official document (Decree 30/2020 layout).

The headings and the national motto are the document's own Vietnamese text, not interface
text, so they are not translated. What this writes, plans.spreadsheet.read_plan reads back.
"""

from __future__ import annotations

import io
import re

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.cells import put
from app.text import fold, int_to_roman
from plans.parsed import ParsedField, ParsedPlan, ParsedTask

HEADINGS = ("STT", "Nội dung nhiệm vụ", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian hoàn thành",
            "Sản phẩm", "Ghi chú")
WIDTHS = (7, 55, 22, 24, 18, 24, 18)
LAST = get_column_letter(len(HEADINGS))
HEADER_ROW = 7
FONT = "Times New Roman"  # the font official documents are set in
_THIN = Side(style="thin")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
CENTRE = Alignment(wrap_text=True, vertical="center", horizontal="center")


def write_plan(plan: ParsedPlan, unit_name: str) -> bytes:
    """The plan as .xlsx bytes: masthead, title, the "Kèm theo" line, then the task table."""
    return workbook_bytes(plan_workbook(plan, unit_name))


def plan_workbook(plan: ParsedPlan, unit_name: str) -> Workbook:
    """The workbook write_plan saves, for a caller that adds a sheet (amendments/export.py: "Điều chỉnh")."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Kế hoạch"
    _masthead(sheet, plan, unit_name)
    _header(sheet)
    row = HEADER_ROW + 1
    for index, field in enumerate(plan.fields, start=1):
        row = _field(sheet, row, index, field)
    _page_setup(sheet)
    return workbook


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _put(sheet: Worksheet, ref: str, value: object, *, bold: bool = False, italic: bool = False,
         size: int = 12, align: Alignment = CENTRE) -> None:
    """Write a cell, merging when ref is a range ("A4:G4")."""
    if ":" in ref:
        sheet.merge_cells(ref)
    cell = sheet[ref.split(":")[0]]
    put(cell, value)  # user text (a task's partners, its output) is written as text, never as a formula
    cell.font = Font(name=FONT, size=size, bold=bold, italic=italic)
    cell.alignment = align


def _title(plan: ParsedPlan) -> str:
    title = plan.title.strip() or f"Kế hoạch cải cách hành chính năm {plan.year}"
    # The year is how the file says which plan it is; reading it back needs it in the title.
    if not re.search(rf"\bnam {plan.year}\b", fold(title)):
        title = f"{title} năm {plan.year}"
    return title.upper()


def _masthead(sheet: Worksheet, plan: ParsedPlan, unit_name: str) -> None:
    _put(sheet, "A1:C1", unit_name.upper(), bold=True)
    _put(sheet, f"E1:{LAST}1", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True)
    _put(sheet, f"E2:{LAST}2", "Độc lập - Tự do - Hạnh phúc", bold=True)
    _put(sheet, f"A4:{LAST}4", _title(plan), bold=True, size=14)
    if plan.doc_number:
        date = f" ngày {plan.doc_date.strftime('%d/%m/%Y')}" if plan.doc_date else ""
        _put(sheet, f"A5:{LAST}5", f"(Kèm theo Kế hoạch số {plan.doc_number}{date} của {unit_name})", italic=True)


def _header(sheet: Worksheet) -> None:
    for index, (heading, width) in enumerate(zip(HEADINGS, WIDTHS), start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
        _put(sheet, f"{letter}{HEADER_ROW}", heading, bold=True)
        sheet[f"{letter}{HEADER_ROW}"].border = BORDER


def _field(sheet: Worksheet, row: int, index: int, field: ParsedField) -> int:
    """A field heading (roman numeral, name across the row) and its tasks; returns the next row."""
    _put(sheet, f"A{row}", int_to_roman(index), bold=True)
    _put(sheet, f"B{row}:{LAST}{row}", field.name, bold=True, align=Alignment(wrap_text=True, vertical="center"))
    _borders(sheet, row)
    for task in field.tasks:
        row += 1
        _task(sheet, row, task)
        _borders(sheet, row)
    return row + 1


def _task(sheet: Worksheet, row: int, task: ParsedTask) -> None:
    due = task.due_text or task.due.strftime("%d/%m/%Y")
    # Plain numbers go in as numbers, as in real plans; "1.10" must stay text to keep its zero.
    number = int(task.number) if task.number.isdecimal() else task.number
    values = (number, task.content, task.lead, task.partners, due, task.output, task.note)
    for column, value in enumerate(values, start=1):
        centred = column in (1, 5)
        _put(sheet, f"{get_column_letter(column)}{row}", None if value == "" else value,
             align=CENTRE if centred else WRAP)


def _borders(sheet: Worksheet, row: int) -> None:
    for column in range(1, len(HEADINGS) + 1):
        sheet.cell(row=row, column=column).border = BORDER


def _page_setup(sheet: Worksheet) -> None:
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
