"""Printing: a township list printed to PDF by headless Chromium has the official layout
(title, date line, table header on every page, page numbers). Skipped where Chromium or
poppler's pdftotext is not installed."""

import shutil
import subprocess

import pytest

from tests.factories_public import sample_lists

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
PDFTOTEXT = shutil.which("pdftotext")

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and PDFTOTEXT), reason="needs chromium and pdftotext (poppler-utils)"
)


def print_to_pdf(url, out, profile):
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            url,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def test_a_printed_township_list_has_title_date_table_and_page_numbers(
    live_server, transactional_db, world, tmp_path
):
    entries = sample_lists(world.county)
    # Enough rows for several pages.
    from tests.factories import ListEntryFactory

    for i in range(60):
        ListEntryFactory(item__county=world.county, item__code=f"Z{i:03d}", item__name=f"打印测试事项{i}")
    url = f"{live_server.url}/townships/{world.township_a.code}/?list=power"
    pdf = tmp_path / "list.pdf"
    print_to_pdf(url, pdf, tmp_path / "profile")
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = text.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 2
    assert f"{world.county.name}{world.township_a.name}" in pages[0]  # the title
    assert entries["P001"].item.name in text
    for number, page in enumerate(pages, start=1):
        foot = page.strip().splitlines()[-1]
        assert f"Page {number} of {len(pages)}" in foot or f"第 {number} 页" in foot
        assert "P0" in page or "Z0" in page  # table rows on every page
        assert "No." in page or "序号" in page  # the table header repeats on every page
    # Nothing of the screen chrome is printed.
    assert "qingdan" not in pages[0].splitlines()[0]
