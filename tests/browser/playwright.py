"""Playwright fixtures for the browser tests: Debian's Chromium, headless, no downloads.

Import the fixtures into a test module::

    from tests.browser.playwright import browser, page, shots  # noqa: F401

- ``browser`` (per module): Chromium started by Playwright from ``/usr/bin/chromium`` (or
  ``QINGDAN_CHROMIUM``). When Playwright or Chromium is missing, or Chromium cannot start,
  the tests that use it are skipped with the reason (install: ``apt-get install chromium``
  and ``pip install playwright``; ``playwright install`` is never needed).
- ``page``: a fresh browser context and page per test (desktop size).
- ``shots``: saves full-page screenshots under ``test-artifacts/browser/``; with
  ``QINGDAN_DOC_SCREENSHOTS=1`` it also copies the ones marked for the user guides to
  ``docs/img/`` (so an ordinary run never rewrites tracked files).

Playwright's sync API runs an event loop in the test's thread, which makes Django refuse
ORM calls there unless ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set; the ``browser`` fixture sets it
for the browser tests and restores it afterwards.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = os.environ.get("QINGDAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "browser"
DOC_IMAGES = Path(settings.BASE_DIR) / "docs" / "img"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright for Python is not installed (pip install playwright)")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"No Chromium at {CHROMIUM} (apt-get install chromium, or set QINGDAN_CHROMIUM)")

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except PlaywrightError as error:
            pytest.skip(f"Chromium at {CHROMIUM} could not be started: {error}")
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


class Screenshots:
    """Numbered full-page screenshots of one test."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.count = 0
        self.for_docs = os.environ.get("QINGDAN_DOC_SCREENSHOTS", "") not in ("", "0")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def __call__(self, page, name, *, doc=False):
        self.count += 1
        path = ARTIFACTS / f"{self.prefix}-{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        if doc and self.for_docs:
            DOC_IMAGES.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOC_IMAGES / f"{name}.png")
        return path


@pytest.fixture
def shots(request):
    return Screenshots(request.node.name.removeprefix("test_")[:40])


