"""The plan's .xlsx as amended: the plan sheet with cancelled, added and changed tasks noted, and the sheet
"Điều chỉnh" listing the approved amendments change by change."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from plans.spreadsheet import read_plan
from plans.tables import Field
from tasks.tables import Task
from tests.builders import TaskSpec, amend, make_plan


@pytest.fixture
def plan(actors):
    plan = make_plan(actors.unit_a, 2024, {"Cải cách thể chế": [
        TaskSpec("Rà soát văn bản", dt.date(2024, 10, 31)), TaskSpec("Tập huấn nghiệp vụ", dt.date(2024, 9, 30)),
        TaskSpec("Hội nghị sơ kết", dt.date(2024, 6, 30))]})
    plan.field = Field.objects().where(Field.plan == plan.id).first().run_sync()
    plan.tasks = Task.objects().where(Task.field == plan.field.id).order_by(Task.position).run_sync()
    return plan


def exported(web, actors, plan):
    web.login(actors.steering)
    response = web.get(f"/plans/{plan.id}/export.xlsx")
    assert response.status_code == 200
    return response.content


def rows(sheet) -> list[tuple]:
    return [tuple(c for c in row) for row in sheet.iter_rows(values_only=True) if any(c is not None for c in row)]


def test_the_export_has_the_amended_plan_and_a_sheet_of_the_approved_amendments(web, actors, plan):
    t1, t2, t3 = plan.tasks
    amend(plan.id, [{"action": "cancel", "task": t1.id, "reason": "Đã giao Sở Nội vụ chủ trì"},
                    {"action": "redate", "task": t2.id, "due_text": "Tháng 12/2024"},
                    {"action": "add", "field": plan.field.id, "content": "Số hóa hồ sơ", "lead": "Văn phòng",
                     "output": "=HYPERLINK(\"http://x\")", "due_text": "Quý IV/2024"}],
          actors.head_a, day=dt.date(2024, 7, 1), reason="Theo Kế hoạch số 12/KH-UBND")
    amend(plan.id, [{"action": "cancel", "task": t3.id}], actors.head_a, approve=False, number="30/KH-STP")
    body = exported(web, actors, plan)
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["Kế hoạch", "Điều chỉnh"]
    tasks = {r[1]: r for r in rows(book["Kế hoạch"]) if isinstance(r[1], str)}
    assert tasks["Rà soát văn bản"][6] == ("Đã hủy từ ngày 01/07/2024 theo 25/KH-STP ngày 01/07/2024: "
                                          "Đã giao Sở Nội vụ chủ trì")
    assert tasks["Tập huấn nghiệp vụ"][4] == "Tháng 12/2024"
    assert tasks["Tập huấn nghiệp vụ"][6] == "Điều chỉnh theo 25/KH-STP ngày 01/07/2024"
    assert tasks["Số hóa hồ sơ"][6] == "Bổ sung theo 25/KH-STP ngày 01/07/2024"
    assert tasks["Hội nghị sơ kết"][6] is None  # only waiting for approval: nothing changed yet
    listed = rows(book["Điều chỉnh"])
    assert listed[1] == ("STT", "Số, ký hiệu", "Ngày ban hành", "Cơ quan ban hành", "Lý do", "Nội dung điều chỉnh")
    assert [r[:5] for r in listed[2:]] == [(n, "25/KH-STP", "01/07/2024", None, "Theo Kế hoạch số 12/KH-UBND")
                                          for n in (1, 2, 3)]
    assert [r[5] for r in listed[2:]] == [
        "Hủy nhiệm vụ I.1 “Rà soát văn bản”. Lý do: Đã giao Sở Nội vụ chủ trì",
        "Điều chỉnh thời hạn nhiệm vụ I.2 “Tập huấn nghiệp vụ”: 30/09/2024 → Tháng 12/2024",
        "Bổ sung nhiệm vụ vào lĩnh vực “Cải cách thể chế”: Số hóa hồ sơ (chủ trì: Văn phòng; "
        "sản phẩm: =HYPERLINK(\"http://x\"); thời hạn: Quý IV/2024)"]
    assert tasks["Số hóa hồ sơ"][5] == "=HYPERLINK(\"http://x\")"  # kept as text
    assert not any(c.data_type == "f" for sheet in book for row in sheet.iter_rows() for c in row)  # no formulas
    # The file still reads back as a plan: the amended one, cancelled task included (its note says so).
    assert read_plan(body).task_count == 4


def test_a_plan_never_amended_says_so_on_its_second_sheet(web, actors, plan):
    book = load_workbook(io.BytesIO(exported(web, actors, plan)))
    assert rows(book["Điều chỉnh"])[-1] == ("Kế hoạch chưa được điều chỉnh, bổ sung.", None, None, None, None, None)
