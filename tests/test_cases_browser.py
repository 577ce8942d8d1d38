"""The response loop in a real browser (Playwright driving Debian's Chromium, headless): the
office sends a department a correction notice about a case; the department answers by filing
an admission request; the office approves it; the case closes itself as resolved by the data;
the township reads the whole history on the case's page.

Skipped with the reason when Playwright or Chromium is missing (tests/browser/playwright.py).
Screenshots go to test-artifacts/browser/.
"""

import re

import pytest
from django.utils import timezone

from delegations.models import Assignment, Case, Delegation
from duties.models import Category
from tests.browser.playwright import browser, page, shots  # noqa: F401
from tests.factories import AssignmentFactory, DutyItemFactory

PASSWORD = "Qingdan-test-2026"
ITEM_NAME = "危险化学品经营单位安全检查"


@pytest.fixture(autouse=True)
def tmp_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def case(world):
    """Work handed to 东城镇 that is on none of its lists: one open case."""
    item = DutyItemFactory(
        county=world.county, department=world.dept_a, code="YJJ-JC-017", name=ITEM_NAME,
        category=Category.INSPECTION,
    )
    assignment = AssignmentFactory(
        department=world.dept_a, townships=[world.township_a], duty_item=item,
        title="开展危险化学品经营单位安全检查", channel=Assignment.Channel.NOTICE,
        assigned_on=timezone.localdate(),
    )
    return Case.objects.get(subject=f"assignment:{assignment.pk}:{world.township_a.pk}")


def log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/home/$"))


def log_out(page):
    page.click("form.inline-form[action$='/accounts/logout/'] button")
    page.wait_for_url(re.compile(r"/accounts/login/$"))


def test_notice_answer_by_admission_request_approval_resolves_the_case(
    live_server, page, shots, world, case  # noqa: F811
):
    base = live_server.url
    case_page = f"{base}/dashboard/flags/?case={case.pk}"

    # --- The office sends the correction notice ------------------------------------------
    log_in(page, base, "office")
    page.goto(f"{base}/dashboard/flags/")
    page.click(f"#case-{case.pk} h2 a")
    page.wait_for_url(re.compile(rf"\?case={case.pk}$"))
    page.fill("#id_notify-note", "该事项不在东城镇清单内，请撤回交办或依程序申请准入")
    shots(page, "case-notify")
    page.click("#notify-submit")
    page.wait_for_selector(".messages")
    case.refresh_from_db()
    assert case.status == Case.Status.NOTIFIED and case.due_on
    log_out(page)

    # --- The department files an admission request and answers with it -------------------
    log_in(page, base, "dept_a")
    page.goto(case_page)
    assert "请撤回交办或依程序申请准入" in page.content()
    page.click("text=提出准入申请")
    page.wait_for_url(re.compile(r"/requests/new/$"))
    page.check("input[name=mode][value=assign]")
    page.fill("#search-duty_items", "危险化学品")
    page.locator(".picker__result", has_text=ITEM_NAME).click()
    page.check(f"input[name=townships][value='{world.township_a.pk}']")
    page.fill("#id_reason", "东城镇危险化学品经营单位集中，乡镇就近检查更及时")
    page.fill("#id_legal_basis", "《危险化学品安全管理条例》第六条")
    page.fill("#id_staff_posts", "1")
    page.fill("#id_funding_wan_yuan", "5")
    page.click("#submit-request")
    page.wait_for_url(re.compile(r"/requests/\d+/$"))
    request = Delegation.objects.get()
    page.goto(case_page)
    page.check("input[name=answer-answer][value=admission_requested]")
    page.select_option("#id_answer-delegation", str(request.pk))
    page.fill("#id_answer-note", "已按程序提出准入申请")
    shots(page, "case-answer")
    page.click("#answer-submit")
    page.wait_for_selector(".messages")
    case.refresh_from_db()
    assert (case.status, case.answer_delegation) == (Case.Status.ANSWERED, request)
    log_out(page)

    # --- The office approves the request: the case closes itself ------------------------
    log_in(page, base, "office")
    page.goto(f"{base}/requests/{request.pk}/")
    page.check("input[name=result][value=passed]")
    page.click("#record-review")
    page.wait_for_selector("#legal-review-state.state--passed")
    page.check("input[name=decision][value=approve]")
    page.fill("#decision-decision_no", "示编委〔2026〕7号")
    page.click("#decide")
    page.wait_for_selector(".state--approved")
    case.refresh_from_db()
    assert (case.status, case.resolution) == (Case.Status.CLOSED, Case.Resolution.RESOLVED_BY_DATA)
    assert case.close_note.startswith("批准 示编委〔2026〕7号")
    log_out(page)

    # --- The township reads the whole exchange ------------------------------------------
    log_in(page, base, "township_a")
    page.goto(case_page)
    history = page.locator("ol.history").inner_text()
    for text in ("发现问题", "整改通知", "部门答复：已申请准入", "已按程序提出准入申请", "数据已纠正：批准 示编委〔2026〕7号"):
        assert text in history or text in page.content(), text
    assert page.locator("form#close-form").count() == 0
    shots(page, "case-township-history")
