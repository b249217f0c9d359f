"""Driving the dashboard in Debian's headless Chromium: the browser, the two screen sizes
every page must fit, sign-in, and screenshots into artifacts/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect, sync_playwright

from tests.cli.live import LiveApi

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SCREENS = {"desktop": DESKTOP, "phone": PHONE}
# Builds take a second or two; a live log may wait for its gate. Generous, never asserted on.
WAIT_MS = 60_000


@contextmanager
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's Chromium is missing: apt-get install -y chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def accept(dialog: Dialog) -> None:
    dialog.accept()


def sign_in(page: Page, api: LiveApi, token: str) -> None:
    page.goto(f"{api.url}/dashboard/")
    expect(page).to_have_url(re.compile(r"/dashboard/login\?next="))
    page.fill("#token", token)
    page.click("button[type=submit]")


def fits_the_screen(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def looked_at(page: Page, name: str, screen: str) -> None:
    """Nothing scrolls sideways, at either size; then a screenshot for people to look at."""
    assert fits_the_screen(page), f"{name} scrolls sideways at the {screen}'s width"
    shot(page, f"{name}-{screen}")


def open_settings(page: Page, api: LiveApi, name: str) -> None:
    page.goto(f"{api.url}/dashboard/projects/{name}")
    page.click("#settings-link")
    expect(page.locator("h1")).to_have_text("Settings")
