"""A real browser for the console's end-to-end tests: Debian's Chromium, headless."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from playwright.async_api import Browser, async_playwright

# Debian's package; .ci/run installs it. Playwright's own browser downloads are never used, so
# the tests need no internet.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Skipped only off CI; in CI a missing Chromium fails the test.
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="Debian's chromium is not installed"
)


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Yield a headless Chromium, closed on the way out."""
    if CHROMIUM is None:
        pytest.fail("CI needs Debian's chromium for the console's browser tests")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            # The sandbox needs user namespaces, which a CI container may not grant.
            args=["--no-sandbox", "--disable-dev-shm-usage"],
        )
        try:
            yield browser
        finally:
            await browser.close()
