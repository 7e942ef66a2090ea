import re

from playwright.sync_api import expect



def test_anonymous_visitors_are_sent_to_the_login_page(page, server):
    page.goto(f"{server}/plans")
    expect(page).to_have_url(re.compile(r"/login\?next=/plans$"))


def test_the_stp_focal_point_opens_the_2024_plan_and_sees_26_of_28(page, server, shot, sign_in):
    sign_in("daumoi.stp@demo.parplan.vn")
    expect(page.locator("#plans tbody tr")).to_have_count(3)  # 2024, last year and this year
    page.get_by_role("link", name="Kế hoạch cải cách hành chính năm 2024").click()
    expect(page.locator("[data-field]")).to_have_count(7)
    expect(page.locator("[data-task]")).to_have_count(28)
    expect(page.locator("#plan-ratio")).to_contain_text("26/28 (92,86%)")
    expect(page.locator("body")).to_contain_text("7 lĩnh vực, 28 nhiệm vụ")
    expect(page.locator("body")).to_contain_text("15/KH-STP")
    shot("stp-plan")


def test_adding_a_task_swaps_the_plan_in_place_and_updates_the_ratio(page, server, shot, sign_in):
    """Tasks are added by hand to a draft: next year's plan, which the focal point starts in December (an issued
    plan takes new tasks only through an amendment, tests/browser/test_amendments.py)."""
    import datetime as dt

    sign_in("daumoi.sct@demo.parplan.vn")
    page.goto(f"{server}/plans/new")
    page.get_by_label("Năm", exact=True).fill(str(dt.date.today().year + 1))
    page.get_by_label("Tên kế hoạch").fill("Kế hoạch cải cách hành chính năm sau")
    page.get_by_role("button", name="Tạo kế hoạch").click()
    page.locator("summary", has_text="Thêm lĩnh vực").click()
    page.get_by_label("Tên lĩnh vực").fill("Cải cách thủ tục hành chính")
    page.locator("form[action$='/fields'] button[type=submit]").click()
    expect(page.locator("[data-field]")).to_have_count(1)
    ratio_before = page.locator("#plan-ratio strong").inner_text()
    done, counted = map(int, ratio_before.split(" ")[0].split("/"))
    page.evaluate("window.__marker = 'same page'")  # survives only if htmx swaps without a reload
    field = page.locator("[data-field]").first
    field.locator("summary", has_text="Thêm nhiệm vụ").click()
    field.get_by_label("Nhiệm vụ").fill("Nhiệm vụ thêm trong trình duyệt")
    field.get_by_label("Thời hạn").fill("Theo chỉ đạo")
    field.get_by_role("button", name="Thêm nhiệm vụ").click()
    expect(page.locator('[data-error="due_text"]')).to_contain_text("Không đọc được thời hạn")
    field = page.locator("[data-field]").first
    field.get_by_label("Thời hạn").fill("Quý IV")  # the plan's own year
    field.get_by_role("button", name="Thêm nhiệm vụ").click()
    expect(page.locator("[data-task]", has_text="Nhiệm vụ thêm trong trình duyệt")).to_have_count(1)
    expect(page.locator("#plan-ratio")).to_contain_text(f"{done}/{counted + 1}")
    assert page.evaluate("window.__marker") == "same page"
    shot("sct-task-added")
