"""An amendment's life in the browser: Sở Tư pháp's focal point drafts one cancelling a task of this year's plan,
the head submits it, the secretariat returns it with a comment, the head reads the comment and submits it again,
the secretariat approves it, and the board at 31/12 counts one task fewer.

It amends this year's plan only: the 2024 plan the other journeys read stays at 26/28.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from playwright.sync_api import expect

from app import clock
from tests.builders import PDF

STP_ROW = "tr[data-unit=STP]"
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


def board_ratio(page, server, year: int) -> tuple[int, int, str]:
    page.goto(f"{server}/board?year={year}&as_of={year}-12-31")
    text = page.locator(STP_ROW).locator(".ratio-cell").inner_text()
    done, total, percent = re.search(r"(\d+)/(\d+) — ([\d,]+%)", text).groups()
    return int(done), int(total), percent


def percent(done: int, total: int) -> str:
    """As the board writes it: two decimals, half up, a decimal comma."""
    value = (Decimal(done) * 100 / Decimal(total)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{value}%".replace(".", ",")


def shots(page, shot, name: str) -> None:
    """The page on a desktop and on a 390px phone."""
    shot(f"{name}-desktop")
    page.set_viewport_size(PHONE)
    shot(f"{name}-390")
    page.set_viewport_size(DESKTOP)


def test_an_amendment_cancels_a_task_after_a_return_and_the_board_follows(page, server, sign_in, shot):
    page.set_viewport_size(DESKTOP)
    broken: list[str] = []  # the pages and their htmx swaps break no Content-Security-Policy rule
    page.on("console", lambda m: broken.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: broken.append(f"script error: {e}"))
    today = clock.today()
    year = today.year
    sign_in("cchc@demo.parplan.vn")
    done, total, _ = board_ratio(page, server, year)

    # The focal point drafts: one change cancelling a task; a second row added by htmx, then removed.
    page.context.clear_cookies()
    sign_in("daumoi.stp@demo.parplan.vn")
    page.get_by_role("link", name=f"Kế hoạch cải cách hành chính năm {year}").first.click()
    summary = page.locator("#amendment-summary")
    expect(summary).to_contain_text("Điều chỉnh kế hoạch (")
    plan_url = page.url
    summary.get_by_role("link", name="Lập văn bản điều chỉnh").click()
    page.locator("input[name=number]").fill("25/KH-STP")
    page.locator("input[name=date]").fill(today.replace(day=1).strftime("%d/%m/%Y"))  # effective from the 1st
    page.locator("textarea[name=reason]").fill("Nhiệm vụ đã được giao Sở Nội vụ chủ trì theo chỉ đạo của UBND tỉnh")
    change = page.locator("fieldset.change").first
    task_select = change.locator("select[name=c-0-task]")
    task_select.select_option(index=1)
    task_label = task_select.locator("option:checked").inner_text()
    cancelled = task_label.split(" · ", 1)[1].rstrip(".…")
    change.get_by_label("Lý do hủy").fill("Chuyển Sở Nội vụ chủ trì")
    page.get_by_role("button", name="+ Điều chỉnh nội dung").click()
    edit = page.locator("fieldset.change").nth(1)
    expect(edit.locator("legend")).to_have_text("2. Điều chỉnh nội dung")
    # htmx has set up the new row's select (a change made before that would send nothing)
    page.wait_for_function("() => { const s = document.querySelectorAll('fieldset.change')[1]?.querySelector('select');"
                           " return !!(s && s['htmx-internal-data'] && s['htmx-internal-data'].initHash); }")
    edit.locator("select").select_option(index=2)  # the row comes back with the task's wording to change
    expect(page.locator("fieldset.change").nth(1).locator("textarea")).not_to_have_value("")
    shots(page, shot, "amendment-form")
    page.locator("fieldset.change").nth(1).get_by_role("button", name="Bỏ nội dung này").click()
    expect(page.locator("fieldset.change")).to_have_count(1)
    expect(page.locator("input[name=number]")).to_have_value("25/KH-STP")  # what was typed stays
    page.locator("input[name=number]").press("Enter")  # saves, rather than removing a row
    expect(page.locator("[data-amendment-status]")).to_have_text("Dự thảo")
    expect(page.locator("[data-missing-file]")).to_contain_text("Chưa có bản ký")
    expect(page.locator("ol.changes")).to_contain_text(f"Hủy nhiệm vụ {task_label.split(' · ')[0]}")
    amendment_url = page.url
    assert re.search(r"/amendments/\d+$", amendment_url)
    expect(page.get_by_role("button", name="Trình phê duyệt")).to_have_count(0)  # the head submits
    shots(page, shot, "amendment-draft")

    # The head submits.
    page.context.clear_cookies()
    sign_in("giamdoc.stp@demo.parplan.vn")
    page.goto(amendment_url)
    page.get_by_role("button", name="Trình phê duyệt").click()
    expect(page.locator("[data-amendment-status]")).to_have_text("Chờ phê duyệt")

    # The secretariat returns it with a comment.
    page.context.clear_cookies()
    sign_in("cchc@demo.parplan.vn")
    page.goto(amendment_url)
    page.get_by_label("Ý kiến gửi đơn vị").fill("Đề nghị đính kèm bản ký của văn bản điều chỉnh.")
    page.get_by_role("button", name="Trả lại để chỉnh sửa").click()
    expect(page.locator("[data-amendment-status]")).to_have_text("Trả lại để chỉnh sửa")

    # The head sees the comment, attaches the signed document and submits again.
    page.context.clear_cookies()
    sign_in("giamdoc.stp@demo.parplan.vn")
    page.goto(amendment_url)
    expect(page.locator("[data-returned-comment]")).to_contain_text("Đề nghị đính kèm bản ký")
    shots(page, shot, "amendment-returned")
    page.locator("input[type=file][name=files]").set_input_files(
        {"name": "25-KH-STP.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.get_by_role("button", name="Tải lên").click()
    expect(page.locator("[data-file]")).to_have_text("25-KH-STP.pdf")
    page.get_by_role("button", name="Trình phê duyệt lại").click()
    expect(page.locator("[data-amendment-status]")).to_have_text("Chờ phê duyệt")

    # The secretariat approves: the task is cancelled from the amendment's date.
    page.context.clear_cookies()
    sign_in("cchc@demo.parplan.vn")
    page.goto(amendment_url)
    page.get_by_role("button", name="Phê duyệt: áp dụng các điều chỉnh").click()
    expect(page.locator("[data-amendment-status]")).to_have_text("Đã phê duyệt")
    expect(page.locator("#amendment-history li")).to_have_count(6)
    shots(page, shot, "amendment-approved")

    # The plan's list of amendments with their documents.
    page.goto(f"{plan_url}/amendments")
    expect(page.locator("#amendments tr[data-amendment]").first).to_contain_text("Đã phê duyệt")
    shots(page, shot, "amendment-list")

    # The plan page marks the cancelled task; the plan as issued still lists it open.
    page.goto(plan_url)
    row = page.locator("[data-task]", has=page.locator("[data-mark=cancelled]"))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(cancelled)
    day = today.replace(day=1).strftime("%d/%m/%Y")
    expect(row.locator("[data-mark=cancelled]")).to_contain_text(f"Hủy theo 25/KH-STP ngày {day}")
    shots(page, shot, "amendment-plan-page")
    page.get_by_role("link", name="Kế hoạch như ban hành và sau điều chỉnh").click()
    expect(page.locator("tr.changed-task")).to_have_count(1)
    shots(page, shot, "amendment-as-issued")

    # The board at 31/12 counts one task fewer, the same done.
    assert board_ratio(page, server, year) == (done, total - 1, percent(done, total - 1))
    expect(page.locator(STP_ROW)).to_contain_text(f"{done}/{total - 1} — {percent(done, total - 1)}")
    assert broken == []
