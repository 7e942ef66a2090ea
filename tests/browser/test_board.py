"""The steering committee's board: open it, filter a block, drill into Sở Tư pháp down to the evidence, export.

Runs first among the journeys (file order), while Sở Tư pháp's 2024 plan still stands at 26/28.
"""

import re

from openpyxl import load_workbook
from playwright.sync_api import expect

STP_ROW = "tr[data-unit=STP]"
DEPARTMENTS = "Khối sở, ban, ngành"


def test_the_steering_member_filters_the_board_drills_into_a_unit_and_exports(page, server, sign_in, shot, tmp_path):
    sign_in("bcd@demo.parplan.vn")
    page.get_by_role("link", name="Bảng theo dõi tiến độ").click()
    expect(page.get_by_role("heading", name="Bảng theo dõi tiến độ")).to_be_visible()

    # 2024 at its year-end cut-off, then only the departments' block: htmx swaps the board and keeps the address.
    page.get_by_label("Năm").select_option("2024")
    expect(page.locator(".board-banner")).to_contain_text("Số liệu tính đến ngày 31/12/2024")
    expect(page.locator("tbody[data-block='Khối xã, phường']")).to_have_count(1)
    page.get_by_label("Khối").select_option(DEPARTMENTS)
    expect(page.locator("tbody[data-block='Khối xã, phường']")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"block=Kh%E1%BB%91i"))
    row = page.locator(STP_ROW)
    expect(row).to_contain_text("26/28 — 92,86%")
    expect(row).to_contain_text("Xuất sắc")
    assert "92,86%" in page.locator("svg[role=img]").first.get_attribute("aria-label")
    shot("board-departments")

    # Each number explains itself: the formula as its title, the tasks behind it on a click.
    assert "26/28" in row.locator(".ratio-cell").get_attribute("title")
    row.locator("td").nth(5).get_by_role("link").click()  # in progress within the deadline: V.3 and VII.3
    details = page.locator("#board-details")
    expect(details).to_contain_text("Sở Tư pháp — Đang thực hiện trong hạn")
    expect(details.locator("tr[data-task]")).to_have_count(2)
    row.get_by_role("link", name="2,00").click()  # the completion points
    expect(details).to_contain_text("26/28 = 92,86% thuộc mức từ 90% trở lên: 2,00 điểm")

    # Unit → plan at the cut-off → task → evidence.
    row.get_by_role("link", name="Sở Tư pháp").click()
    expect(page.locator("body")).to_contain_text("Số liệu tính đến ngày 31/12/2024")
    expect(page.locator("#plan-ratio")).to_contain_text("26/28")
    page.locator("[data-task]").first.get_by_role("link").first.click()
    expect(page.locator("[data-evidence]").first).to_be_visible()
    shot("board-drill-evidence")

    # Back to the filtered board, and export what it shows.
    page.go_back()
    page.go_back()
    expect(page.locator(STP_ROW)).to_contain_text("26/28")
    with page.expect_download() as download:
        page.get_by_role("link", name="Xuất Excel").click()
    assert download.value.suggested_filename == "bang-theo-doi-2024-den-2024-12-31.xlsx"
    path = tmp_path / "board.xlsx"
    download.value.save_as(path)
    cells = [str(c) for r in load_workbook(path).active.iter_rows(values_only=True) for c in r if c is not None]
    assert any("31/12/2024" in c for c in cells)
    assert any(DEPARTMENTS in c for c in cells)
    assert "Sở Tư pháp" in cells and "26/28" in cells
    assert not any(c.startswith("Xã ") or c.startswith("Phường ") for c in cells)
