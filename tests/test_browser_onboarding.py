"""Day one of a real county in a real browser (Playwright driving Debian's Chromium, headless),
on an empty database: the walk of docs/onboarding.md through the admin.

The first office account logs in with its one-time password and must change it; it imports
青山县's workbook (preview, then confirm), creates the accounts of the county's units and
downloads the sheet; a department logs in with the password on the sheet and must change it
too; the office's flag list shows the past work the lists do not allow, and only that.

Skipped with the reason when Playwright or Chromium is missing (see tests/browser/playwright.py).
Screenshots go to test-artifacts/browser/ (and, with QINGDAN_DOC_SCREENSHOTS=1, the onboarding
guide's pictures to docs/img/).
"""

import io
import re

from django.core.management import call_command

from delegations.flags import RULES
from tests import onboarding
from tests.browser.playwright import browser, page, shots  # noqa: F401

NEW_PASSWORD = "Zhen-hao-ji-2027"


def change_password(page, old):
    page.fill("#id_old_password", old)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("form.card button[type=submit]")


def test_a_county_moves_in_through_the_admin_in_the_browser(
    live_server, page, shots, db, capsys, tmp_path  # noqa: F811
):
    base = live_server.url
    call_command("create_office_account", "bianban")
    password = capsys.readouterr().out.strip()

    # The first office account: its one-time password must be changed first.
    page.goto(f"{base}/admin/")
    page.fill("#id_username", "bianban")
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/password_change/$"))
    assert page.locator("#one-time-password").is_visible()
    shots(page, "onboarding-first-password", doc=True)
    change_password(page, password)
    page.wait_for_url(re.compile(r"/admin/password_change/done/$"))

    # The county's workbook: upload, preview (nothing written yet), confirm.
    workbook = tmp_path / "青山县.xlsx"
    workbook.write_bytes(onboarding.county_workbook())
    page.goto(f"{base}/admin/townships/county/")
    page.click("a.excel-workbook-link")
    page.set_input_files("input[name=import_file]", str(workbook))
    shots(page, "onboarding-workbook-upload", doc=True)
    page.click("form.excel-workbook-upload input[type=submit]")
    page.wait_for_selector("form.excel-workbook-confirm")
    assert "将新建区县 990500 青山县" in page.inner_text(".excel-new-counties")
    assert "按文件中的生效日期" in page.inner_text("#content")
    shots(page, "onboarding-workbook-preview", doc=True)
    page.click("form.excel-workbook-confirm input[name=confirm]")
    page.wait_for_url(re.compile(r"/admin/townships/county/$"))
    assert "青山县" in page.inner_text("#result_list")

    # The accounts of every department and township, downloaded as a sheet.
    from townships.models import County

    county = County.objects.get(code=onboarding.COUNTY_CODE)
    page.check(f"input[name=_selected_action][value='{county.pk}']")
    page.select_option("select[name=action]", "create_accounts")
    shots(page, "onboarding-create-accounts", doc=True)
    with page.expect_download() as download_info:
        page.click("button[name=index]")
    sheet = download_info.value
    assert sheet.suggested_filename.startswith("qingdan-accounts-990500-")
    from openpyxl import load_workbook

    with open(sheet.path(), "rb") as handle:
        rows = [[c.value for c in row] for row in load_workbook(io.BytesIO(handle.read())).active.iter_rows()]
    assert rows[1] == ["单位", "类型", "账号", "一次性密码"]
    accounts = {row[2]: row[3] for row in rows[2:]}
    assert {"990500-zjj", "990500101"} <= set(accounts)
    # The download leaves the page as it was; the next page says what was done.
    page.reload()
    assert f"已建立 {len(accounts)} 个账号" in page.inner_text("ul.messagelist")

    # A department's first login: the password on the sheet, then its own.
    department = page.context.browser.new_context(locale="zh-CN").new_page()
    department.goto(f"{base}/accounts/login/")
    department.fill("#id_username", "990500-zjj")
    department.fill("#id_password", accounts["990500-zjj"])
    department.click("#login-submit")
    department.wait_for_url(re.compile(r"/accounts/password/$"))
    shots(department, "onboarding-department-first-login", doc=True)
    department.goto(f"{base}/requests/")
    department.wait_for_url(re.compile(r"/accounts/password/$"))  # nothing else opens
    change_password(department, accounts["990500-zjj"])
    department.wait_for_url(re.compile(r"/home/$"))
    shots(department, "onboarding-department-home")
    department.context.close()

    # The office's flag list: the past work the lists did not allow, judged on its dates.
    page.goto(f"{base}/dashboard/flags/")
    text = page.inner_text("main")
    for rule in ("UNLISTED_ASSIGNMENT", "RECLAIMED_ITEM_ASSIGNED", "MAIN_DUTY_SHIFTED"):
        assert str(RULES[rule].title) in text, rule
    for title, rules in onboarding.VERDICTS.items():
        if not rules:
            assert title not in text, title
    shots(page, "onboarding-flags", doc=True)
