"""Chinese everywhere: every page, for every persona, read with a zh-CN browser, shows no
Latin-letter word that is not a code, a name, an address, a unit or one of a few technical
words (``ALLOWED``).

The demo county (云岭县, ``load_demo``) is loaded once for the module and rolled back at the
end; each test runs in its own transaction inside it. Personas: the public, a township
(青石镇), a department (应急管理局), the compilation office and a superuser. Every URL
pattern of the pages (``pages``, ``requests``, login and home) is fetched for each persona
with real objects of the demo (``SAMPLES``: a new pattern that takes arguments must get a
sample here, or ``test_every_url_pattern_has_a_sample`` fails), along with the forms posted
with errors, the confirmations, the error pages, and for the office and the superuser every
page of the admin (each model's list, add form, change form and history).

What counts as a word: a run of ASCII letters and the characters codes are written with.
It is fine when it holds a digit (a code or a date: YJJ-JC-017, 2025-01-31), is an address
(/townships/…, https://…), is written in the demo's data (department and item codes,
account names, words inside item names or documents), or is one of ``ALLOWED``. A raw flag
rule code (MAIN_DUTY_SHIFTED) is never fine: pages show the rule's Chinese title.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import CharField, TextField
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation

from delegations import assignments as assignment_service
from delegations.flags import RULES
from delegations.models import Assignment, Delegation
from duties import checker
from duties.models import DutyItem
from townships import access
from townships.models import Department, Township

DEMO_TOWNSHIP = "999001101"  # 青石镇
DEMO_DEPARTMENT = "YJJ"  # 云岭县应急管理局
PERSONAS = {
    "public": None,
    "township": f"town-{DEMO_TOWNSHIP}",
    "department": f"dept-{DEMO_DEPARTMENT.lower()}",
    "office": "bianban",
    "superuser": "h5-root",
}

# Technical words a Chinese page may carry as they are (kept small: each is explained).
ALLOWED = {
    "qingdan",  # the product's name, beside 清单 in the header and titles
    "Excel", "CSV", "PDF", "JSON", "xlsx", "csv", "pdf",  # file formats offered for export or upload
    "KB", "MB",  # units of the size limits
    "Django",  # the admin framework's name in the admin's title bar
    "JavaScript",  # the item picker says what to do in a browser without it
    "English",  # the language switch names each language in its own language
}
# Namespaces (and the un-namespaced names) whose patterns are the pages of this test.
PAGE_NAMESPACES = ("pages", "requests")
ACCOUNT_NAMES = ("login", "logout", "password_change", "home")
# Pages served by other modules, named in a failure.
OWNERS = {"pages:dashboard": "flag pages", "pages:flag_list": "flag pages", "admin": "admin"}

WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_\-./:@#%&?=+~'’]*")
ADDRESS = re.compile(r"^(https?://|/|www\.)|@|\.(html?|xlsx|csv|pdf|json)$")


# --------------------------------------------------------------------------- reading a page


class _Text(HTMLParser):
    """The text a user reads: text nodes outside script/style, and the attributes a browser
    shows (title, placeholder, alt, aria-label, the value of a button)."""

    SHOWN = ("title", "placeholder", "alt", "aria-label")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self.skip += 1
        for name in self.SHOWN:
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button", "reset") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def shown_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def latin_words(text: str, known: set[str]) -> set[str]:
    """The words of ``text`` that a Chinese page should not show."""
    found = set()
    for word in WORD.findall(text):
        word = word.strip(".,:;'’-/?#&=+~%")
        if not word or not re.search(r"[A-Za-z]", word):
            continue
        if word in RULES:
            found.add(word)  # a raw rule code: show the rule's title
            continue
        if re.search(r"\d", word) or ADDRESS.search(word) or word in ALLOWED or word in known:
            continue
        if all(part in known or part in ALLOWED or not part for part in re.split(r"[\-./_:'’]", word)):
            continue
        found.add(word)
    return found


def data_words() -> set[str]:
    """Every ASCII word written in the data (codes, account names, words inside names,
    documents and duties; the login records' user agents and paths, as browsers sent them):
    names, not page text. Choice fields are left out: their stored values (``approved``,
    ``notice``…) are what an untranslated label would show."""
    words = set()
    for name in get_user_model().objects.values_list("username", "first_name", "last_name"):
        for value in name:
            words.update(WORD.findall(value))
    for model in apps.get_models():
        if model._meta.app_label not in ("townships", "duties", "delegations", "axes"):
            continue
        fields = [
            f.name for f in model._meta.concrete_fields
            if isinstance(f, (CharField, TextField)) and not f.choices
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                if value:
                    for word in WORD.findall(str(value)):
                        words.add(word)
                        words.update(re.split(r"[\-./_:'’]", word))
    return {w for w in words if w}


# --------------------------------------------------------------------------- the demo


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        with django_db_blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                call_command("load_demo", verbosity=0, stdout=io.StringIO())
                get_user_model().objects.create_superuser(PERSONAS["superuser"], "", "x")
                checker.clear_cache()
                yield
            finally:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                checker.clear_cache()


@dataclass
class Ctx:
    """The objects a persona's pages are fetched with."""

    user: object
    township: Township
    department: Department
    delegations: list
    drafts: list
    assignments: list
    report: Assignment


@pytest.fixture
def ctx_for(demo, db):
    township = Township.objects.select_related("county").get(code=DEMO_TOWNSHIP)
    department = Department.objects.get(county=township.county, code=DEMO_DEPARTMENT)
    # A report of the township (the page after reporting shows its flags).
    township_user = get_user_model().objects.get(username=PERSONAS["township"])
    item = DutyItem.objects.filter(county=township.county, entries__kind="reclaimed").first()
    report = assignment_service.report_assignment(
        township_user, township, department=department, title="危险化学品企业执法检查",
        channel=Assignment.Channel.NOTICE, assigned_on=timezone.localdate(),
        responsibility=Assignment.Responsibility.MAIN, duty_item=item,
    )

    def make(persona):
        username = PERSONAS[persona]
        user = get_user_model().objects.get(username=username) if username else None
        visible = access.restrict(user, Delegation.objects.all()) if user else Delegation.objects.none()
        return Ctx(
            user=user,
            township=township,
            department=department,
            delegations=list(visible.order_by("pk")),
            drafts=list(visible.filter(state=Delegation.State.DRAFT).order_by("pk")),
            assignments=list(
                (access.restrict(user, Assignment.objects.all()) if user else Assignment.objects.none())
                .order_by("-pk")[:8]
            ),
            report=report,
        )

    return make


# --------------------------------------------------------------------------- what to fetch

# Each sample: (method, url, data). Data posted with errors, or the first step of a
# confirmation; every page the POST leads to is read (redirects followed).
GET, POST = "get", "post"


def _delegation_urls(name, ctx, data=None, method=GET, states=None):
    rows = [d for d in ctx.delegations if states is None or d.state in states] or ctx.delegations[:1]
    rows = rows or [Delegation(pk=999999)]
    return [(method, reverse(name, args=[d.pk]), data) for d in rows]


def _township(name, ctx, *extra):
    return reverse(name, args=[ctx.township.code, *extra])


SAMPLES = {
    "pages:index": lambda c: [(GET, reverse("pages:index"), None)],
    "pages:county": lambda c: [(GET, reverse("pages:county", args=[c.township.county.code]), None),
                               (GET, reverse("pages:county", args=["000000"]), None)],
    "pages:township": lambda c: [
        (GET, _township("pages:township", c) + query, None)
        for query in ("", "?list=territorial", "?list=admission", "?list=reclaimed",
                      "?q=%E7%87%83%E6%B0%94", "?q=%E6%A3%AE%E6%9E%97%E9%98%B2%E7%81%AB&list=power",
                      "?q=%E4%B8%8D%E5%AD%98%E5%9C%A8", "?as_of=2025-01-01", "?as_of=2025-13-01&category=9",
                      "?list=power&source=granted&category=licensing")
    ] + [(GET, reverse("pages:township", args=["999999999"]), None)],
    "pages:township_export": lambda c: [(GET, _township("pages:township_export", c, "csv"), None),
                                        (GET, _township("pages:township_export", c, "txt"), None)],
    "pages:township_changes": lambda c: [
        (GET, _township("pages:township_changes", c) + query, None)
        for query in ("", "?start=2024-01-01&end=2026-12-31", "?start=bad&end=2025-01-01")
    ],
    "pages:township_check": lambda c: [
        (GET, _township("pages:township_check", c), None),
        (GET, _township("pages:township_check", c) + "?text=%E7%87%83%E6%B0%94%E5%AE%89%E5%85%A8%E6%A3%80%E6%9F%A5", None),
        (POST, _township("pages:township_check", c), {"text": ""}),
        (POST, _township("pages:township_check", c), {"text": NOTICE}),
    ],
    "pages:township_report": lambda c: [(GET, _township("pages:township_report", c), None),
                                        (POST, _township("pages:township_report", c), {"title": ""})],
    "pages:township_report_done": lambda c: [(GET, _township("pages:township_report_done", c, c.report.pk), None),
                                             (GET, _township("pages:township_report_done", c, 999999), None)],
    "pages:dashboard": lambda c: [(GET, reverse("pages:dashboard"), None)],
    "pages:flag_list": lambda c: [
        (GET, reverse("pages:flag_list") + query, None)
        for query in ("", f"?department={DEMO_DEPARTMENT}&rule=MAIN_DUTY_SHIFTED",
                      f"?township={DEMO_TOWNSHIP}", "?rule=NO_SUCH_RULE", "?page=2")
    ],
    "requests:list": lambda c: [(GET, reverse("requests:list") + q, None) for q in ("", "?state=submitted")],
    "requests:create": lambda c: [(GET, reverse("requests:create"), None),
                                  (POST, reverse("requests:create"), {"action": "submit", "mode": "entrust"})],
    "requests:review_queue": lambda c: [(GET, reverse("requests:review_queue"), None)],
    "requests:item_search": lambda c: [(GET, reverse("requests:item_search") + "?q=%E5%AE%89%E5%85%A8", None)],
    "requests:detail": lambda c: _delegation_urls("requests:detail", c) + [
        (GET, reverse("requests:detail", args=[999999]), None)],
    "requests:edit": lambda c: _delegation_urls("requests:edit", c, states=[Delegation.State.DRAFT])
    + [(POST, reverse("requests:edit", args=[d.pk]), {"action": "submit", "mode": "grant"}) for d in c.drafts[:1]],
    "requests:agreement": lambda c: _delegation_urls("requests:agreement", c, states=[Delegation.State.APPROVED])[:2],
    "requests:submit": lambda c: _delegation_urls("requests:submit", c, method=POST,
                                                  states=[Delegation.State.SUBMITTED])[:1],
    "requests:withdraw": lambda c: _delegation_urls("requests:withdraw", c, {"comment": "重新研究"}, POST,
                                                    [Delegation.State.SUBMITTED])[:1],
    "requests:discard": lambda c: _delegation_urls("requests:discard", c, {}, POST,
                                                   [Delegation.State.DRAFT])[:1],
    "requests:opinion": lambda c: _delegation_urls("requests:opinion", c, {"opinion": "object"}, POST,
                                                   [Delegation.State.SUBMITTED])[:1],
    "requests:department_opinion": lambda c: _delegation_urls("requests:department_opinion", c,
                                                              {"opinion": "object"}, POST,
                                                              [Delegation.State.SUBMITTED])[:1],
    "requests:respond": lambda c: _delegation_urls("requests:respond", c, {"township": "0"}, POST,
                                                   [Delegation.State.SUBMITTED])[:1],
    "requests:legal_review": lambda c: _delegation_urls("requests:legal_review", c, {}, POST,
                                                        [Delegation.State.SUBMITTED])[:1],
    "requests:decide": lambda c: _delegation_urls("requests:decide", c, {"decision": "approve"}, POST,
                                                  [Delegation.State.SUBMITTED])[:1],
    "requests:revoke": lambda c: _delegation_urls("requests:revoke", c, {"revoked_on": "bad"}, POST,
                                                  [Delegation.State.APPROVED])[:1]
    + _delegation_urls("requests:revoke", c, {"revoked_on": "2026-01-01", "reason": "职责调整",
                                              "document_no": "云编〔2026〕1号"}, POST, [Delegation.State.APPROVED])[:1],
    "requests:assignment_list": lambda c: [(GET, reverse("requests:assignment_list"), None)],
    "requests:assignment_create": lambda c: [
        (GET, reverse("requests:assignment_create"), None),
        (GET, reverse("requests:assignment_create") + f"?department={c.department.pk}", None),
        (POST, reverse("requests:assignment_create"), {"department": c.department.pk, "title": ""}),
    ],
    "requests:assignment_detail": lambda c: [
        (GET, reverse("requests:assignment_detail", args=[a.pk]), None) for a in c.assignments
    ] + [(GET, reverse("requests:assignment_detail", args=[999999]), None)],
    "requests:department": lambda c: [(GET, reverse("requests:department", args=[c.department.pk]), None)],
    "login": lambda c: [(GET, reverse("login"), None),
                        (POST, reverse("login"), {"username": "nobody", "password": "wrong"})],
    "logout": lambda c: [(POST, reverse("logout"), {})],
    "password_change": lambda c: [(GET, reverse("password_change"), None),
                                  (POST, reverse("password_change"), {"old_password": "x", "new_password1": "1"})],
    "home": lambda c: [(GET, reverse("home"), None)],
}

NOTICE = """关于开展安全生产大检查的通知
各乡镇人民政府：
现将有关事项通知如下：
一、开展辖区燃气安全隐患排查整治。
二、做好森林防火巡查。
三、组织危险化学品企业执法检查。
请于5月31日前报送工作情况。
云岭县应急管理局
2026年4月1日"""


def page_patterns() -> dict[str, bool]:
    """{name: takes arguments} for every pattern of the pages."""
    found = {}

    def walk(patterns, namespace=None, has_args=False):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in ("admin", "api"):
                    continue
                walk(p.url_patterns, p.namespace or namespace, has_args or bool(p.pattern.regex.groups))
            elif isinstance(p, URLPattern) and p.name:
                name = f"{namespace}:{p.name}" if namespace else p.name
                if namespace in PAGE_NAMESPACES or name in ACCOUNT_NAMES:
                    found[name] = has_args or bool(p.pattern.regex.groups)

    walk(get_resolver().url_patterns)
    return found


def samples_for(ctx) -> list[tuple[str, str, str, dict | None]]:
    rows = []
    for name, takes_args in page_patterns().items():
        make = SAMPLES.get(name) or (lambda c, n=name: [(GET, reverse(n), None)])
        rows += [(name, method, url, data) for method, url, data in make(ctx)]
    return rows


def admin_samples(user) -> list[tuple[str, str, str, None]]:
    """The admin index and, for each model, its list, add form, change form and history."""
    rows = [("admin", GET, reverse("admin:index"), None)]
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        rows.append(("admin", GET, reverse("admin:%s_%s_changelist" % info), None))
        rows.append(("admin", GET, reverse("admin:%s_%s_add" % info), None))
        obj = model_admin.get_queryset(_request_for(user)).order_by("pk").first()
        if obj is not None:
            rows.append(("admin", GET, reverse("admin:%s_%s_change" % info, args=[obj.pk]), None))
            rows.append(("admin", GET, reverse("admin:%s_%s_history" % info, args=[obj.pk]), None))
    return rows


def _request_for(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


# --------------------------------------------------------------------------- the tests


def read(client, method, url, data, known) -> tuple[int, set[str]]:
    """Fetch ``url`` (following redirects) and return its status and offending words."""
    if method == POST:
        response = client.post(url, data or {}, follow=True)
    else:
        response = client.get(url, follow=True)
    content_type = response.get("Content-Type", "")
    if "html" in content_type:
        words = latin_words(shown_text(response.content.decode()), known)
    elif "json" in content_type:
        words = latin_words(" ".join(_json_strings(response.json())), known)
    else:  # a file (xlsx, csv, pdf): its headers are data constants, checked by the Excel tests
        words = set()
    return response.status_code, words


def _json_strings(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            if key not in ("code", "id"):
                yield from _json_strings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _json_strings(inner)
    elif isinstance(value, str):
        yield value


# Rows that change who is signed in: fetched by a client of their own.
SESSION_CHANGING = ("login", "logout")


def offenders_of(rows, user, known) -> dict[str, set[str]]:
    """{row: words} of the rows that show some (a logout or a login posted by one row does
    not change who reads the next)."""
    found = {}
    client = _client(user)
    for name, method, url, data in rows:
        reader = _client(user) if name in SESSION_CHANGING else client
        status, words = read(reader, method, url, data, known)
        assert status < 500, (name, method, url, status)
        if words:
            found[f"{name} {method.upper()} {url}"] = words
    return found


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN")
    if user is not None:
        client.force_login(user)
    return client


def _describe(found) -> str:
    return "\n".join(f"{where}: {', '.join(sorted(words))}" for where, words in sorted(found.items()))


def _owned_by_others(name: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ":") for prefix in OWNERS)


def test_every_url_pattern_has_a_sample():
    missing = [name for name, takes_args in page_patterns().items() if takes_args and name not in SAMPLES]
    assert missing == [], f"add a sample to SAMPLES for: {', '.join(missing)}"


def flag_text_words(known) -> set[str]:
    """The words of the flags' titles, messages and sources (the flag engine's text, checked
    by ``test_the_flag_texts_are_in_chinese``; a page showing a flag is not blamed for them)."""
    from delegations.flags import StoredFlagQuery

    with translation.override("zh-hans"):
        texts = [" ".join((str(f.title), f.message, f.source)) for f in StoredFlagQuery()]
    return latin_words("\n".join(texts), known)


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_every_page_of_every_persona_is_in_chinese(ctx_for, persona):
    ctx = ctx_for(persona)
    known = data_words()
    # The public reaches the flag pages as the login page (they are for signed-in staff).
    rows = [r for r in samples_for(ctx) if persona == "public" or not _owned_by_others(r[0])]
    flag_words = flag_text_words(known)
    found = {
        where: words - flag_words
        for where, words in offenders_of(rows, ctx.user, known).items()
        if words - flag_words
    }
    assert not found, "Latin-letter words on zh-CN pages:\n" + _describe(found)


def test_the_flag_texts_are_in_chinese(demo, db):
    found = flag_text_words(data_words())
    assert not found, "Latin-letter words in flag titles, messages and sources: " + ", ".join(sorted(found))


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "public"])
def test_the_flag_pages_of_every_persona_are_in_chinese(ctx_for, persona):
    ctx = ctx_for(persona)
    rows = [r for r in samples_for(ctx) if _owned_by_others(r[0])]
    found = offenders_of(rows, ctx.user, data_words())
    assert not found, "Latin-letter words on zh-CN flag pages:\n" + _describe(found)


@pytest.mark.parametrize("persona", ["office", "superuser"])
def test_every_admin_page_is_in_chinese(ctx_for, persona):
    ctx = ctx_for(persona)
    _client(ctx.user)  # signing in writes a login record: its user agent and path are data
    found = offenders_of(admin_samples(ctx.user), ctx.user, data_words())
    assert not found, "Latin-letter words on zh-CN admin pages:\n" + _describe(found)


def test_error_pages_are_in_chinese(ctx_for):
    ctx = ctx_for("department")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-CN", enforce_csrf_checks=True)
    client.force_login(ctx.user)
    known = data_words()
    rows = {
        "404": client.get("/no-such-page/"),
        "404 object": client.get(reverse("requests:detail", args=[999999])),
        "403": client.get(reverse("requests:review_queue")),
        "403 csrf": client.post(reverse("requests:create"), {}),
    }
    assert [r.status_code for r in rows.values()] == [404, 404, 403, 403]
    found = {k: latin_words(shown_text(r.content.decode()), known) for k, r in rows.items()}
    assert {k: v for k, v in found.items() if v} == {}


def test_the_word_reader_catches_english_and_lets_codes_names_and_addresses_pass():
    known = {"YJJ", "dept-yjj", "bianban"}
    text = shown_text(
        '<p title="Choose one">No Delegation matches the given query.</p>'
        "<p>YJJ-JC-017 QT004 2025-01-31 dept-yjj bianban /townships/999001101/ "
        "https://example.org/x 导出 Excel 10 KB MAIN_DUTY_SHIFTED YJJ</p>"
        "<script>var English = 1;</script>"
    )
    assert latin_words(text, known) == {
        "Choose", "one", "No", "Delegation", "matches", "the", "given", "query", "MAIN_DUTY_SHIFTED",
    }


def test_the_admin_says_in_chinese_what_django_and_the_other_apps_leave_in_english(ctx_for):
    """The pieces behind the admin test above, each where it shows: the change link reads
    修改, yes/no icons say 是/否, the columns of an account's profile are named and show the
    role's label, the permissions are built from the model's Chinese name, the password shows
    no masked salt, and a history's changes show labels, local times and empty values."""
    ctx = ctx_for("superuser")
    client = _client(ctx.user)

    index = client.get(reverse("admin:index")).content.decode()
    assert ">修改</a>" in index and "变化" not in index

    users = client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert 'alt="是"' in users and 'alt="True"' not in users and 'alt="False"' not in users
    assert "编办" in users and ">office<" not in users

    office = get_user_model().objects.get(username=PERSONAS["office"])
    change = client.get(reverse("admin:auth_user_change", args=[office.pk])).content.decode()
    assert "可以查看事项" in change and "Can view" not in change
    assert "赋权委托历史记录（乡镇（街道））" in change
    assert "盐" not in shown_text(change)

    delegation = Delegation.objects.filter(state=Delegation.State.APPROVED).order_by("pk").first()
    history = client.get(reverse("admin:delegations_delegation_history", args=[delegation.pk]))
    text = shown_text(history.content.decode())
    assert "已提交" in text and "已批准" in text and "（空）" in text
    assert "submitted" not in text and "None" not in text and "+00:00" not in text
