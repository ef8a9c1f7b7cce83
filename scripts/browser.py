"""The real Home Assistant frontend in headless Chromium (Debian's), via Playwright.

Playwright's own browser download cannot work on these machines: it drives
the system Chromium (`executable_path`). The login is the one the frontend
keeps in localStorage (`hassTokens`), so no login form is typed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import contextlib
import json
import os
from pathlib import Path
import re
import shutil
import time
from typing import Any

from playwright.async_api import Browser, Page, async_playwright

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# What a page must never show: raw translation keys, or this integration failing.
FORBIDDEN_TEXT = [
    re.compile(r"component\.smartcar_webhooks\."),
    re.compile(r"\[%key:"),
    re.compile(r"Config flow could not be loaded"),
    re.compile(r"Unknown error occurred"),
    re.compile(r"Invalid handler specified"),
    re.compile(r"Failed to set up", re.IGNORECASE),
]


def chromium_path() -> str:
    """Debian's Chromium (CHROMIUM overrides)."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if path is None:
        raise FileNotFoundError("chromium not found: apt-get install chromium")
    return path


@contextlib.asynccontextmanager
async def browser() -> AsyncIterator[Browser]:
    """Headless Chromium; Playwright gives it a fresh, temporary profile."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium_path(), args=CHROMIUM_FLAGS
        )
        try:
            yield launched
        finally:
            await launched.close()


async def logged_in_page(browser_: Browser, base: str, tokens: dict[str, Any]) -> Page:
    """A page of the frontend, logged in with `tokens`."""
    page = await browser_.new_page(viewport={"width": 1280, "height": 860})
    stored = {
        "hassUrl": base,
        "clientId": f"{base}/",
        "access_token": tokens["access_token"],
        "refresh_token": tokens["refresh_token"],
        "token_type": "Bearer",
        "expires_in": tokens["expires_in"],
        "expires": int(time.time() * 1000) + tokens["expires_in"] * 1000,
    }
    await page.goto(f"{base}/auth/authorize")
    await page.evaluate(
        "tokens => localStorage.setItem('hassTokens', tokens)", json.dumps(stored)
    )
    return page


async def problems(page: Page) -> list[str]:
    """Forbidden texts shown anywhere on the page (shadow DOM included)."""
    found = []
    for pattern in FORBIDDEN_TEXT:
        locator = page.get_by_text(pattern)
        if count := await locator.count():
            texts = [await locator.nth(i).inner_text() for i in range(min(count, 3))]
            found.append(f"{pattern.pattern}: {texts}")
    return found


async def shoot(page: Page, path: Path) -> list[str]:
    """Screenshot the page to `path`; the problems it shows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(path))
    return await problems(page)
