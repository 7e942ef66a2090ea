"""In an English-language browser, dates still read and type as dd/mm/yyyy; the bar is one line at 1400 px.

Reads only: nothing here changes the demo's data (test_workspace.py counts on it).
"""

import re

import pytest
from playwright.sync_api import expect

from app.demo import ACCOUNTS


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-US", "viewport": {"width": 1400, "height": 900}}


def test_a_date_field_shows_and_accepts_30_06_2026_in_an_english_browser(page, server, sign_in, shot):
    sign_in("admin@demo.parplan.vn")
    assert page.evaluate("navigator.language") == "en-US"
    page.goto(f"{server}/admin/audit")
    day_from = page.locator("input[name=day_from]")
    expect(day_from).to_have_attribute("placeholder", "dd/mm/yyyy")
    day_from.fill("30/06/2026")
    page.get_by_role("button", name="Xem").click()
    expect(page).to_have_url(re.compile(r"day_from=30%2F06%2F2026"))
    expect(page.locator("input[name=day_from]")).to_have_value("30/06/2026")
    expect(page.locator("[data-error=day_from]")).to_have_count(0)
    shot("h6-audit-dates")


def test_the_boards_cut_off_is_typed_or_picked_as_dd_mm_yyyy(page, server, sign_in, shot):
    sign_in("cchc@demo.parplan.vn")
    page.goto(f"{server}/board?year=2026")
    as_of = page.locator("input[name=as_of]")
    expect(as_of).to_have_value(re.compile(r"^\d{2}/\d{2}/2026$"))
    as_of.fill("30/06/2026")
    as_of.press("Enter")
    expect(page).to_have_url(re.compile(r"as_of=30%2F06%2F2026"))
    expect(page.locator("input[name=as_of]")).to_have_value("30/06/2026")
    page.wait_for_load_state("networkidle")  # the board's swap is over: the picker below is the one that stays
    # The calendar button opens the browser's own picker; the day picked there comes back as dd/mm/yyyy.
    expect(page.get_by_role("button", name="Chọn ngày")).to_be_visible()
    page.locator("#board-as-of .date-native").evaluate(
        "el => { el.value = '2026-06-15'; el.dispatchEvent(new Event('change', {bubbles: true})); }")
    expect(page.locator("input[name=as_of]")).to_have_value("15/06/2026")
    expect(page).to_have_url(re.compile(r"as_of=15%2F06%2F2026"))
    expect(page.locator("[role=alert]")).to_be_empty()
    shot("h6-board-as-of")


@pytest.mark.parametrize("email", [a.email for a in ACCOUNTS])
def test_the_bar_is_one_line_at_1400_px_for_every_role(page, server, sign_in, shot, email):
    sign_in(email)
    items = page.locator("header.top .brand, header.top .tagline, header nav > a, header nav summary, "
                         "header nav > form button")
    middles = {round(box["y"] + box["height"] / 2) for box in
               (items.nth(i).bounding_box() for i in range(items.count())) if box}
    assert items.count() >= 5 and max(middles) - min(middles) <= 3, middles  # side by side...
    lines = items.evaluate_all("els => els.map(e => e.getBoundingClientRect().height "
                               "/ parseFloat(getComputedStyle(e).lineHeight))")
    assert max(lines) < 1.5, lines  # ...and no item wrapped onto a second line of its own
    if email.startswith("admin"):
        page.get_by_text("Quản trị", exact=True).click()
        expect(page.get_by_role("link", name="Nhật ký hệ thống")).to_be_visible()
        shot("h6-bar-admin-menu")
