"""Under the Content-Security-Policy, no page breaks a rule and htmx still works."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect


def _violations(page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: found.append(f"script error: {e}"))
    return found


def _same_site_links(page, server: str) -> list[str]:
    links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    paths = []
    for href in links:
        parts = urlsplit(href)
        if parts.netloc or not parts.path.startswith("/") or parts.path.endswith((".xlsx", ".csv", ".eml")):
            continue
        if "/download" in parts.path or parts.path.startswith("/evidence/") or parts.path.endswith("/file"):
            continue
        paths.append(href)
    return paths


@pytest.mark.parametrize("email", ["admin@demo.parplan.vn", "cchc@demo.parplan.vn", "daumoi.stp@demo.parplan.vn"])
def test_pages_reached_from_the_menu_and_a_plan_break_no_csp_rule(page, server, sign_in, email):
    violations = _violations(page)
    sign_in(email)
    to_visit = ["/plans", *_same_site_links(page, server)]
    page.locator("#plans a").first.click()
    to_visit += _same_site_links(page, server)[:15]
    seen = set()
    for path in to_visit:
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(f"{server}{path}")
        assert response.status < 500, path
        page.wait_for_load_state("load")
    assert len(seen) >= 8
    assert violations == []


def test_an_htmx_row_edit_works_under_the_policy(page, server, sign_in, shot):
    violations = _violations(page)
    sign_in("daumoi.sct@demo.parplan.vn")
    page.goto(f"{server}/my/tasks")
    page.evaluate("window.__marker = 'same page'")
    row = page.locator("[data-task]").first
    row.get_by_role("button", name="Cập nhật").click()
    editing = page.locator("[data-editing]")
    expect(editing).to_have_count(1)
    editing.get_by_role("button", name="Hủy").click()
    expect(page.locator("[data-editing]")).to_have_count(0)
    assert page.evaluate("window.__marker") == "same page"  # swapped in place by htmx, not reloaded
    assert violations == []
    shot("csp-my-tasks")
