"""Production settings from the environment: HTTPS behind a TLS proxy, session idle timeout,
token lifetime, login throttling by the client's real address, Content-Security-Policy."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from config.proxy import client_ip

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "Qingdan-test-2026"  # tests.factories.UserFactory


def production_env(tmp_path, **extra):
    """The environment docs/deploy.md gives the service, as a fresh process sees it."""
    env = {
        key: value for key, value in os.environ.items()
        if key not in {"DEBUG", "BEHIND_TLS_PROXY", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="qingdan.example.gov.cn",
        CSRF_TRUSTED_ORIGINS="https://qingdan.example.gov.cn",
        QINGDAN_VAR_DIR=str(tmp_path),
        BEHIND_TLS_PROXY="1",
    )
    env.update(extra)
    return env


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env,
        capture_output=True, text=True, timeout=120,
    )


def test_check_deploy_gives_no_warning_with_the_production_environment(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_without_the_tls_proxy_check_deploy_names_what_is_missing(tmp_path):
    env = production_env(tmp_path)
    del env["BEHIND_TLS_PROXY"]
    result = manage(env, "check", "--deploy")
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr, warning


def test_the_environment_sets_https_session_token_and_proxy_settings(tmp_path):
    env = production_env(
        tmp_path, SESSION_IDLE_MINUTES="30", API_TOKEN_DAYS="7", TRUSTED_PROXIES="10.1.0.2",
        DB_LOCK_TIMEOUT="4",
    )
    script = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'proxy': s.SECURE_PROXY_SSL_HEADER, 'redirect': s.SECURE_SSL_REDIRECT,"
        "'hsts': s.SECURE_HSTS_SECONDS, 'cookies': [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE],"
        "'age': s.SESSION_COOKIE_AGE, 'every': s.SESSION_SAVE_EVERY_REQUEST,"
        "'ttl': s.REST_KNOX['TOKEN_TTL'].days, 'trusted': s.TRUSTED_PROXIES,"
        "'lock': s.DB_LOCK_TIMEOUT}))"
    )
    result = manage(env, "shell", "-c", script)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "proxy": ["HTTP_X_FORWARDED_PROTO", "https"], "redirect": True, "hsts": 31536000,
        "cookies": [True, True], "age": 1800, "every": True, "ttl": 7, "trusted": ["10.1.0.2"],
        "lock": 4,
    }


# --- the client's address behind the proxy (login throttling) ---------------------------------


def request_from(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@override_settings(TRUSTED_PROXIES=["127.0.0.1", "::1"])
@pytest.mark.parametrize(
    "remote, forwarded, client",
    [
        ("127.0.0.1", "10.1.2.3", "10.1.2.3"),  # through the proxy
        ("127.0.0.1", "6.6.6.6, 10.1.2.3", "10.1.2.3"),  # a forged entry stands to the left
        ("127.0.0.1", "garbage, 10.1.2.3", "10.1.2.3"),
        ("127.0.0.1", None, "127.0.0.1"),  # a local request without the header
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        ("::1", "fd00::5", "fd00::5"),
        ("10.9.9.9", "6.6.6.6", "10.9.9.9"),  # a direct client's header is not believed
    ],
)
def test_the_client_address_comes_from_the_trusted_proxy_only(remote, forwarded, client):
    assert client_ip(request_from(remote, forwarded)) == client


@override_settings(TRUSTED_PROXIES=[])
def test_without_a_proxy_the_header_is_never_believed():
    assert client_ip(request_from("127.0.0.1", "10.1.2.3")) == "127.0.0.1"


def log_in(client, username, password, address):
    return client.post(
        reverse("login"), {"username": username, "password": password},
        REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address,
    )


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=["127.0.0.1"])
def test_behind_the_proxy_a_stranger_cannot_lock_the_office_out(world):
    stranger = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(stranger, "office", "wrong", "10.0.0.66")
    assert log_in(stranger, "office", PASSWORD, "10.0.0.66").status_code == 429
    office = Client()
    response = log_in(office, "office", PASSWORD, "10.0.0.5")
    assert response.status_code == 302
    assert "_auth_user_id" in office.session


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=["127.0.0.1"])
def test_forging_the_header_does_not_escape_the_lockout(world):
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "office", "wrong", f"6.6.6.{n}, 10.0.0.66")
    assert log_in(client, "office", PASSWORD, "7.7.7.7, 10.0.0.66").status_code == 429


# --- sessions -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_request_renews_the_session_so_it_ends_after_idle_minutes(world):
    client = Client()
    client.force_login(world.dept_a_user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE == 120 * 60
    assert cookie["httponly"]


# --- Content-Security-Policy --------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def policy(response):
    return dict(
        (part.split()[0], part.split()[1:])
        for part in response["Content-Security-Policy"].split(";") if part.strip()
    )


@pytest.mark.django_db
def test_pages_carry_a_policy_without_inline_scripts(world):
    response = Client().get("/")
    directives = policy(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in directives["style-src"]


@pytest.mark.django_db
def test_third_party_pages_get_inline_styles_but_never_inline_scripts(world):
    client = Client()
    client.force_login(world.office)
    for path in ("/admin/", "/api/v1/docs/"):
        directives = policy(client.get(path))
        assert "'unsafe-inline'" in directives["style-src"], path
        assert "'unsafe-inline'" not in directives["script-src"], path
    assert policy(client.get("/api/v1/docs/"))["script-src"] == ["'self'"]


def pages(world):
    """(user or None, path) of the app's own pages, over a small county with data."""
    from tests.factories import DelegationFactory, DutyItemFactory, ListEntryFactory

    item = DutyItemFactory(county=world.county, department=world.dept_a, code="A001", name="危化品检查")
    ListEntryFactory(kind="power", item=item)
    delegation = DelegationFactory(
        department=world.dept_a, duty_items=[item], townships=[world.township_a], state="submitted"
    )
    county, township = world.county.code, world.township_a.code
    anonymous = ["/", f"/counties/{county}/", f"/townships/{township}/",
                 f"/townships/{township}/changes/", f"/townships/{township}/check/?text=危化品检查",
                 reverse("login")]
    return (
        [(None, path) for path in anonymous]
        + [(world.office, path) for path in (reverse("home"), f"/requests/{delegation.pk}/",
                                             "/requests/review/", "/dashboard/")]
        + [(world.dept_a_user, path) for path in ("/requests/new/", "/assignments/new/")]
        + [(world.township_a_user, path) for path in (f"/townships/{township}/check/?text=危化品检查",
                                                      f"/townships/{township}/report/")]
    )


@pytest.mark.django_db
def test_the_apps_pages_have_no_inline_script_handler_or_style_attribute(world):
    """What the policy would block: inline <script>, on…= handlers, javascript: links and
    style= attributes. An inline <style> block must carry the page's nonce."""
    for user, path in pages(world):
        client = Client()
        if user is not None:
            client.force_login(user)
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        nonce = policy(response)["style-src"][-1].strip("'").removeprefix("nonce-")
        for pattern in (INLINE_SCRIPT, INLINE_HANDLER, STYLE_ATTRIBUTE, JS_URL):
            found = pattern.search(html)
            assert not found, (path, html[max(found.start() - 80, 0):found.end() + 80])
        for style in re.findall(r"<style[^>]*>", html):
            assert f'nonce="{nonce}"' in style, (path, style)
