"""Regenerate the user guides' screenshots (docs/img/) from the browser tests.

    .venv/bin/python -m tests.browser.doc_screenshots

runs the browser tests that take them (``shots(page, name, doc=True)``) with
``QINGDAN_DOC_SCREENSHOTS=1``, which copies each marked screenshot to docs/img/<name>.png.
An ordinary test run never rewrites docs/img/. Needs Chromium (``make browser``).
"""

import os
import sys

import pytest

TESTS = [
    "tests/test_browser_requests.py",
    "tests/test_browser_own_pages.py",
    "tests/test_browser_onboarding.py",
    "tests/test_calls_browser.py",
]

if __name__ == "__main__":
    os.environ["QINGDAN_DOC_SCREENSHOTS"] = "1"
    sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", *TESTS, *sys.argv[1:]]))
