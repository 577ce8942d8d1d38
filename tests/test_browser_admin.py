"""The admin's JavaScript widgets in a real browser (Playwright driving Debian's Chromium):
their words come from Django's JavaScript catalog (``/admin/jsi18n/``), which the content
security policy must let the page load, so a zh-CN office reads them in Chinese."""

import re

from tests.browser.playwright import browser, page  # noqa: F401
from tests.factories import make_user

PASSWORD = "Quan-xian-2026-pw"


def test_the_permission_picker_reads_chinese(live_server, page, db):  # noqa: F811
    admin = make_user("office", username="chaoguan", is_superuser=True, is_staff=True)
    admin.set_password(PASSWORD)
    admin.save()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "chaoguan")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
    page.goto(f"{live_server.url}/admin/auth/user/{admin.pk}/change/")
    picker = page.locator("div.selector:has(#id_user_permissions_from)")
    picker.wait_for()
    text = picker.inner_text()
    assert "可用" in text and "全选" in text and "选中" in text, text[:300]
    assert not re.search(r"[A-Za-z]{3,}", text), text[:300]
