"""Each role's own pages in a real browser (Playwright driving Debian's Chromium, headless), on
a desktop and on a 390 px phone, with a zh-CN browser: nothing is wider than the screen
(``document.documentElement.scrollWidth <= innerWidth``) and the page says what it is for.
Then the confirmation before 撤回 (withdrawing a request) and the township's report form,
which needs the responsibility chosen.

The own pages are walked on the demo county (云岭县, loaded into the live server's database);
the two steps on a small county of their own. Skipped with the reason when Playwright or
Chromium is missing (see tests/browser/playwright.py). Screenshots go to
test-artifacts/browser/; with QINGDAN_DOC_SCREENSHOTS=1 the user guides' pictures are
written to docs/img/ (``python -m tests.browser.doc_screenshots``).
"""

import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from delegations.models import Assignment, Delegation
from duties.models import Category, ListKind
from tests.browser.playwright import DESKTOP, PHONE, browser, page, shots  # noqa: F401
from tests.factories import DelegationFactory, DutyItemFactory, ListEntryFactory
from townships.models import Department

DEMO_PASSWORD = "qingdan-demo-2026"
PASSWORD = "Qingdan-test-2026"
TOWNSHIP = "999001101"  # 青石镇


def log_in(page, base, username, password):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/home/$"))


def log_out(page):
    page.click("form.inline-form[action$='/accounts/logout/'] button")
    page.wait_for_url(re.compile(r"/accounts/login/$"))


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def nav_keys(page) -> list[str]:
    return page.eval_on_selector_all("[data-nav]", "links => links.map(a => a.dataset.nav)")


@pytest.fixture
def demo(transactional_db, live_server):
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    return live_server.url


# Per role: the account, the links its navigation must have, and its own pages with a
# selector and a text each must show.
def own_pages(department_pk):
    return {
        "township": (
            f"town-{TOWNSHIP}",
            ["home", "lists", "requests", "reports", "flags"],
            [
                ("/home/", "#own-pages [data-own=check]", "这项任务在我的清单上吗"),
                (f"/townships/{TOWNSHIP}/", "h1", "青石镇"),
                (f"/townships/{TOWNSHIP}/?q=%E7%87%83%E6%B0%94", "#search-counts", "燃气"),
                ("/assignments/", "h1", "派活和报告"),
                ("/requests/", "h1", "涉及本乡镇的申请"),
            ],
        ),
        "department": (
            "dept-yjj",
            ["home", "owed", "requests", "new-request", "assignments"],
            [
                ("/home/", "#own-pages [data-own=owed]", "本部门的责任"),
                (f"/departments/{department_pk}/", "h1", "云岭县应急管理局对乡镇（街道）的责任"),
                ("/requests/new/", "#request-form legend", "方式和事项"),
                ("/assignments/", "h1", "交办登记"),
            ],
        ),
        "office": (
            "bianban",
            ["home", "review", "requests", "dashboard", "flags", "assignments"],
            [
                ("/home/", "#exports", "权责清单"),
                ("/requests/review/", "h1", "审核队列"),
                ("/assignments/new/", "#choose-department", "交办部门"),
            ],
        ),
    }


DOC_SHOTS = {
    ("department", "/departments/", DESKTOP["width"]): "department-owed",
    ("department", "/departments/", PHONE["width"]): "department-owed-phone",
    ("township", f"/townships/{TOWNSHIP}/?q=", DESKTOP["width"]): "township-search",
    ("township", "/home/", PHONE["width"]): "township-home-phone",
}


def test_each_role_s_own_pages_fit_a_desktop_and_a_phone(demo, page, shots):  # noqa: F811
    base = demo
    department = Department.objects.get(county__code="999001", code="YJJ")
    for role, (username, nav, pages) in own_pages(department.pk).items():
        log_in(page, base, username, DEMO_PASSWORD)
        assert nav_keys(page) == nav, role
        for size in (DESKTOP, PHONE):
            page.set_viewport_size(size)
            for path, selector, text in pages:
                page.goto(base + path)
                assert text in page.locator(selector).first.inner_text(), (role, path, size)
                assert fits(page), f"{role} {path} overflows at {size['width']} px"
                name = next((n for (r, p, w), n in DOC_SHOTS.items()
                             if r == role and path.startswith(p) and w == size["width"]), None)
                if name:
                    shots(page, name, doc=True)
        page.set_viewport_size(DESKTOP)
        log_out(page)


def test_the_search_counts_and_the_township_report_in_the_demo(demo, page, shots):  # noqa: F811
    base = demo
    page.goto(f"{base}/townships/{TOWNSHIP}/?q=%E6%A3%AE%E6%9E%97%E9%98%B2%E7%81%AB&list=power")
    # The power list has no 森林防火 item: the page says which lists have one.
    assert page.locator("#no-match [data-matches=territorial]").is_visible()
    page.click("#no-match [data-matches=territorial]")
    page.wait_for_selector("[data-tab=territorial][aria-current=page]")
    assert "森林防火" in page.locator("table.list").inner_text()

    log_in(page, base, f"town-{TOWNSHIP}", DEMO_PASSWORD)
    page.goto(f"{base}/townships/{TOWNSHIP}/check/")
    page.fill("#id_text", "特种设备安全检查")
    page.click("form[action$='/check/'] button[type=submit]")
    page.wait_for_selector("#report")
    assert page.locator("#report select[name=responsibility]").input_value() == ""
    page.select_option("#report select[name=department]", label="云岭县市场监督管理局")
    # Sent without the responsibility (the browser's own check turned off): refused.
    page.set_viewport_size(PHONE)
    page.eval_on_selector("#report form", "form => { form.noValidate = true; }")
    page.click("#report button[type=submit]")
    page.wait_for_selector("select[name=responsibility] ~ ul.errorlist")
    page.locator("select[name=responsibility]").scroll_into_view_if_needed()
    shots(page, "report-responsibility", doc=True)
    page.set_viewport_size(DESKTOP)
    page.select_option("select[name=responsibility]", "main")
    page.click(".report-form button[type=submit]")
    page.wait_for_url(re.compile(r"/report/\d+/$"))
    cards = page.locator(".flag-list li")
    assert cards.count() >= 1
    assert "RECLAIMED_ITEM_ASSIGNED" not in page.inner_text("main")
    assert "已收回事项再次下放乡镇" in page.inner_text("main")
    shots(page, "public-report-done", doc=True)


# --------------------------------------------------------------------------- steps


@pytest.fixture
def submitted_request(world):
    item = DutyItemFactory(county=world.county, department=world.dept_a, code="YJJ-JC-017",
                           name="危险化学品经营单位安全检查", category=Category.INSPECTION)
    return DelegationFactory(department=world.dept_a, townships=[world.township_a], duty_items=[item],
                             state=Delegation.State.SUBMITTED)


def test_withdrawing_a_request_asks_for_confirmation_first(
    live_server, page, shots, world, submitted_request  # noqa: F811
):
    base = live_server.url
    delegation = submitted_request
    log_in(page, base, "dept_a", PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/requests/{delegation.pk}/")
    page.fill("#withdraw-comment", "需重新测算编制和经费")
    page.click("#withdraw-form button[type=submit]")
    page.wait_for_selector("#confirm-form")
    assert "撤回" in page.locator("h1").inner_text()
    assert "需重新测算编制和经费" in page.locator("#confirm-facts").inner_text()
    assert fits(page)
    shots(page, "withdraw-confirm", doc=True)
    delegation.refresh_from_db()
    assert delegation.state == Delegation.State.SUBMITTED, "nothing happens before the confirmation"

    page.click("#cancel")
    page.wait_for_url(re.compile(rf"/requests/{delegation.pk}/$"))
    delegation.refresh_from_db()
    assert delegation.state == Delegation.State.SUBMITTED

    page.fill("#withdraw-comment", "需重新测算编制和经费")
    page.click("#withdraw-form button[type=submit]")
    page.click("#confirm")
    page.wait_for_selector(".state--withdrawn")
    delegation.refresh_from_db()
    assert delegation.state == Delegation.State.WITHDRAWN


def test_the_township_report_needs_the_responsibility_chosen(
    live_server, page, shots, world  # noqa: F811
):
    item = DutyItemFactory(county=world.county, department=world.dept_a, code="QT001", name="森林防火巡查")
    ListEntryFactory(kind=ListKind.TERRITORIAL, item=item)
    base = live_server.url
    log_in(page, base, "township_a", PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/townships/{world.township_a.code}/report/")
    page.select_option("select[name=department]", world.dept_a.code)
    page.fill("input[name=title]", "落实森林防火主体责任")
    page.fill("input[name=duty_item]", "QT001")
    assert page.locator("select[name=responsibility]").input_value() == ""
    # The browser itself asks for it (the field is required)...
    page.click(".report-form button[type=submit]")
    assert page.eval_on_selector("select[name=responsibility]", "e => e.validity.valueMissing")
    assert page.url.endswith("/report/")
    # ...and so does the server, with a clear message, when the browser does not check.
    page.eval_on_selector(".report-form", "form => { form.noValidate = true; }")
    page.click(".report-form button[type=submit]")
    error = page.locator("select[name=responsibility] ~ ul.errorlist")
    error.wait_for()
    assert "主体责任还是配合责任" in error.inner_text()
    assert fits(page)
    shots(page, "report-responsibility-refused")
    assert not Assignment.objects.exists()

    page.select_option("select[name=responsibility]", "main")
    page.click(".report-form button[type=submit]")
    page.wait_for_url(re.compile(r"/report/\d+/$"))
    assert Assignment.objects.get().responsibility == Assignment.Responsibility.MAIN
    assert "主体责任转嫁乡镇" in page.inner_text("main")
    assert Assignment.objects.get().assigned_on == timezone.localdate()
