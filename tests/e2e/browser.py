"""Playwright driving the distro's chromium (Playwright's own browser download
cannot be used here), and where the screenshots of a run go."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

SCREENSHOTS = Path(os.environ.get("PREFLOOP_SCREENSHOTS", ".prefloop/screenshots"))
# Headless on a closed network: no first-run work, no calls home.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    found = (
        os.environ.get("PREFLOOP_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )
    assert found, "chromium is not installed: `make setup` installs the Debian package as root"
    return found


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
