"""The whole request path in a real browser (Playwright driving Debian's Chromium, headless):
a department files and submits a request, a township objects, the office approves; the items
then show on the township's lists and the flag on the work handed down before disappears.

Skipped with the reason when Playwright or Chromium is missing (see tests/browser/playwright.py).
Screenshots of every page go to test-artifacts/browser/ (and, with QINGDAN_DOC_SCREENSHOTS=1,
the user guides' pictures to docs/img/).
"""

import re

import pytest
from django.utils import timezone

from delegations.flags import FlagQuery
from delegations.models import Assignment, Delegation, TownshipOpinion
from duties.models import Category, ListEntry, ListKind
from tests.browser.playwright import PHONE, browser, page, shots  # noqa: F401
from tests.factories import AssignmentFactory, DutyItemFactory, ListEntryFactory

PASSWORD = "Qingdan-test-2026"
ITEM_NAME = "危险化学品经营单位安全检查"


@pytest.fixture(autouse=True)
def fast_passwords_and_tmp_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def scene(world):
    """A catalog with a few items, and work already handed to 东城镇 that is on none of its
    lists (so UNLISTED_ASSIGNMENT flags it)."""
    item = DutyItemFactory(
        county=world.county, department=world.dept_a, code="YJJ-JC-017", name=ITEM_NAME,
        category=Category.INSPECTION, legal_basis="《危险化学品安全管理条例》第六条",
    )
    DutyItemFactory(
        county=world.county, department=world.dept_a, code="YJJ-JC-018", name="烟花爆竹经营安全检查",
        category=Category.INSPECTION,
    )
    other = DutyItemFactory(
        county=world.county, department=world.dept_a, code="YJJ-XK-001", name="危险化学品经营许可",
        category=Category.LICENSING,
    )
    ListEntryFactory(item=other)  # already on every township's power list
    assignment = AssignmentFactory(
        department=world.dept_a,
        townships=[world.township_a],
        title="开展危险化学品经营单位安全检查",
        duty_item=item,
        channel=Assignment.Channel.NOTICE,
        assigned_on=timezone.localdate(),
    )
    return {"item": item, "assignment": assignment}


def unlisted_flags(world, assignment):
    flags = list(FlagQuery(township=world.township_a, rules="UNLISTED_ASSIGNMENT"))
    return [f for f in flags if f.assignment == assignment.pk]


def log_in(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/home/$"))


def log_out(page):
    page.click("form.inline-form[action$='/accounts/logout/'] button")
    page.wait_for_url(re.compile(r"/accounts/login/$"))


def test_department_request_is_objected_to_and_approved_in_the_browser(
    live_server, page, shots, world, scene  # noqa: F811
):
    base = live_server.url
    item, assignment = scene["item"], scene["assignment"]
    assert unlisted_flags(world, assignment), "the work handed down is flagged before approval"

    # --- The department files and submits the request --------------------------------------
    page.goto(f"{base}/accounts/login/")
    shots(page, "login", doc=True)
    log_in(page, base, "dept_a")
    shots(page, "department-home", doc=True)

    page.goto(f"{base}/requests/new/")
    page.check("input[name=mode][value=assign]")
    page.fill("#search-duty_items", "危险化学品")
    page.locator(".picker__result", has_text=ITEM_NAME).click()
    assert page.locator(f".picker__picked input[value='{item.pk}']").is_checked()
    page.check(f"input[name=townships][value='{world.township_a.pk}']")
    page.fill("#id_reason", "东城镇危险化学品经营单位集中，乡镇就近检查更及时")
    page.fill("#id_legal_basis", "《危险化学品安全管理条例》第六条")
    page.fill("#id_staff_posts", "2")
    page.fill("#id_funding_wan_yuan", "8")
    page.fill("#id_support_measures", "每季度组织一次业务培训，派员现场指导")
    shots(page, "request-form", doc=True)
    page.click("#submit-request")
    page.wait_for_url(re.compile(r"/requests/\d+/$"))
    delegation = Delegation.objects.get()
    assert delegation.state == Delegation.State.SUBMITTED
    assert page.locator(".state--submitted").first.is_visible()
    shots(page, "request-submitted", doc=True)
    page.goto(f"{base}/requests/")
    shots(page, "department-requests", doc=True)
    log_out(page)

    # --- The township objects, with its reasons (on a phone) --------------------------------
    log_in(page, base, "township_a")
    assert page.locator("[data-count=awaiting_opinion] b").inner_text() == "1"
    shots(page, "township-home", doc=True)
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/requests/{delegation.pk}/")
    page.check("input[name=opinion][value=object]")
    page.fill("#opinion-text", "本镇无专职安全检查人员，需先配备编制和经费")
    shots(page, "township-opinion-phone", doc=True)
    page.click("#give-opinion")
    page.wait_for_selector("#own-opinion")
    assert TownshipOpinion.objects.get().opinion == "object"
    shots(page, "township-opinion-given")
    page.set_viewport_size({"width": 1280, "height": 900})
    log_out(page)

    # --- The office sees the objection, records the review, answers it, approves -----------
    log_in(page, base, "office")
    assert page.locator("[data-count=objections] b").inner_text() == "1"
    shots(page, "office-home", doc=True)
    page.goto(f"{base}/requests/review/")
    assert "1" in page.locator(f"#review-queue tr[data-id='{delegation.pk}'] .opinion--object").inner_text()
    shots(page, "review-queue", doc=True)
    page.click(f"#review-queue tr[data-id='{delegation.pk}'] a")
    page.wait_for_url(re.compile(rf"/requests/{delegation.pk}/$"))
    assert "本镇无专职安全检查人员" in page.locator("#request-townships").inner_text()
    page.check("input[name=result][value=passed]")
    page.click("#record-review")
    page.wait_for_selector("#legal-review-state.state--passed")
    page.fill(f"#response-{world.township_a.pk}-response", "县里将调剂编制2名、经费8万元")
    page.click(f"#record-response-{world.township_a.pk}")
    page.wait_for_selector("#request-townships .response")
    page.check("input[name=decision][value=approve]")
    page.fill("#decision-decision_no", "示编委〔2026〕5号")
    page.fill("#decision-note", "已协调增加编制2名、经费8万元")
    shots(page, "review-decision", doc=True)
    page.click("#decide")
    page.wait_for_selector(".state--approved")
    shots(page, "request-approved", doc=True)
    delegation.refresh_from_db()
    assert delegation.state == Delegation.State.APPROVED

    # --- The item is on the township's admission list; the flag is gone ---------------------
    entry = ListEntry.objects.get(delegation=delegation)
    assert entry.kind == ListKind.ADMISSION and entry.item == item
    page.goto(f"{base}/townships/{world.township_a.code}/?list=admission")
    assert ITEM_NAME in page.content()
    shots(page, "township-admission-list", doc=True)
    assert not unlisted_flags(world, assignment), "the flag disappears after approval"


def test_request_form_shows_the_submit_time_refusals_per_field(
    live_server, page, shots, world, scene  # noqa: F811
):
    coercion = DutyItemFactory(
        county=world.county, department=world.dept_a, code="YJJ-QZ-001", name="查封危险化学品场所",
        category=Category.COERCION,
    )
    base = live_server.url
    log_in(page, base, "dept_a")
    page.goto(f"{base}/requests/new/")
    page.check("input[name=mode][value=entrust]")
    assert page.locator("#fields-entrust").is_visible()
    assert not page.locator("#fields-grant").is_visible()
    page.fill("#search-duty_items", "查封")
    page.locator(".picker__result", has_text="查封危险化学品场所").click()
    page.check(f"input[name=townships][value='{world.township_a.pk}']")
    page.click("#submit-request")
    page.wait_for_selector("ul.errorlist[data-field=duty_items]")
    for field in ("duty_items", "agreement_scope", "agreement_powers", "agreement_term_end"):
        assert page.locator(f"ul.errorlist[data-field={field}]").is_visible(), field
    assert page.locator(f".picker__picked input[value='{coercion.pk}']").is_checked()
    shots(page, "request-refused", doc=True)
    assert not Delegation.objects.exists()
