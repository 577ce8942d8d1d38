"""The language switch: Chinese by default (zh-hans), English offered; a form in every page's
footer posts to Django's set_language view (``/i18n/setlang/``), which keeps the choice in a
cookie and goes back to the page it was posted from, never to another site."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.browser.playwright import browser, page, shots  # noqa: F401

SET_LANGUAGE = "/i18n/setlang/"


def chinese_browser(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    if user is not None:
        client.force_login(user)
    return client


def switch_form(html: str) -> str:
    """The language switch's form in a page (empty when the page has none)."""
    match = re.search(r'<form[^>]*data-language-switch.*?</form>', html, re.S)
    return match.group(0) if match else ""


def page_language(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def test_chinese_is_the_default_and_english_is_offered():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _name in settings.LANGUAGES] == ["zh-hans", "en"]
    assert reverse("set_language") == SET_LANGUAGE


@pytest.mark.django_db
def test_a_page_is_in_chinese_for_a_chinese_browser_and_offers_english():
    response = chinese_browser().get("/")
    assert page_language(response) == "zh-hans"
    form = switch_form(response.content.decode())
    assert f'action="{SET_LANGUAGE}"' in form
    assert 'method="post"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert 'name="next" value="/"' in form
    assert '<button type="submit" class="linklike" name="language" value="en" lang="en"' in form
    assert "<strong lang=\"zh-hans\" aria-current=\"true\">简体中文</strong>" in form
    assert "语言：" in form


@pytest.mark.django_db
def test_posting_english_switches_the_pages_to_english_and_back_to_chinese(world):
    client = chinese_browser(world.office)
    response = client.post(SET_LANGUAGE, {"language": "en", "next": "/home/"})
    assert response.status_code == 302
    assert response["Location"] == "/home/"
    page = client.get("/home/")
    assert page_language(page) == "en"
    html = page.content.decode()
    assert "Log out" in html and "My desk" in html
    assert 'value="zh-hans" lang="zh-hans"' in switch_form(html)  # the way back is offered

    response = client.post(SET_LANGUAGE, {"language": "zh-hans", "next": "/home/"})
    assert response["Location"] == "/home/"
    page = client.get("/home/")
    assert page_language(page) == "zh-hans"
    html = page.content.decode()
    assert "我的工作台" in html and "退出登录" in html
    assert "Log out" not in html and "My desk" not in html


@pytest.mark.django_db
def test_the_switch_returns_to_the_page_it_was_posted_from_with_its_query():
    client = chinese_browser()
    html = client.get("/?q=1&x=%E4%B8%AD").content.decode()
    assert 'name="next" value="/?q=1&amp;x=%E4%B8%AD"' in switch_form(html)
    response = client.post(SET_LANGUAGE, {"language": "en", "next": "/?q=1&x=%E4%B8%AD"})
    assert response["Location"] == "/?q=1&x=%E4%B8%AD"


@pytest.mark.django_db
def test_an_unknown_language_is_ignored():
    client = chinese_browser()
    response = client.post(SET_LANGUAGE, {"language": "xx-evil", "next": "/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert page_language(client.get("/")) == "zh-hans"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/path", "http://evil.example", "javascript:alert(1)"],
)
def test_the_switch_never_redirects_to_another_site(next_url):
    response = chinese_browser().post(SET_LANGUAGE, {"language": "en", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


@pytest.mark.django_db
def test_the_switch_without_a_next_goes_back_to_the_referring_page_of_this_site_only():
    client = chinese_browser()
    own = client.post(SET_LANGUAGE, {"language": "en"}, HTTP_REFERER="http://testserver/home/")
    assert own["Location"] == "http://testserver/home/"
    other = client.post(SET_LANGUAGE, {"language": "en"}, HTTP_REFERER="https://evil.example/")
    assert other["Location"] == "/"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["office", "dept_a_user", "township_a_user"])
def test_the_switch_is_on_every_roles_home_page(world, persona):
    response = chinese_browser(getattr(world, persona)).get(reverse("home"))
    assert response.status_code == 200
    form = switch_form(response.content.decode())
    assert form, "no language switch on the home page"
    assert f'name="next" value="{reverse("home")}"' in form
    assert 'name="csrfmiddlewaretoken"' in form


@pytest.mark.django_db
def test_the_switch_is_on_the_login_page_and_works_without_signing_in():
    client = chinese_browser()
    html = client.get(reverse("login")).content.decode()
    assert switch_form(html)
    client.post(SET_LANGUAGE, {"language": "en", "next": reverse("login")})
    assert page_language(client.get(reverse("login"))) == "en"


@pytest.mark.django_db
def test_the_switch_needs_the_csrf_token():
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN", enforce_csrf_checks=True)
    assert client.post(SET_LANGUAGE, {"language": "en", "next": "/"}).status_code == 403
    html = client.get("/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', switch_form(html)).group(1)
    response = client.post(SET_LANGUAGE, {"language": "en", "next": "/", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert page_language(client.get("/")) == "en"


@pytest.mark.django_db
def test_the_admin_follows_the_chosen_language(world):
    world.office.is_staff = True
    world.office.save(update_fields=["is_staff"])
    client = chinese_browser(world.office)
    assert 'lang="zh-hans"' in client.get("/admin/").content.decode()
    client.post(SET_LANGUAGE, {"language": "en", "next": "/admin/"})
    assert 'lang="en"' in client.get("/admin/").content.decode()


# --------------------------------------------------------------------------- in a browser


@pytest.mark.django_db(transaction=True)
def test_the_switch_works_in_a_browser_on_a_390_px_phone(world, live_server, page, shots):  # noqa: F811
    """On a phone the footer's switch fits the screen, is big enough to tap, and a tap turns
    the page English (and back)."""
    from tests.browser.playwright import PHONE

    world.township_a_user.set_password("Qingdan-test-2026")
    world.township_a_user.save()
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{reverse('login')}")
    page.fill("#id_username", world.township_a_user.username)
    page.fill("#id_password", "Qingdan-test-2026")
    page.click("#login-submit")
    page.wait_for_url(re.compile(r"/home/$"))
    assert page.evaluate("document.documentElement.lang") == "zh-hans"

    button = page.locator("form[data-language-switch] button[value='en']")
    box = button.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert box["height"] >= 16
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shots(page, "language-switch-phone-zh")

    button.click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert page.url.endswith("/home/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shots(page, "language-switch-phone-en")
    page.locator("form[data-language-switch] button[value='zh-hans']").click()
    page.wait_for_function("document.documentElement.lang === 'zh-hans'")
    assert page.url.endswith("/home/")
