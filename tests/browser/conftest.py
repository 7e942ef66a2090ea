"""Browser journeys: Debian's Chromium through Playwright against a real `parplan demo` server.

They run in their own pytest call (sync Playwright and other event loops do not share a process well).
A missing Chromium is a failure, never a skip.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM = os.environ.get("PARPLAN_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("PARPLAN_TEST_ARTIFACTS", "var/browser"))


@pytest.fixture(autouse=True)
def clean_tables():
    """The demo server's data is loaded once for the whole browser session; nothing is emptied between journeys."""
    yield


@pytest.fixture(scope="session")
def browser_type_launch_args():
    assert Path(CHROMIUM).exists(), f"Chromium is required for the browser tests: {CHROMIUM} is missing"
    return {"executable_path": CHROMIUM, "headless": True,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--disable-quic"]}


@pytest.fixture(scope="session")
def server(database, tmp_path_factory):
    from tests.builders import free_port

    port = free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "app.cli", "demo", "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "PARPLAN_DB_POOL": "true"})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"parplan demo exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError(f"parplan demo did not start:\n{log.read_text()}")
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def shot(page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def sign_in(page, server):
    from playwright.sync_api import expect

    from app.demo import DEMO_PASSWORD

    def go(email: str) -> None:
        page.goto(f"{server}/plans")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page).to_have_url(f"{server}/plans")

    return go
