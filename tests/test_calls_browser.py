"""Calls in a real browser (Playwright driving Debian's Chromium, headless, on a 390 px phone
viewport): a township calls the lead department from a row of its territorial list; the
department accepts and reports; the township confirms; the office sees the call answered in
time. A second call runs past its deadline and shows as overdue on the office's page and on
the department's home page.

Skipped with the reason when Playwright or Chromium is missing (tests/browser/playwright.py).
Screenshots go to test-artifacts/browser/.
"""

import datetime
import re

import pytest
from django.utils import timezone

from delegations.calls import services as calls
from delegations.models import Call
from duties.models import ListKind
from tests.browser.playwright import PHONE, TIMEOUT_MS, browser, shots  # noqa: F401
from tests.factories import DutyItemFactory, ListEntryFactory

PASSWORD = "Qingdan-test-2026"
FOUND = "河道内有人非法采砂，已劝阻未果"


@pytest.fixture
def phone(browser):  # noqa: F811
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def entry(world):
    item = DutyItemFactory(county=world.county, department=world.dept_a, code="T100",
                           name="河道非法采砂巡查报告")
    return ListEntryFactory(kind=ListKind.TERRITORIAL, item=item, townships=[world.township_a],
                            cooperating_departments="农业农村局")


def log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/home/$"))


def log_out(page):
    page.click("form.inline-form[action$='/accounts/logout/'] button")
    page.wait_for_url(re.compile(r"/accounts/login/$"))


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_township_calls_from_its_phone_and_the_department_answers_in_time(
    live_server, phone, shots, world, entry  # noqa: F811
):
    base, page = live_server.url, phone

    # --- The township calls from a row of its territorial list --------------------------
    log_in(page, base, "township_a")
    page.goto(f"{base}/townships/{world.township_a.code}/?list=territorial")
    shots(page, "call-territorial-row-phone")
    page.click(f"[data-call-entry='{entry.pk}']")
    page.wait_for_url(re.compile(r"/calls/new/\?entry="))
    assert page.locator("[data-goes-to='YJJ']").count() == 1
    page.fill("#id_found", FOUND)
    page.fill("#id_place", "东河村段")
    shots(page, "call-new-phone", doc=True)
    assert fits(page)
    page.click("#call-submit")
    page.wait_for_url(re.compile(r"/calls/\d+/$"))
    call = Call.objects.get()
    assert (call.status, call.lead_department, call.cooperating_departments.get()) == (
        "routed", world.dept_a, world.dept_b)
    log_out(page)

    # --- The department accepts and reports ------------------------------------------------
    log_in(page, base, "dept_a")
    assert page.locator("[data-count='calls_to_accept'] b").inner_text() == "1"
    page.goto(f"{base}/calls/")
    page.fill(f"#id_c{call.pk}-accept-note", "已安排执法中队")
    page.click(f"#call-{call.pk}-accept button[type=submit]")
    page.wait_for_selector(".messages")
    page.fill(f"#id_c{call.pk}-report-report", "已到场处置，没收采砂工具")
    shots(page, "call-report-phone", doc=True)
    assert fits(page)
    page.click(f"#call-{call.pk}-report button[type=submit]")
    page.wait_for_selector(".messages")
    call.refresh_from_db()
    assert call.status == "reported"
    log_out(page)

    # --- The township confirms -----------------------------------------------------------
    log_in(page, base, "township_a")
    assert page.locator("[data-count='calls_to_confirm'] b").inner_text() == "1"
    page.goto(f"{base}/calls/")
    assert "已到场处置，没收采砂工具" in page.content()
    page.click(f"#call-{call.pk}-confirm button[type=submit]")
    page.wait_for_selector(".messages")
    call.refresh_from_db()
    assert call.status == "confirmed"
    log_out(page)

    # --- A second call runs past its deadline ------------------------------------------------
    late = calls.file_call(world.township_a_user, entry=entry, found="采砂船夜间作业",
                           now=timezone.now() - datetime.timedelta(days=30))
    assert late.is_overdue()

    # --- The office sees the first answered in time, the second overdue ---------------------
    log_in(page, base, "office")
    assert page.locator("[data-count='calls_overdue'] b").inner_text() == "1"
    page.goto(f"{base}/calls/")
    row = page.locator("#call-figures tr[data-department='YJJ']")
    assert row.locator("[data-figure='in_time']").inner_text() == "1"
    assert row.locator("[data-figure='overdue']").inner_text() == "1"
    assert page.locator(f"#call-{late.pk} [data-overdue]").count() == 1
    shots(page, "call-office-phone", doc=True)
    log_out(page)

    # --- The department's home page shows it overdue -------------------------------------
    log_in(page, base, "dept_a")
    assert page.locator("[data-count='calls_overdue'] b").inner_text() == "1"
    page.goto(f"{base}/calls/")
    assert page.locator(f"#call-{late.pk} [data-overdue]").count() == 1
    shots(page, "call-department-overdue-phone")
