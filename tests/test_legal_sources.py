"""Legal sources by place: every flag cites the national source first and, where the county's
province has its own regulation (ProvinceSource, set once in the admin), the province's —
never another province's. The same citation reaches the API, the flag and case pages, the
department and assignment pages and the xlsx export, with one query for a whole list."""

import io

import openpyxl
import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from delegations.flags import RULES, StoredFlagQuery
from delegations.flags.legal_sources import LegalSources, province_of, source_for
from delegations.flags.models import ProvinceSource
from delegations.models import Assignment
from duties.models import ListKind
from tests.factories import (
    AssignmentFactory,
    CountyFactory,
    DepartmentFactory,
    DutyItemFactory,
    ListEntryFactory,
    TownshipFactory,
    make_user,
)
from tests.factories_admin import changeform_payload, constraint_message
from townships.models import Profile

pytestmark = pytest.mark.django_db
# After each test, the flag store equals the rules computed today.
from tests.factories import store_follows_every_test, the_store_follows  # noqa: E402, F401

SHANDONG = "鲁编办发〔2019〕4号"
SHANGHAI = "上海市街道办事处条例"
PROVINCIAL_WORDS = (SHANDONG, "鲁编办", SHANGHAI, "上海", "晋编办")
LIST = reverse("pages:flag_list")


class Place:
    """A county with a township, a department, its office and the department's user, and
    two offloaded assignments: an unlisted item and a main responsibility on a territorial
    item (UNLISTED_ASSIGNMENT, MAIN_DUTY_SHIFTED)."""

    def __init__(self, code, name, tag):
        self.county = CountyFactory(code=code, name=name)
        self.township = TownshipFactory(county=self.county, code=f"{code}101", name=f"{tag}一镇")
        self.department = DepartmentFactory(county=self.county, code="YJJ", name=f"{tag}应急管理局")
        self.office = make_user(Profile.Role.OFFICE, username=f"office-{code}", county=self.county)
        self.department_user = make_user(Profile.Role.DEPARTMENT, username=f"dept-{code}",
                                         department=self.department)
        unlisted = DutyItemFactory(county=self.county, department=self.department,
                                   code=f"U{code}", name=f"{tag}未列事项")
        territorial = DutyItemFactory(county=self.county, department=self.department,
                                      code=f"T{code}", name=f"{tag}属地事项")
        ListEntryFactory(kind=ListKind.TERRITORIAL, item=territorial)
        self.unlisted = AssignmentFactory(department=self.department, duty_item=unlisted,
                                          title=f"{tag}未列任务", townships=[self.township])
        self.main = AssignmentFactory(department=self.department, duty_item=territorial,
                                      title=f"{tag}主体责任任务", townships=[self.township],
                                      responsibility=Assignment.Responsibility.MAIN)


@pytest.fixture
def shandong():
    return Place("370102", "历下区", "历下")


@pytest.fixture
def shanxi():
    return Place("140105", "小店区", "小店")


@pytest.fixture
def demo_county():
    return Place("999001", "云岭县", "云岭")


def api_flags(user, **params):
    client = APIClient()
    client.force_authenticate(user)
    response = client.get("/api/v1/flags/", {"limit": 500, **params})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def by_rule(flags):
    return {flag["rule"]: flag["source"] for flag in flags}


def national(code):
    return RULES[code].source


# --- the national sources ------------------------------------------------------------------


def test_every_rules_own_source_is_national_only():
    for code, rule in RULES.items():
        assert rule.source, code
        assert not any(word in rule.source for word in PROVINCIAL_WORDS), (code, rule.source)
    assert "行政强制法" in RULES["NON_DELEGABLE_POWER"].source
    assert "行政处罚法" in RULES["GRANT_WITHOUT_PROVINCIAL_DECISION"].source
    assert "清单之外无事项" in RULES["UNLISTED_ASSIGNMENT"].source
    assert "基层整合审批服务执法力量" in RULES["LIABILITY_SHIFT_BY_ASSESSMENT"].source
    assert "履行职责事项清单" in RULES["MAIN_DUTY_SHIFTED"].source


def test_the_shipped_province_sources_are_shandongs_and_shanghais():
    shipped = set(ProvinceSource.objects.values_list("province", "rule"))
    assert {("37", "MAIN_DUTY_SHIFTED"), ("37", "VAGUE_COOPERATION"),
            ("31", "UNLISTED_ASSIGNMENT")} <= shipped
    assert all(SHANDONG in text for text in
               ProvinceSource.objects.filter(province="37").values_list("text", flat=True))
    assert {p for p, _rule in shipped} == {"31", "37"}
    row = ProvinceSource.objects.get(province="37", rule="MAIN_DUTY_SHIFTED")
    assert row.history.count() == 1


# --- per county ----------------------------------------------------------------------------


def test_a_shandong_countys_flags_cite_the_national_source_then_lu_bianban(shandong):
    sources = by_rule(api_flags(shandong.office))
    main = sources["MAIN_DUTY_SHIFTED"]
    assert main.startswith(national("MAIN_DUTY_SHIFTED") + "；")
    assert SHANDONG in main and main.index(SHANDONG) > len(national("MAIN_DUTY_SHIFTED"))
    assert SHANGHAI not in main
    assert SHANGHAI not in sources["UNLISTED_ASSIGNMENT"]


@pytest.mark.parametrize("place", ["shanxi", "demo_county"])
def test_a_county_of_another_province_cites_the_national_source_only(request, place):
    county = request.getfixturevalue(place)
    flags = api_flags(county.office)
    assert {"UNLISTED_ASSIGNMENT", "MAIN_DUTY_SHIFTED"} <= {f["rule"] for f in flags}
    for flag in flags:
        assert flag["source"] == national(flag["rule"]), flag["rule"]
        assert not any(word in flag["source"] for word in PROVINCIAL_WORDS)


def test_a_shanghai_countys_unlisted_work_cites_the_street_office_regulation():
    place = Place("310101", "黄浦区", "黄浦")
    sources = by_rule(api_flags(place.office))
    assert sources["UNLISTED_ASSIGNMENT"] == (
        national("UNLISTED_ASSIGNMENT") + "；《上海市街道办事处条例》第十一条")
    assert sources["MAIN_DUTY_SHIFTED"] == national("MAIN_DUTY_SHIFTED")


def test_two_provinces_in_one_list_each_cite_their_own(shandong, shanxi):
    superuser = make_user(Profile.Role.OFFICE, username="all-counties")  # every county
    flags = api_flags(superuser, rule="MAIN_DUTY_SHIFTED")
    sources = {f["township"]["code"][:2]: f["source"] for f in flags}
    assert SHANDONG in sources["37"]
    assert sources["14"] == national("MAIN_DUTY_SHIFTED")


def test_source_for_composes_national_then_province():
    assert province_of("370102") == "37" and province_of("999001") is None
    assert province_of(None) is None
    sources = LegalSources({("14", "OVERDUE_REVIEW"): "晋编办字〔2023〕143号"}, ["14"])
    assert source_for("OVERDUE_REVIEW", "140105", sources) == (
        national("OVERDUE_REVIEW") + "；晋编办字〔2023〕143号")
    assert source_for(RULES["OVERDUE_REVIEW"], "370102", sources) == (
        national("OVERDUE_REVIEW"))  # Shandong's rows read on their own (one query)
    assert source_for("OVERDUE_REVIEW", "990101", sources) == national("OVERDUE_REVIEW")


# --- the admin ------------------------------------------------------------------------------


def admin_url(view, *args):
    return reverse(f"admin:delegations_provincesource_{view}", args=args)


def add_source(client, **fields):
    page = client.get(admin_url("add"))
    assert page.status_code == 200
    data = changeform_payload(page)
    data.update(fields)
    return client.post(admin_url("add"), data)


def test_a_source_set_in_the_admin_reaches_the_api_the_pages_and_the_export(client, shanxi):
    client.force_login(shanxi.office)
    page = client.get(admin_url("add"))
    assert [value for value, _label in page.context["adminform"].form.fields["province"].choices
            if value] == ["14"], "a county office is offered its own province only"
    text = "晋编办字〔2023〕143号《关于规范乡镇（街道）属地管理事项的通知》"
    response = add_source(client, province="14", rule="MAIN_DUTY_SHIFTED", text=text,
                          change_reason="省编办通知")
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    row = ProvinceSource.objects.get(province="14", rule="MAIN_DUTY_SHIFTED")
    assert row.history.get().history_change_reason == "省编办通知"
    expected = national("MAIN_DUTY_SHIFTED") + "；" + text

    # The API
    assert by_rule(api_flags(shanxi.office))["MAIN_DUTY_SHIFTED"] == expected
    assert by_rule(api_flags(shanxi.department_user))["MAIN_DUTY_SHIFTED"] == expected
    # The flag list, and a case's page
    listing = client.get(LIST)
    assert text in listing.content.decode()
    flag = next(f for f in StoredFlagQuery(county=shanxi.county, rules=["MAIN_DUTY_SHIFTED"]))
    assert flag.source == expected
    case_page = client.get(LIST, {"case": flag.case})
    assert case_page.status_code == 200 and text in case_page.content.decode()
    # The cases API
    api = APIClient()
    api.force_authenticate(shanxi.office)
    case = api.get(f"/api/v1/cases/{flag.case}/")
    assert case.status_code == 200 and text in case.content.decode()
    # The assignment's page (its flags as cards, with their sources)
    client.force_login(shanxi.department_user)
    assignment_page = client.get(reverse("requests:assignment_detail", args=[shanxi.main.pk]))
    assert assignment_page.status_code == 200 and text in assignment_page.content.decode()
    # The export
    client.force_login(shanxi.office)
    export = client.get(LIST, {"format": "xlsx"})
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    header = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    column = header.index("依据")
    cited = {row[column] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert expected in cited
    assert national("UNLISTED_ASSIGNMENT") in cited


def test_a_changed_source_shows_at_once_and_a_deleted_one_goes(client, shandong):
    row = ProvinceSource.objects.get(province="37", rule="MAIN_DUTY_SHIFTED")
    client.force_login(shandong.office)
    page = client.get(admin_url("change", row.pk))
    assert page.status_code == 200
    data = changeform_payload(page)
    data.update(text="鲁编办发〔2019〕4号（修订）", change_reason="文件修订")
    assert client.post(admin_url("change", row.pk), data).status_code == 302
    assert by_rule(api_flags(shandong.office))["MAIN_DUTY_SHIFTED"].endswith("；鲁编办发〔2019〕4号（修订）")
    assert client.post(admin_url("delete", row.pk), {"post": "yes"}).status_code == 302
    assert by_rule(api_flags(shandong.office))["MAIN_DUTY_SHIFTED"] == national("MAIN_DUTY_SHIFTED")


def test_an_office_of_one_province_cannot_touch_anothers_sources(client, shanxi):
    shandong_row = ProvinceSource.objects.get(province="37", rule="MAIN_DUTY_SHIFTED")
    client.force_login(shanxi.office)
    listing = client.get(admin_url("changelist"))
    assert listing.status_code == 200
    assert shandong_row.pk not in {o.pk for o in listing.context["cl"].result_list}
    for view in ("change", "delete", "history"):
        assert client.get(admin_url(view, shandong_row.pk)).status_code in (403, 404), view
    assert client.post(admin_url("change", shandong_row.pk),
                       {"province": "14", "rule": "MAIN_DUTY_SHIFTED", "text": "x",
                        "change_reason": "x"}).status_code in (403, 404)
    assert client.post(admin_url("delete", shandong_row.pk), {"post": "yes"}).status_code in (403, 404)
    version = reverse("admin:delegations_provincesource_simple_history",
                      args=(shandong_row.pk, shandong_row.history.get().history_id))
    assert client.get(version).status_code in (403, 404)
    # Nor may it add one for Shandong by posting the code by hand.
    response = add_source(client, province="37", rule="OVERDUE_REVIEW", text="冒充的依据",
                          change_reason="测试")
    assert response.status_code in (200, 403)
    assert not ProvinceSource.objects.filter(text="冒充的依据").exists()
    shandong_row.refresh_from_db()
    assert SHANDONG in shandong_row.text


def test_an_office_whose_county_is_in_no_province_adds_none(client, demo_county):
    client.force_login(demo_county.office)
    assert client.get(admin_url("changelist")).status_code == 200
    assert client.get(admin_url("add")).status_code == 403


def test_an_office_of_every_county_and_a_superuser_see_every_province(client, db):
    from django.contrib.auth import get_user_model

    rows = set(ProvinceSource.objects.values_list("pk", flat=True))
    everyone = make_user(Profile.Role.OFFICE, username="office-all")
    root = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    for user in (everyone, root):
        client.force_login(user)
        listing = client.get(admin_url("changelist"))
        assert {o.pk for o in listing.context["cl"].result_list} == rows
        page = client.get(admin_url("add"))
        assert len([v for v, _l in page.context["adminform"].form.fields["province"].choices if v]) == 34


def test_the_admin_speaks_chinese(client, shandong):
    client.force_login(shandong.office)
    body = client.get(admin_url("changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "省级依据" in body and "37 山东省" in body
    assert "MAIN_DUTY_SHIFTED" not in body.split("<tbody>")[-1].split("</tbody>")[0]


# --- constraints ------------------------------------------------------------------------------


def test_the_province_code_is_a_gbt_2260_province(db):
    from django.utils import translation

    with translation.override("en"):
        assert "GB/T 2260" in constraint_message(ProvinceSource, "province_source_province_valid")
    with translation.override("zh-hans"):
        assert "省级" in constraint_message(ProvinceSource, "province_source_province_valid")
        assert "该省份已" in constraint_message(ProvinceSource, "province_source_once_per_rule")
    for bad in ("99", "3", "370", "AB"):  # PostgreSQL refuses "370" for its length already
        with pytest.raises((IntegrityError, DataError)), transaction.atomic():
            ProvinceSource.objects.create(province=bad, rule="OVERDUE_REVIEW", text="某文件")


def test_one_source_per_province_and_rule(db):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    duplicate = ProvinceSource(province="37", rule="MAIN_DUTY_SHIFTED", text="另一份文件")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        duplicate.full_clean()
    assert "该省份已为此规则设置了依据" in str(refused.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProvinceSource.objects.create(province="14", rule="OVERDUE_REVIEW", text="")


def test_the_admin_shows_the_constraint_messages_in_chinese(client, shandong):
    client.force_login(shandong.office)
    page = client.get(admin_url("add"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    data = changeform_payload(page)
    data.update(province="37", rule="MAIN_DUTY_SHIFTED", text="重复", change_reason="测试")
    response = client.post(admin_url("add"), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert "该省份已为此规则设置了依据" in response.content.decode()


# --- queries ------------------------------------------------------------------------------------


def test_a_list_reads_the_province_sources_in_one_query(shandong, shanxi):
    everyone = make_user(Profile.Role.OFFICE, username="office-all")
    client = APIClient()
    client.force_authenticate(everyone)

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/flags/", {"limit": 500})
        assert response.status_code == 200
        reads = [q["sql"] for q in captured if "provincesource" in q["sql"].lower()]
        return len(captured), len(reads), response.json()["count"]

    count()  # warm the caches
    small, small_reads, n = count()
    for i in range(4):
        for place in (shandong, shanxi):
            AssignmentFactory(department=place.department, duty_item=place.main.duty_item,
                              title=f"再次主体责任{i}", townships=[place.township],
                              responsibility=Assignment.Responsibility.MAIN)
    Place("310101", "黄浦区", "黄浦")
    large, large_reads, m = count()
    assert m > n
    assert small_reads == large_reads == 1
    assert large == small


def test_the_flag_list_page_query_count_stays_constant(client, shandong):
    client.force_login(shandong.office)
    client.get(LIST)

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(captured)

    small = count()
    for i in range(5):
        AssignmentFactory(department=shandong.department, duty_item=shandong.main.duty_item,
                          title=f"又一主体责任{i}", townships=[shandong.township],
                          responsibility=Assignment.Responsibility.MAIN)
    assert count() == small
