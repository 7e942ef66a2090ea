"""Importing a plan issued as a Word document: the upload page and `parplan import-plan`, on the real database."""

import datetime as dt
import json
import re

from click.testing import CliRunner

from app.cli import main
from app.downloads import DOCX
from plans.parsed import ParsedPlan
from plans.spreadsheet import read_plan
from plans.tables import Field, Plan
from tasks.tables import Task
from tests.builders import count, make_unit
from tests.plans.docx_plans import plan_docx


def justice_plan_docx(shared_data) -> bytes:
    """The shared Sở Tư pháp plan, issued as a Word document."""
    return plan_docx(read_plan(shared_data / "ke-hoach-cchc-2024-so-tu-phap.xlsx"), "Sở Tư pháp")


def bad_docx() -> bytes:
    plan = ParsedPlan(year=2024, title="KẾ HOẠCH CẢI CÁCH HÀNH CHÍNH NĂM 2024", doc_number="15/KH-STP",
                      doc_date=dt.date(2024, 1, 18), fields=[])
    rows = [("I. Cải cách thể chế",), ("1", "Rà soát", "Phòng A", "", "Quý I", "", ""),
            ("2", "Kiểm tra", "Phòng A", "", "Tháng 13", "", "")]
    return plan_docx(plan, "Sở Tư pháp", rows=rows)


def upload(web, unit, content: bytes, name: str = "ke-hoach-2024.docx"):
    return web.post("/plans/import", {"unit": str(unit.id), "year": ""}, files={"file": (name, content, DOCX)})


# --- the upload page ----------------------------------------------------------------------------------------

def test_a_word_plan_is_previewed_then_saved_on_confirmation(web, actors, shared_data):
    web.login(actors.focal_a)
    preview = upload(web, actors.unit_a, justice_plan_docx(shared_data))
    assert preview.status_code == 200
    assert "7 lĩnh vực, 28 nhiệm vụ" in preview.text
    assert preview.text.count("<tr data-task>") == 28
    assert count(Plan) == 0
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', preview.text)[1]
    saved = web.post("/plans/import/confirm", {"digest": digest, "unit": str(actors.unit_a.id), "year": ""})
    assert saved.status_code == 303
    plan = Plan.objects().first().run_sync()
    assert (plan.year, plan.doc_number, plan.doc_date) == (2024, "15/KH-STP", dt.date(2024, 1, 18))
    assert (count(Field), count(Task)) == (7, 28)


def test_a_word_plan_with_errors_lists_them_by_table_row_and_column_and_offers_no_save(web, actors):
    web.login(actors.focal_a)
    preview = upload(web, actors.unit_a, bad_docx())
    assert "Tệp có 1 lỗi; chưa lưu gì." in preview.text
    assert "<th>Bảng</th>" in preview.text
    assert re.findall(r'data-error-row="(\d+)" data-error-table="(\d+)"><td>2</td><td>5</td><td>E</td>',
                      preview.text) == [("5", "2")]
    assert 'name="digest"' not in preview.text
    assert count(Plan) == 0


def test_an_old_doc_file_is_refused_with_how_to_save_it(web, actors):
    web.login(actors.focal_a)
    old = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "WordDocument".encode("utf-16-le") + bytes(512)
    response = upload(web, actors.unit_a, old, name="ke-hoach.doc")
    assert "Đây là tệp Word .doc cũ" in response.text
    assert 'name="digest"' not in response.text and count(Plan) == 0


def test_the_import_form_accepts_word_documents(web, actors):
    web.login(actors.focal_a)
    page = web.get("/plans/import")
    assert ".docx" in re.search(r'<input type="file" name="file" accept="([^"]*)"', page.text)[1]


# --- the command line ---------------------------------------------------------------------------------------

def invoke(*args):
    return CliRunner().invoke(main, list(map(str, args)))


def test_the_command_line_imports_a_word_plan(shared_data, tmp_path):
    make_unit("STP")
    path = tmp_path / "ke-hoach-2024.docx"
    path.write_bytes(justice_plan_docx(shared_data))
    result = invoke("import-plan", path, "--unit", "STP")
    assert result.exit_code == 0, result.output
    assert "7 lĩnh vực, 28 nhiệm vụ" in result.output
    plan = Plan.objects().first().run_sync()
    assert (plan.year, plan.doc_number, count(Task)) == (2024, "15/KH-STP", 28)


def test_the_command_line_prints_a_word_plan_as_the_same_json_as_its_spreadsheet(shared_data, tmp_path):
    make_unit("STP")
    path = tmp_path / "ke-hoach-2024.docx"
    path.write_bytes(justice_plan_docx(shared_data))
    from_docx = invoke("import-plan", path, "--unit", "STP", "--dry-run", "--json")
    from_xlsx = invoke("import-plan", shared_data / "ke-hoach-cchc-2024-so-tu-phap.xlsx", "--unit", "STP",
                       "--dry-run", "--json")
    assert from_docx.exit_code == 0, from_docx.output
    assert json.loads(from_docx.output) == json.loads(from_xlsx.output)
    assert count(Plan) == 0


def test_the_command_line_names_the_table_of_each_error_and_imports_nothing(tmp_path):
    make_unit("STP")
    path = tmp_path / "ke-hoach-loi.docx"
    path.write_bytes(bad_docx())
    result = invoke("import-plan", path, "--unit", "STP")
    assert result.exit_code == 2
    assert "Bảng 2, dòng 5, cột E: " in result.output
    assert "Chưa nhập gì vào hệ thống." in result.output
    assert count(Plan) == 0 and count(Task) == 0


def test_an_xlsx_upload_kept_before_the_upgrade_can_still_be_confirmed(web, actors):
    # Kept uploads were named {digest}.xlsx before .docx was read; one waiting across the upgrade still saves.
    import hashlib

    from app.settings import get_settings
    from plans.parsed import ParsedField, ParsedTask
    from plans.spreadsheet_write import write_plan

    body = write_plan(ParsedPlan(2031, "Kế hoạch", "", None, [ParsedField("Cải cách thể chế", None, [
        ParsedTask("1", "Rà soát", "Văn phòng", "", "Báo cáo", "", dt.date(2031, 3, 31), "Quý I", 9)], 8)]),
        actors.unit_a.name)
    digest = hashlib.sha256(body).hexdigest()
    folder = get_settings().var_dir / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{digest}.xlsx").write_bytes(body)
    web.login(actors.focal_a)
    answer = web.post("/plans/import/confirm", {"unit": str(actors.unit_a.id), "year": "", "digest": digest})
    assert answer.status_code == 303 and Plan.exists().where(Plan.year == 2031).run_sync()
    assert web.post("/plans/import/confirm", {"unit": str(actors.unit_a.id), "year": "",
                                              "digest": "../" + digest}).status_code == 404
