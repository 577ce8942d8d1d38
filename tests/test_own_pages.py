"""Each user's own pages: the navigation and home page of each role, a department's "what we
owe" (its main responsibility on the territorial lists, what it took back, the delegations it
made and their terms, its assignments and their flags), the page after logging an
assignment, the township page's search across tabs, the report form's responsibility, the
confirmations before destructive steps and the Chinese 404 body."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from delegations.flags import RULES
from delegations.models import Assignment, Delegation
from duties.models import Category, ListKind
from tests.factories import (
    AssignmentFactory,
    CountyFactory,
    DelegationFactory,
    DepartmentFactory,
    DutyItemFactory,
    ListEntryFactory,
    TownshipFactory,
    make_user,
)
from townships.models import Profile

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-CN"}


def client_for(user=None):
    client = Client(**ZH)
    if user is not None:
        client.force_login(user)
    return client


def text_of(response) -> str:
    """The page's visible text (tags dropped), to look for words a user reads."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def owed_world(world):
    """Department A (应急管理局) keeps the main responsibility on two territorial items (one
    for 东城镇 only, one county-wide), took one item back, made one approved delegation, and
    handed down two pieces of work that are flagged: the main responsibility of a territorial
    item, and an item on none of 东城镇's lists."""
    item = lambda code, name, **kw: DutyItemFactory(  # noqa: E731
        county=world.county, department=world.dept_a, code=code, name=name, **kw
    )
    territorial = ListEntryFactory(
        kind=ListKind.TERRITORIAL, item=item("QT001", "森林防火巡查"), townships=[world.township_a],
        department_duty="组织森林防火执法检查", township_duty="开展日常巡查，发现火情及时报告",
    )
    county_wide = ListEntryFactory(kind=ListKind.TERRITORIAL, item=item("QT002", "地质灾害隐患巡查"))
    reclaimed = ListEntryFactory(
        kind=ListKind.RECLAIMED, item=item("JC021", "危险化学品企业执法检查"),
        working_method="由县应急管理局直接实施",
    )
    delegation = DelegationFactory(
        department=world.dept_a, duty_items=[item("GG009", "农村应急广播日常维护", category=Category.PUBLIC_SERVICE)],
        townships=[world.township_a, world.township_b], state=Delegation.State.APPROVED,
        decision_no="示县委〔2025〕3号", staff_posts=2, funding_wan_yuan=8,
    )
    shifted = AssignmentFactory(
        department=world.dept_a, townships=[world.township_a], title="落实森林防火主体责任",
        duty_item=territorial.item, responsibility=Assignment.Responsibility.MAIN,
        assigned_on=timezone.localdate(),
    )
    unlisted = AssignmentFactory(
        department=world.dept_a, townships=[world.township_a], title="开展烟花爆竹专项检查",
        duty_item=item("JC099", "烟花爆竹经营安全检查"), assigned_on=timezone.localdate(),
    )
    return {
        "territorial": territorial, "county_wide": county_wide, "reclaimed": reclaimed,
        "delegation": delegation, "shifted": shifted, "unlisted": unlisted,
    }


# --------------------------------------------------------------------------- navigation


NAV = {
    "township_a_user": ["home", "lists", "requests", "reports", "flags"],
    "dept_a_user": ["home", "owed", "requests", "new-request", "assignments"],
    "office": ["home", "review", "requests", "dashboard", "flags", "assignments"],
}


@pytest.mark.parametrize("persona", sorted(NAV))
def test_each_role_finds_its_own_pages_in_the_navigation_and_each_opens(world, persona):
    user = getattr(world, persona)
    client = client_for(user)
    home = client.get(reverse("home"))
    links = re.findall(r'<a href="([^"]+)" data-nav="([^"]+)"', home.content.decode())
    assert [key for _url, key in links] == NAV[persona]
    for url, key in links:
        assert client.get(url).status_code == 200, (persona, key, url)
    # The public pages carry the same links for a signed-in user.
    county_page = client.get(reverse("pages:county", args=[world.county.code])).content.decode()
    assert [k for _u, k in re.findall(r'<a href="([^"]+)" data-nav="([^"]+)"', county_page)] == NAV[persona]


def test_the_public_navigation_has_no_personal_links(world):
    page = client_for().get(reverse("pages:index")).content.decode()
    assert "data-nav=" not in page


def test_the_township_navigation_links_its_own_lists_flags_and_reports(world):
    page = client_for(world.township_a_user).get(reverse("home")).content.decode()
    assert f'href="{reverse("pages:township", args=[world.township_a.code])}" data-nav="lists"' in page
    assert f'href="{reverse("pages:flag_list")}" data-nav="flags"' in page
    assert f'href="{reverse("requests:assignment_list")}" data-nav="reports"' in page
    # and the home page has the same, plus the checker
    assert 'data-own="check"' in page and 'data-own="flags"' in page


@pytest.mark.parametrize(
    "persona, keys",
    [
        ("township_a_user", ["lists", "requests", "reports", "flags", "check"]),
        ("dept_a_user", ["owed", "requests", "new-request", "assignments", "log"]),
        ("office", ["review", "dashboard", "flags", "log", "export-flags", "export-power"]),
    ],
)
def test_the_home_page_of_each_role_links_its_own_pages(world, persona, keys):
    client = client_for(getattr(world, persona))
    page = client.get(reverse("home")).content.decode()
    found = dict((k, u) for u, k in re.findall(r'href="([^"]+)"[^>]*data-own="([^"]+)"', page))
    assert list(found) == keys
    for key, url in found.items():
        assert client.get(url).status_code == 200, (persona, key, url)


# --------------------------------------------------------------------------- what we owe


def test_the_department_page_mirrors_the_lists_from_the_department_side(world, owed_world):
    response = client_for(world.dept_a_user).get(reverse("requests:department", args=[world.dept_a.pk]))
    assert response.status_code == 200
    owed = response.context["owed"]
    assert [e.item.code for e in owed.territorial] == ["QT001", "QT002"]
    assert [e.item.code for e in owed.reclaimed] == ["JC021"]
    assert [d.pk for d in owed.delegations] == [owed_world["delegation"].pk]
    assert {a.pk for a in owed.assignments} == {owed_world["shifted"].pk, owed_world["unlisted"].pk}
    text = text_of(response)
    # The townships each entry covers, and the duty written for the department.
    assert "森林防火巡查 东城镇 组织森林防火执法检查 开展日常巡查，发现火情及时报告" in text
    assert "地质灾害隐患巡查 全县所有乡镇（街道）" in text
    assert "由县应急管理局直接实施" in text
    # The delegation's terms.
    for fact in ("示县委〔2025〕3号", "东城镇、西河乡", "编制 2 名，经费 8.00 万元", "2024-01-01"):
        assert fact in text, fact
    # Each assignment with the flags it raised, by the rule's Chinese title.
    rows = {a.pk: [f.rule for f in a.flags] for a in owed.assignments}
    assert rows[owed_world["shifted"].pk] == ["MAIN_DUTY_SHIFTED"]
    assert rows[owed_world["unlisted"].pk] == ["UNLISTED_ASSIGNMENT"]
    assert str(RULES["MAIN_DUTY_SHIFTED"].title) in text
    assert str(RULES["UNLISTED_ASSIGNMENT"].title) in text
    assert "MAIN_DUTY_SHIFTED" not in text and "UNLISTED_ASSIGNMENT" not in text


def test_another_departments_township_and_the_public_cannot_open_a_department_page(world, owed_world):
    url = reverse("requests:department", args=[world.dept_a.pk])
    assert client_for(world.dept_b_user).get(url).status_code == 403
    assert client_for(world.township_a_user).get(url).status_code == 403
    assert client_for().get(url).status_code == 302  # to the login page
    other_office = make_user(Profile.Role.OFFICE, username="office_b", county=CountyFactory(code="990202"))
    assert client_for(other_office).get(url).status_code == 403
    assert client_for(world.office).get(url).status_code == 200


def test_the_department_page_shows_only_the_department_s_own_rows(world, owed_world):
    AssignmentFactory(department=world.dept_b, townships=[world.township_a], title="农业农村局的交办")
    DelegationFactory(department=world.dept_b, townships=[world.township_a], state=Delegation.State.APPROVED)
    response = client_for(world.dept_a_user).get(reverse("requests:department", args=[world.dept_a.pk]))
    owed = response.context["owed"]
    assert {a.department_id for a in owed.assignments} == {world.dept_a.pk}
    assert {d.department_id for d in owed.delegations} == {world.dept_a.pk}
    assert {f.department.code for f in owed.flags} == {world.dept_a.code}
    assert "农业农村局的交办" not in text_of(response)


def test_the_department_page_runs_a_constant_number_of_queries(world, owed_world):
    url = reverse("requests:department", args=[world.dept_a.pk])
    client = client_for(world.dept_a_user)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count()
    for n in range(4):
        township = TownshipFactory(county=world.county)
        item = DutyItemFactory(county=world.county, department=world.dept_a)
        ListEntryFactory(kind=ListKind.TERRITORIAL, item=item, townships=[township, world.township_b])
        ListEntryFactory(kind=ListKind.RECLAIMED, item=DutyItemFactory(county=world.county, department=world.dept_a))
        delegation = DelegationFactory(
            department=world.dept_a, townships=[township, world.township_a], state=Delegation.State.APPROVED,
        )
        AssignmentFactory(department=world.dept_a, townships=[township, world.township_a], duty_item=item)
        AssignmentFactory(department=world.dept_a, townships=[township], responsibility=Assignment.Responsibility.MAIN,
                          duty_item=delegation.duty_items.first())
    assert count() == small


# --------------------------------------------------------------------------- after logging


def test_after_logging_an_assignment_the_department_sees_the_flags_it_raised(world, owed_world):
    item = owed_world["territorial"].item
    client = client_for(world.dept_a_user)
    response = client.post(reverse("requests:assignment_create"), {
        "title": "落实森林防火巡查主体责任", "duty_item": item.pk, "townships": [world.township_a.pk],
        "channel": "document", "responsibility": "main", "assigned_on": timezone.localdate().isoformat(),
    })
    assignment = Assignment.objects.get(title="落实森林防火巡查主体责任")
    assert response["Location"] == reverse("requests:assignment_detail", args=[assignment.pk])
    page = client.get(response["Location"])
    assert [f.rule for f in page.context["flags"]] == ["MAIN_DUTY_SHIFTED"]
    text = text_of(page)
    assert str(RULES["MAIN_DUTY_SHIFTED"].title) in text
    assert page.context["flags"][0].message in text
    assert "MAIN_DUTY_SHIFTED" not in text
    link = f'{reverse("pages:flag_list")}?township={world.township_a.code}&amp;department={world.dept_a.code}&amp;rule=MAIN_DUTY_SHIFTED'
    assert link in page.content.decode()


def test_the_office_logs_an_assignment_for_a_department_it_picks(world, owed_world):
    client = client_for(world.office)
    chooser = client.get(reverse("requests:assignment_create"))
    assert chooser.status_code == 200 and 'id="choose-department"' in chooser.content.decode()
    form = client.get(reverse("requests:assignment_create"), {"department": world.dept_a.pk})
    assert 'id="assignment-form"' in form.content.decode()
    response = client.post(reverse("requests:assignment_create"), {
        "department": world.dept_a.pk, "title": "开展危化品企业执法检查",
        "duty_item": owed_world["reclaimed"].item.pk, "townships": [world.township_b.pk],
        "channel": "meeting", "responsibility": "cooperate", "assigned_on": timezone.localdate().isoformat(),
    })
    assignment = Assignment.objects.get(title="开展危化品企业执法检查")
    assert assignment.recorded_by == Assignment.RecordedBy.OFFICE
    assert assignment.department == world.dept_a
    page = client.get(response["Location"])
    assert [f.rule for f in page.context["flags"]] == ["UNLISTED_ASSIGNMENT", "RECLAIMED_ITEM_ASSIGNED"]


def test_an_office_of_another_county_cannot_log_for_this_county_s_department(world):
    other_office = make_user(Profile.Role.OFFICE, username="office_b", county=CountyFactory(code="990202"))
    response = client_for(other_office).get(reverse("requests:assignment_create"), {"department": world.dept_a.pk})
    assert response.status_code == 400
    assert 'id="assignment-form"' not in response.content.decode()


def test_the_township_report_shows_the_rule_titles_never_the_codes(world, owed_world):
    client = client_for(world.township_a_user)
    response = client.post(reverse("pages:township_report", args=[world.township_a.code]), {
        "department": world.dept_a.code, "title": "危险化学品企业执法检查", "channel": "notice",
        "responsibility": "cooperate", "assigned_on": timezone.localdate().isoformat(),
        "duty_item": owed_world["reclaimed"].item.code,
    })
    page = client.get(response["Location"])
    assert [f.rule for f in page.context["flags"]] == ["UNLISTED_ASSIGNMENT", "RECLAIMED_ITEM_ASSIGNED"]
    text = text_of(page)
    assert str(RULES["RECLAIMED_ITEM_ASSIGNED"].title) in text
    assert "RECLAIMED_ITEM_ASSIGNED" not in text


# --------------------------------------------------------------------------- the report form


def test_the_report_form_has_no_default_responsibility_and_requires_one(world, owed_world):
    client = client_for(world.township_a_user)
    url = reverse("pages:township_report", args=[world.township_a.code])
    form = client.get(url).context["form"]
    assert form["responsibility"].value() in (None, "")
    assert form.fields["responsibility"].choices[0] == ("", "—")
    checked = client.post(reverse("pages:township_check", args=[world.township_a.code]), {"text": "森林防火巡查"})
    assert checked.context["report_form"]["responsibility"].value() in (None, "")
    response = client.post(url, {
        "department": world.dept_a.code, "title": "森林防火巡查", "channel": "notice",
        "assigned_on": timezone.localdate().isoformat(),
    })
    assert response.status_code == 400
    assert response.context["form"].errors["responsibility"] == [
        "请选择部门要求乡镇承担的责任：主体责任还是配合责任。"
    ]
    assert not Assignment.objects.filter(title="森林防火巡查").exists()


# --------------------------------------------------------------------------- search across tabs


@pytest.fixture
def searched(world):
    for code, name, kind in [
        ("XK001", "燃气经营许可", ListKind.POWER), ("JC001", "燃气安全检查", ListKind.POWER),
        ("QT004", "燃气安全隐患排查", ListKind.TERRITORIAL), ("QT005", "森林防火巡查", ListKind.TERRITORIAL),
        ("JC021", "危险化学品执法检查", ListKind.RECLAIMED),
    ]:
        ListEntryFactory(kind=kind, item=DutyItemFactory(county=world.county, department=world.dept_a, code=code, name=name))
    return world.township_a


def test_tab_counts_follow_the_search(world, searched):
    url = reverse("pages:township", args=[searched.code])
    plain = client_for().get(url).context["tabs"]
    assert [t["count"] for t in plain] == [2, 2, 0, 1]
    page = client_for().get(url, {"q": "燃气"})
    assert [t["count"] for t in page.context["tabs"]] == [2, 1, 0, 0]
    assert all("q=%E7%87%83%E6%B0%94" in t["url"] for t in page.context["tabs"])
    assert page.context["total_in_tab"] == 2


def test_an_empty_tab_says_where_the_search_found_matches(world, searched):
    url = reverse("pages:township", args=[searched.code])
    page = client_for().get(url, {"q": "森林防火", "list": "power"})
    assert [t["kind"] for t in page.context["matches_elsewhere"]] == ["territorial"]
    html = page.content.decode()
    assert 'data-matches="territorial"' in html
    assert "本清单没有符合“森林防火”的事项。在以下清单中找到：" in text_of(page)
    # A tab that has matches does not say "no match".
    page = client_for().get(url, {"q": "森林防火", "list": "territorial"})
    assert [e.item.code for e in page.context["entries"]] == ["QT005"]
    assert 'id="no-match"' not in page.content.decode()
    # Nothing anywhere: the plain message.
    page = client_for().get(url, {"q": "不存在的事项"})
    assert page.context["matches_elsewhere"] == []
    assert "没有符合搜索或筛选条件的事项。" in text_of(page)
    assert "在以下清单中找到" not in text_of(page)


def test_the_export_follows_the_search_too(world, searched):
    response = client_for().get(
        reverse("pages:township_export", args=[searched.code, "csv"]), {"q": "燃气", "list": "territorial"}
    )
    body = response.content.decode("utf-8-sig")
    assert "燃气安全隐患排查" in body and "森林防火巡查" not in body


# --------------------------------------------------------------------------- labels and 404


def test_township_names_are_headed_townships_concerned_not_a_count(world):
    delegation = DelegationFactory(department=world.dept_a, townships=[world.township_a])
    client = client_for(world.dept_a_user)
    assert "<legend>涉及乡镇（街道）</legend>" in client.get(reverse("requests:create")).content.decode()
    listing = client.get(reverse("requests:list")).content.decode()
    assert "<th>涉及乡镇（街道）</th>" in listing and "乡镇（街道）数" not in listing
    assert delegation.pk
    index = client_for().get(reverse("pages:index")).content.decode()
    assert "乡镇（街道）数" in index  # the county index counts them


@pytest.mark.parametrize(
    "name, args",
    [("requests:detail", [999999]), ("requests:assignment_detail", [999999]),
     ("requests:department", [999999])],
)
def test_a_missing_object_gets_a_chinese_404_body(world, name, args):
    response = client_for(world.office).get(reverse(name, args=args))
    assert response.status_code == 404
    text = text_of(response)
    assert "matches the given query" not in text
    assert "999999" in text and "页面不存在" in text


def test_django_s_own_404_message_is_never_shown():
    from django.http import Http404

    from config.views import not_found_message

    assert not_found_message(Http404("No Delegation matches the given query.")) == ""
    assert not_found_message(Http404("没有代码为 1 的乡镇。")) == "没有代码为 1 的乡镇。"
    assert not_found_message(Http404({"path": "x"})) == ""


def test_a_department_of_another_county_is_not_offered_to_a_county_office(world):
    other = DepartmentFactory(county=CountyFactory(code="990303"), name="外县局")
    office = make_user(Profile.Role.OFFICE, username="office_a", county=world.county)
    page = client_for(office).get(reverse("requests:assignment_create"))
    names = [d.name for d in page.context["departments"]]
    assert other.name not in names and world.dept_a.name in names
