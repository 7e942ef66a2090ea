"""The focal point's year: evidence, marking done, the ratio following; other units kept out.

Runs after test_journeys.py (file order): it marks one of Sở Tư pháp's overdue tasks of this year done (2024 is
closed and stays at 26/28).
"""

import datetime as dt
import os
import subprocess
import sys

import httpx
from playwright.sync_api import expect

PDF_NAME = "Báo cáo kết quả kiểm tra kỷ luật.pdf"


def open_stp_plan(page, server):
    page.goto(f"{server}/plans?all=true&q=tu+phap")
    page.get_by_role("link", name="Kế hoạch cải cách hành chính năm 2024").click()


def test_the_focal_point_marks_a_task_done_with_a_pdf_and_the_ratio_follows(page, server, sign_in, shot, tmp_path):
    sign_in("daumoi.stp@demo.parplan.vn")
    open_stp_plan(page, server)
    # 2024 is closed: its figures are final and no task of it can be updated any more.
    expect(page.locator("#plan-ratio")).to_contain_text("26/28 (92,86%)")
    expect(page.locator("body")).to_contain_text("Năm 2024 đã khóa sổ")
    expect(page.get_by_role("button", name="Cập nhật")).to_have_count(0)

    # This year's plan: an overdue task, proved by a PDF, then marked done.
    year = dt.date.today().year
    page.goto(f"{server}/plans")
    page.get_by_role("link", name=f"Kế hoạch cải cách hành chính năm {year}").click()
    done, counted = map(int, page.locator("#plan-ratio strong").inner_text().split(" ")[0].split("/"))
    row = page.locator("[data-task]", has_text="Quá hạn").first
    task_row = f"#{row.get_attribute('id')}"
    row.get_by_role("link").first.click()

    pdf = tmp_path / PDF_NAME
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    page.set_input_files("input[name=files]", str(pdf))
    page.get_by_label("Số/ký hiệu").fill("45/BC-STP")
    page.get_by_role("button", name="Tải lên").click()
    expect(page.locator("[data-evidence]")).to_contain_text("45/BC-STP")
    with page.expect_download() as download:
        page.locator("[data-evidence] a", has_text=PDF_NAME).click()
    assert download.value.suggested_filename == PDF_NAME
    assert open(download.value.path(), "rb").read() == pdf.read_bytes()
    shot("task-evidence")

    page.locator(".crumbs a", has_text=f"Kế hoạch cải cách hành chính năm {year}").click()
    page.locator(task_row).get_by_role("button", name="Cập nhật").click()
    editing = page.locator("tr[data-editing]")
    editing.get_by_label("Trạng thái").select_option("done")
    editing.get_by_role("button", name="Lưu").click()
    expect(page.locator("#plan-ratio")).to_contain_text(f"{done + 1}/{counted} (")
    expect(page.locator(task_row)).to_contain_text("Hoàn thành trễ hạn")
    shot("stp-task-done")


def test_another_units_focal_point_gets_no_edit_controls_and_the_api_refuses_it(page, server, sign_in):
    sign_in("daumoi.sct@demo.parplan.vn")
    open_stp_plan(page, server)
    expect(page.locator("[data-task]")).to_have_count(28)
    expect(page.get_by_role("button", name="Cập nhật")).to_have_count(0)
    task_id = page.locator("[data-task]").first.get_attribute("id").removeprefix("task-")

    token = subprocess.run([sys.executable, "-m", "app.cli", "token", "create", "daumoi.sct@demo.parplan.vn"],
                           capture_output=True, text=True, check=True, env=os.environ.copy()).stdout.strip()
    headers = {"Authorization": f"Bearer {token}"}
    response = httpx.patch(f"{server}/api/tasks/{task_id}", json={"version": 1, "progress": 5}, headers=headers)
    assert response.status_code == 403
    plans = httpx.get(f"{server}/api/plans?year=2024", headers=headers).json()
    assert [p["unit"] for p in plans] == ["SCT"]  # the caller's scope is its own unit
