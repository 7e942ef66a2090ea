"""The command-line contract of `parplan import-plan`, against the real database."""

import datetime as dt
import json

from click.testing import CliRunner

from app.cli import main
from plans.tables import Field, Plan
from tasks.tables import Task, TaskEvent
from tests.builders import count, make_unit


def invoke(*args):
    return CliRunner().invoke(main, list(map(str, args)), catch_exceptions=False)


def test_the_shared_plan_imports_as_7_fields_and_28_tasks(shared_data):
    make_unit("STP")
    result = invoke("import-plan", shared_data / "ke-hoach-cchc-2024-so-tu-phap.xlsx", "--unit", "STP")
    assert result.exit_code == 0, result.output
    assert "7 lĩnh vực, 28 nhiệm vụ" in result.output
    plan = Plan.objects().first().run_sync()
    assert (plan.year, plan.doc_number, plan.doc_date) == (2024, "15/KH-STP", dt.date(2024, 1, 18))
    assert (count(Field), count(Task), count(TaskEvent)) == (7, 28, 28)
    rows = Task.select(Task.content, Task.due_date).run_sync()

    def due(start):
        return next(t["due_date"] for t in rows if t["content"].startswith(start))

    assert due("Xây dựng báo cáo CCHC năm 2024") == dt.date(2024, 12, 15)  # Trước ngày 15/12/2024
    assert due("Khảo sát sự hài lòng") == dt.date(2024, 9, 30)  # Quý 3
    assert due("Rà soát, đánh giá thủ tục") == dt.date(2024, 6, 30)  # 6 tháng đầu năm
    assert due("Tham mưu xây dựng văn bản") == dt.date(2024, 12, 31)  # Thường xuyên


def test_json_output_follows_the_contract(shared_data):
    make_unit("STP")
    result = invoke("import-plan", shared_data / "ke-hoach-cchc-2024-so-tu-phap.xlsx", "--unit", "STP",
                    "--dry-run", "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["year"] == 2024 and len(data["fields"]) == 7
    first = data["fields"][0]["tasks"][0]
    assert first == {**first, "number": "1", "lead": "Văn phòng Sở", "due": "2024-01-31", "due_text": "Tháng 01/2024"}
    assert sum(len(f["tasks"]) for f in data["fields"]) == 28


def test_dry_run_writes_nothing(shared_data):
    make_unit("STP")
    result = invoke("import-plan", shared_data / "ke-hoach-cchc-2024-so-tu-phap.xlsx", "--unit", "STP", "--dry-run")
    assert result.exit_code == 0 and "28 nhiệm vụ" in result.output
    assert count(Plan) == 0 and count(Task) == 0


def test_a_bad_file_reports_each_bad_row_exits_2_and_imports_nothing(shared_data):
    make_unit("STP")
    result = CliRunner().invoke(main, ["import-plan", str(shared_data / "ke-hoach-cchc-2024-loi.xlsx"),
                                       "--unit", "STP"])
    assert result.exit_code == 2
    for row in (10, 11, 12, 13):
        assert f"Dòng {row}" in result.output
    assert "Dòng 9," not in result.output
    assert count(Plan) == 0 and count(Task) == 0


def test_importing_the_same_year_twice_is_refused(shared_data):
    make_unit("STP")
    path = shared_data / "ke-hoach-cchc-2024-so-tu-phap.xlsx"
    assert invoke("import-plan", path, "--unit", "STP").exit_code == 0
    again = CliRunner().invoke(main, ["import-plan", str(path), "--unit", "STP"])
    assert again.exit_code == 2 and "đã có kế hoạch năm 2024" in again.output
    assert count(Task) == 28


def test_an_unknown_unit_is_an_error_and_writes_nothing(shared_data):
    result = CliRunner().invoke(main, ["import-plan", str(shared_data / "ke-hoach-cchc-2024-so-tu-phap.xlsx"),
                                       "--unit", "NOPE"])
    assert result.exit_code != 0 and "NOPE" in result.output
    assert count(Plan) == 0


def test_a_dry_run_still_checks_the_unit_and_the_year(shared_data):
    make_unit("STP")
    path = shared_data / "ke-hoach-cchc-2024-so-tu-phap.xlsx"
    unknown = CliRunner().invoke(main, ["import-plan", str(path), "--unit", "NOPE", "--dry-run"])
    assert unknown.exit_code == 2 and "NOPE" in unknown.output
    assert invoke("import-plan", path, "--unit", "stp").exit_code == 0  # codes are not case-sensitive
    again = CliRunner().invoke(main, ["import-plan", str(path), "--unit", "STP", "--dry-run", "--json"])
    assert again.exit_code == 2
    assert '"fields"' not in again.output  # nothing printed as if it had worked


def test_another_units_file_is_imported_with_a_warning_naming_what_it_says(shared_data):
    make_unit("SCT", "Sở Công Thương")
    path = shared_data / "ke-hoach-cchc-2024-so-tu-phap.xlsx"
    checked = invoke("import-plan", path, "--unit", "SCT", "--dry-run", "--json")
    assert checked.exit_code == 0
    [warning] = json.loads(checked.stdout)["warnings"]
    assert warning.startswith("Tệp ghi “15/KH-STP”, “SỞ TƯ PHÁP”, không phải Sở Công Thương (SCT)")
    saved = invoke("import-plan", path, "--unit", "SCT")
    assert saved.exit_code == 0 and "28 nhiệm vụ" in saved.stdout
    assert "không phải Sở Công Thương (SCT)" in saved.stderr
    assert count(Task) == 28  # a warning, not a refusal


def test_a_units_own_file_has_no_warnings(shared_data):
    make_unit("STP")
    result = invoke("import-plan", shared_data / "ke-hoach-cchc-2024-so-tu-phap.xlsx", "--unit", "STP",
                    "--dry-run", "--json")
    assert json.loads(result.stdout)["warnings"] == [] and result.stderr == ""
