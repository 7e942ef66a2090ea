"""Creating a plan by uploading a spreadsheet: preview first, every error listed, nothing saved until confirmed."""

import datetime as dt
import re

from app.downloads import XLSX
from plans.spreadsheet import read_plan
from plans.tables import Plan
from tasks.tables import Task
from tests.builders import TaskSpec, count, make_plan


def upload(web, unit, path, year=""):
    with open(path, "rb") as fh:
        return web.post("/plans/import", {"unit": str(unit.id), "year": year},
                        files={"file": (path.name, fh.read(), XLSX)})


def test_the_preview_shows_the_plan_and_saves_nothing_until_confirmed(web, actors, shared_data):
    web.login(actors.focal_a)
    preview = upload(web, actors.unit_a, shared_data / "ke-hoach-cchc-2024-so-tu-phap.xlsx")
    assert preview.status_code == 200
    assert "7 lĩnh vực, 28 nhiệm vụ" in preview.text
    assert preview.text.count("<tr data-task>") == 28
    assert count(Plan) == 0
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', preview.text)[1]
    saved = web.post("/plans/import/confirm", {"digest": digest, "unit": str(actors.unit_a.id), "year": ""})
    assert saved.status_code == 303
    plan = Plan.objects().first().run_sync()
    assert saved.headers["location"] == f"/plans/{plan.id}"
    assert (plan.year, plan.doc_number, count(Task)) == (2024, "15/KH-STP", 28)


def test_a_file_with_errors_lists_every_row_and_offers_no_save(web, actors, shared_data):
    web.login(actors.focal_a)
    preview = upload(web, actors.unit_a, shared_data / "ke-hoach-cchc-2024-loi.xlsx")
    assert "Tệp có 4 lỗi; chưa lưu gì." in preview.text
    assert re.findall(r'data-error-row="(\d+)"', preview.text) == ["10", "11", "12", "13"]
    assert 'name="digest"' not in preview.text
    assert count(Plan) == 0


def test_confirming_a_bad_file_anyway_saves_nothing(web, actors, shared_data):
    web.login(actors.focal_a)
    preview = upload(web, actors.unit_a, shared_data / "ke-hoach-cchc-2024-loi.xlsx")
    assert preview.status_code == 200
    import hashlib

    digest = hashlib.sha256((shared_data / "ke-hoach-cchc-2024-loi.xlsx").read_bytes()).hexdigest()
    response = web.post("/plans/import/confirm", {"digest": digest, "unit": str(actors.unit_a.id), "year": ""})
    assert response.status_code == 404  # a file with errors is never kept for confirmation
    assert count(Plan) == 0 and count(Task) == 0


def test_a_file_that_is_not_a_spreadsheet_is_refused_with_the_reason(web, actors):
    web.login(actors.focal_a)
    response = web.post("/plans/import", {"unit": str(actors.unit_a.id)},
                        files={"file": ("ke-hoach.xlsx", b"MZ\x90\x00 this is not a workbook", XLSX)})
    assert "không phải là tệp Excel .xlsx" in response.text
    assert count(Plan) == 0


def test_a_forged_digest_is_refused(web, actors):
    web.login(actors.focal_a)
    response = web.post("/plans/import/confirm", {"digest": "../../etc/passwd", "unit": str(actors.unit_a.id)})
    assert response.status_code == 404
    assert count(Plan) == 0


def test_another_units_focal_point_cannot_import_into_unit_a(web, actors, shared_data):
    web.login(actors.focal_b)
    preview = upload(web, actors.unit_a, shared_data / "ke-hoach-cchc-2024-so-tu-phap.xlsx")
    assert preview.status_code == 403
    assert count(Plan) == 0


def test_the_export_is_an_official_layout_spreadsheet_that_imports_back(web, actors, tmp_path):
    plan = make_plan(actors.unit_a, 2024, {
        "Cải cách thể chế": [TaskSpec("Rà soát văn bản", dt.date(2024, 6, 30)), TaskSpec("Báo cáo", dt.date(2024, 12, 15))],
        "Cải cách TTHC": [TaskSpec("Niêm yết TTHC", dt.date(2024, 12, 31))],
    })
    web.login(actors.steering)
    response = web.get(f"/plans/{plan.id}/export.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"].startswith("attachment; filename=\"ke-hoach-cchc-2024-")
    path = tmp_path / "export.xlsx"
    path.write_bytes(response.content)
    back = read_plan(path)
    assert [f.name for f in back.fields] == ["Cải cách thể chế", "Cải cách TTHC"]
    assert [t.due for t in back.fields[0].tasks] == [dt.date(2024, 6, 30), dt.date(2024, 12, 15)]
    assert (back.year, back.doc_number, back.task_count) == (2024, "15/KH-STP", 3)


def test_another_units_file_is_previewed_with_a_warning_and_can_still_be_saved(web, actors, shared_data):
    web.login(actors.focal_b)
    preview = upload(web, actors.unit_b, shared_data / "ke-hoach-cchc-2024-so-tu-phap.xlsx")
    assert preview.status_code == 200
    warning = re.search(r'id="import-issuer-warning"[^>]*>([^<]*)<', preview.text)[1]
    assert "“15/KH-STP”, “SỞ TƯ PHÁP”" in warning and "Sở Công Thương (SCT)" in warning
    assert "kế hoạch của đơn vị khác" in warning and "vẫn có thể lưu" in warning
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', preview.text)[1]
    saved = web.post("/plans/import/confirm", {"digest": digest, "unit": str(actors.unit_b.id), "year": ""})
    assert saved.status_code == 303  # a warning, not a refusal
    assert Plan.objects().first().run_sync().unit == actors.unit_b.id


def test_a_units_own_file_is_previewed_without_a_warning(web, actors, shared_data):
    web.login(actors.focal_a)
    preview = upload(web, actors.unit_a, shared_data / "ke-hoach-cchc-2024-so-tu-phap.xlsx")
    assert "import-issuer-warning" not in preview.text
