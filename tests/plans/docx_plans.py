"""Plans as Word documents, built the way units issue them (Decree 30/2020 layout), for the .docx reader's tests.

The masthead is a borderless table of two cells (the issuing body under its parent on the left, the motto and the
place and date on the right); the title is two paragraphs, "KẾ HOẠCH" over its subject; a few lines of prose;
then the appendix (phụ lục) with the task table: the headings, the "(1) (2) (3)…" row, each field as one cell
merged across the row ("I. Cải cách thể chế"), its tasks below; "Nơi nhận:" and the signature close it.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH

from app.text import int_to_roman
from plans.parsed import ParsedPlan
from plans.spreadsheet_write import HEADINGS

PARENT = "UBND TỈNH ĐẮK NÔNG"
PROSE = ("Thực hiện Kế hoạch cải cách hành chính nhà nước giai đoạn 2021 - 2030 của tỉnh, đơn vị ban hành Kế hoạch "
         "cải cách hành chính với các nội dung sau đây, nhằm nâng cao chất lượng phục vụ người dân và doanh "
         "nghiệp, bảo đảm các nhiệm vụ được triển khai đồng bộ, đúng tiến độ, có sản phẩm cụ thể và gắn trách "
         "nhiệm người đứng đầu trong năm.")


def plan_docx(plan: ParsedPlan, unit_name: str, *, rows: list[tuple] | None = None) -> bytes:
    """The plan as a .docx; `rows`, when given, replace the task rows under the header (to plant mistakes)."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    _masthead(document, plan, unit_name)
    title = plan.title or f"KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM {plan.year}"
    _centred(document, "KẾ HOẠCH", bold=True)
    _centred(document, title.removeprefix("KẾ HOẠCH").strip(), bold=True)
    document.add_paragraph("Căn cứ Quyết định số 1234/QĐ-UBND ngày 20/12/2023 của UBND tỉnh về ban hành Kế hoạch "
                           "cải cách hành chính nhà nước năm 2024;")
    document.add_paragraph("I. MỤC ĐÍCH, YÊU CẦU")
    document.add_paragraph(PROSE)
    document.add_page_break()
    _centred(document, "PHỤ LỤC", bold=True)
    _centred(document, f"DANH MỤC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH NĂM {plan.year}", bold=True)
    if plan.doc_number:
        date = f" ngày {plan.doc_date:%d/%m/%Y}" if plan.doc_date else ""
        _centred(document, f"(Kèm theo Kế hoạch số {plan.doc_number}{date} của {unit_name})", italic=True)
    _task_table(document, plan, rows)
    document.add_paragraph("Nơi nhận:")
    document.add_paragraph("- UBND tỉnh (b/c);")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _centred(document, text: str, *, bold: bool = False, italic: bool = False):
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic
    return paragraph


def _lines(cell, lines: list[str]) -> None:
    cell.text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def _masthead(document, plan: ParsedPlan, unit_name: str) -> None:
    table = document.add_table(rows=1, cols=2)
    left = [PARENT, unit_name.upper(), "———"] + ([f"Số: {plan.doc_number}"] if plan.doc_number else [])
    right = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "———"]
    if plan.doc_date:
        right.append(f"Đắk Nông, ngày {plan.doc_date:%d} tháng {plan.doc_date:%m} năm {plan.doc_date:%Y}")
    _lines(table.cell(0, 0), left)
    _lines(table.cell(0, 1), right)


def task_rows(plan: ParsedPlan) -> list[tuple]:
    """The rows under the header: a field as one text (merged across the row), a task as its cells."""
    rows: list[tuple] = []
    for index, field in enumerate(plan.fields, start=1):
        rows.append((f"{int_to_roman(index)}. {field.name}",))
        for task in field.tasks:
            rows.append((task.number, task.content, task.lead, task.partners,
                         task.due_text or f"{task.due:%d/%m/%Y}", task.output, task.note))
    return rows


def _task_table(document, plan: ParsedPlan, rows: list[tuple] | None) -> None:
    rows = task_rows(plan) if rows is None else rows
    table = document.add_table(rows=2 + len(rows), cols=len(HEADINGS))
    table.style = "Table Grid"
    for column, heading in enumerate(HEADINGS):
        table.cell(0, column).text = heading
        table.cell(1, column).text = f"({column + 1})"
    for index, values in enumerate(rows, start=2):
        if len(values) == 1:  # a field heading, one cell across the row
            merged = table.cell(index, 0).merge(table.cell(index, len(HEADINGS) - 1))
            merged.text = values[0]
            merged.paragraphs[0].runs[0].bold = True
            continue
        for column, value in enumerate(values):
            table.cell(index, column).text = value
