"""Public pages: county index, county page, township page (tabs, counts, search, filters,
scope, escaping, query count), exports and error pages."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from duties.models import Category, ListKind, PowerSource
from tests.factories import CountyFactory, DutyItemFactory, ListEntryFactory, TownshipFactory
from tests.factories_public import sample_lists


@pytest.fixture
def lists(world):
    return sample_lists(world.county)


def township_url(world, **params):
    url = reverse("pages:township", args=[world.township_a.code])
    if params:
        from django.utils.http import urlencode

        url += "?" + urlencode(params)
    return url


def codes(response):
    return [entry.item.code for entry in response.context["entries"]]


# --- index and county ---------------------------------------------------------------------


def test_the_root_url_is_the_county_index(client, world):
    response = client.get("/")
    assert response.status_code == 200
    assert world.county.name in response.content.decode()
    assert reverse("pages:county", args=[world.county.code]) in response.content.decode()


def test_the_county_page_counts_each_list_per_township(client, world, lists):
    ListEntryFactory(item__county=world.county, townships=[world.township_b])
    response = client.get(reverse("pages:county", args=[world.county.code]))
    assert response.status_code == 200
    rows = {township.code: counts for township, counts in response.context["rows"]}
    assert rows[world.township_a.code] == [14, 9, 3, 7]
    assert rows[world.township_b.code] == [15, 9, 3, 7]


def test_the_county_page_does_not_count_drafts_for_the_public(client, world, lists):
    ListEntryFactory(item__county=world.county, status="draft")
    response = client.get(reverse("pages:county", args=[world.county.code]))
    rows = {township.code: counts for township, counts in response.context["rows"]}
    assert rows[world.township_a.code][0] == 14


def test_an_unknown_county_is_a_404(client, world):
    assert client.get(reverse("pages:county", args=["123456"])).status_code == 404


# --- township page --------------------------------------------------------------------------


def test_the_township_page_shows_the_four_lists_as_tabs_with_counts(client, world, lists):
    response = client.get(township_url(world))
    assert response.status_code == 200
    tabs = response.context["tabs"]
    assert [t["kind"] for t in tabs] == ["power", "territorial", "admission", "reclaimed"]
    assert [t["count"] for t in tabs] == [14, 9, 3, 7]
    assert [t["current"] for t in tabs] == [True, False, False, False]
    assert codes(response) == sorted(code for code in lists if code.startswith("P"))
    html = response.content.decode()
    assert "乡村建设规划许可证核发" in html
    assert "《中华人民共和国城乡规划法》第四十一条" in html


@pytest.mark.parametrize(
    "kind, first, text",
    [
        ("territorial", "T001", "负责燃气行业安全监管"),
        ("admission", "A001", "示县委办〔2024〕12号"),
        ("reclaimed", "R001", "由县市场监督管理局统一实施，乡镇不再承担"),
    ],
)
def test_each_tab_shows_its_own_list(client, world, lists, kind, first, text):
    response = client.get(township_url(world, list=kind))
    assert response.status_code == 200
    assert codes(response)[0] == first
    assert all(e.kind == kind for e in response.context["entries"])
    assert text in response.content.decode()


def test_the_territorial_list_shows_the_departments_duty_beside_the_townships(client, world, lists):
    html = client.get(township_url(world, list="territorial")).content.decode()
    row = html[html.index("T002") :]
    row = row[: row.index("</tr>")]
    dept = row.index("负责秸秆禁烧监督管理和行政执法，组织火点监测")
    township = row.index("开展秸秆禁烧巡查，发现焚烧行为及时劝阻制止并报告")
    assert dept < township
    assert "生态环境局" in row


def test_the_page_counts_the_tab_by_category(client, world, lists):
    response = client.get(township_url(world))
    counts = {c["value"]: c["count"] for c in response.context["categories"]}
    assert counts[Category.PAYMENT] == 4
    assert counts[Category.LICENSING] == 1
    assert sum(counts.values()) == 14


@pytest.mark.parametrize(
    "q, expected",
    [
        ("宅基地", ["P002"]),  # name
        ("P010", ["P010"]),  # code
        ("兵役法", ["P007"]),  # legal basis
        ("社会救助暂行办法 第十四条", ["P004"]),  # every term must match
        ("nothing-like-this", []),
    ],
)
def test_search_looks_into_name_code_and_basis(client, world, lists, q, expected):
    assert codes(client.get(township_url(world, q=q))) == expected


def test_search_looks_into_the_duties_of_territorial_rows(client, world, lists):
    response = client.get(township_url(world, list="territorial", q="劝阻制止"))
    assert codes(response) == ["T002"]


def test_search_looks_into_the_responsibility_stages(client, world, lists):
    item = DutyItemFactory(
        county=world.county, code="P099", responsibility_stages="受理责任：公示依法应当提交的材料"
    )
    ListEntryFactory(item=item)
    assert codes(client.get(township_url(world, q="公示依法"))) == ["P099"]


def test_filter_by_category(client, world, lists):
    response = client.get(township_url(world, category=Category.PAYMENT))
    assert codes(response) == ["P003", "P004", "P005", "P006"]


def test_filter_by_department(client, world, lists):
    assert codes(client.get(township_url(world, department="ZRJ"))) == ["P001", "P009", "P010"]
    response = client.get(township_url(world, list="reclaimed", department="SCJ"))
    assert codes(response) == ["R001", "R003", "R006"]
    response = client.get(township_url(world, list="territorial", department="SLJ"))
    assert codes(response) == ["T003", "T009"]


def test_filter_by_source(client, world, lists):
    response = client.get(township_url(world, source=PowerSource.GRANTED))
    assert codes(response) == ["P001", "P010"]
    assert codes(client.get(township_url(world, source=PowerSource.ENTRUSTED))) == ["P012"]


def test_filters_combine_with_search(client, world, lists):
    response = client.get(township_url(world, category=Category.PAYMENT, q="申请审"))
    assert codes(response) == ["P004", "P005"]


def test_an_unknown_filter_value_is_a_clear_message_not_a_500(client, world, lists):
    response = client.get(township_url(world, category="nonsense"))
    assert response.status_code == 400
    assert "category" in response.context["form"].errors
    assert len(codes(response)) == 14  # the page still shows the list, unfiltered


def test_the_public_sees_published_entries_only(client, world, lists):
    ListEntryFactory(item__county=world.county, item__code="P100", status="draft")
    assert "P100" not in codes(client.get(township_url(world)))


def test_the_office_also_sees_drafts_marked_as_such(client, world, lists):
    ListEntryFactory(item__county=world.county, item__code="P100", status="draft")
    client.force_login(world.office)
    response = client.get(township_url(world))
    assert "P100" in codes(response)
    assert "badge--warning" in response.content.decode()


def test_a_township_user_sees_published_entries_like_the_public(client, world, lists):
    ListEntryFactory(item__county=world.county, item__code="P100", status="draft")
    client.force_login(world.township_a_user)
    assert "P100" not in codes(client.get(township_url(world)))


def test_entries_of_another_township_or_county_are_not_shown(client, world, lists):
    ListEntryFactory(item__county=world.county, item__code="P100", townships=[world.township_b])
    ListEntryFactory(item__county=world.county, item__code="P101", townships=[world.township_a])
    other = CountyFactory()
    ListEntryFactory(item__county=other, item__code="P102")
    shown = codes(client.get(township_url(world)))
    assert "P101" in shown
    assert "P100" not in shown and "P102" not in shown


def test_entries_not_in_force_today_are_not_shown(client, world, lists):
    today = timezone.localdate()
    ListEntryFactory(item__county=world.county, item__code="P100", effective_from=today + datetime.timedelta(days=30))
    ListEntryFactory(
        item__county=world.county,
        item__code="P101",
        effective_from=datetime.date(2020, 1, 1),
        effective_to=datetime.date(2021, 1, 1),
    )
    shown = codes(client.get(township_url(world)))
    assert "P100" not in shown and "P101" not in shown


def test_an_unknown_township_code_is_a_404_page(client, world):
    response = client.get(reverse("pages:township", args=["990101999"]))
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "990101999" in html


def test_an_unknown_township_code_gives_the_404_page_in_chinese(client, world):
    """Passes once the translations are merged into locale/zh_Hans."""
    response = client.get(reverse("pages:township", args=["990101999"]))
    assert "页面不存在" in response.content.decode()


@pytest.mark.parametrize("bad", ["2025-02-30", "yesterday", "2025/01/01", "1899-01-01"])
def test_a_malformed_as_of_date_is_a_clear_message_not_a_500(client, world, lists, bad):
    response = client.get(township_url(world, as_of=bad))
    assert response.status_code == 400
    assert response.context["form"].errors["as_of"]
    assert response.context["as_of"] is None
    assert len(codes(response)) == 14
    assert 'role="alert"' in response.content.decode()


def test_user_supplied_text_is_escaped(client, world):
    item = DutyItemFactory(
        county=world.county,
        code="X<b>1",
        name="<script>alert('item')</script>",
        legal_basis="<img src=x onerror=alert(1)>",
    )
    ListEntryFactory(item=item, handling_office="<i>office</i>")
    ListEntryFactory(
        kind=ListKind.TERRITORIAL,
        item__county=world.county,
        township_duty="<script>alert('duty')</script>",
    )
    world.township_a.name = "<script>alert('t')</script>镇"
    world.township_a.save()
    for params in ({}, {"list": "territorial"}, {"q": "<script>"}):
        html = client.get(township_url(world, **params)).content.decode()
        assert "<script>alert(" not in html
        assert "<img src=x" not in html
        assert "<i>office</i>" not in html
    html = client.get(township_url(world)).content.decode()
    assert "&lt;script&gt;alert(&#x27;item&#x27;)&lt;/script&gt;" in html
    html = client.get(reverse("pages:county", args=[world.county.code])).content.decode()
    assert "<script>alert(" not in html


def _entries(county, n):
    for i in range(n):
        kind = list(ListKind)[i % 4]
        ListEntryFactory(kind=kind, item__county=county, item__code=f"Q{i:04d}")


@pytest.mark.parametrize("login", [None, "office", "township_a_user"])
def test_the_township_page_query_count_does_not_grow_with_the_entries(client, world, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if login:
        client.force_login(getattr(world, login))
    views = [
        {},
        {"list": "territorial"},
        {"q": "Q00", "category": "inspection"},
        {"as_of": timezone.localdate().isoformat()},
    ]

    def counts():
        result = []
        for params in views:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(township_url(world, **params)).status_code == 200
            result.append(len(queries.captured_queries))
        return result

    _entries(world.county, 8)
    small = counts()
    for i in range(120):
        ListEntryFactory(
            kind=list(ListKind)[i % 4],
            item__county=world.county,
            item__code=f"R{i:04d}",
            townships=[world.township_a] if i % 3 == 0 else None,
        )
    assert len(client.get(township_url(world)).context["entries"]) > 30
    assert counts() == small


def test_the_county_page_query_count_does_not_grow_with_townships(client, world, lists):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("pages:county", args=[world.county.code])
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _ in range(10):
        township = TownshipFactory(county=world.county)
        ListEntryFactory(item__county=world.county, townships=[township])
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


# --- export -----------------------------------------------------------------------------------


def test_the_csv_export_holds_what_is_on_screen(client, world, lists):
    url = reverse("pages:township_export", args=[world.township_a.code, "csv"])
    response = client.get(url, {"list": "power", "category": Category.PAYMENT})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["事项编码", "权力类型", "事项名称"]
    assert [row[0] for row in rows[1:]] == ["P003", "P004", "P005", "P006"]
    assert rows[1][1] == "行政给付"


def test_the_xlsx_export_holds_what_is_on_screen_with_title_and_header(client, world, lists):
    url = reverse("pages:township_export", args=[world.township_a.code, "xlsx"])
    response = client.get(url, {"list": "territorial", "q": "巡查"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert "属地管理清单" in values[0][0]
    header = list(values[1])
    assert header[:6] == ["事项编码", "领域", "事项名称", "主体责任部门", "部门职责", "乡镇（街道）配合职责"]
    shown = codes(client.get(township_url(world, list="territorial", q="巡查")))
    assert [row[0] for row in values[2:]] == shown
    assert sheet.freeze_panes == "A3"


def test_exported_text_that_looks_like_a_formula_stays_text(client, world):
    ListEntryFactory(item__county=world.county, item__code="F1", item__name="=HYPERLINK(\"x\")")
    url = reverse("pages:township_export", args=[world.township_a.code, "xlsx"])
    sheet = load_workbook(io.BytesIO(client.get(url).content)).active
    cell = sheet.cell(row=3, column=3)
    assert cell.value == '=HYPERLINK("x")'
    assert cell.data_type == "s"
    url = reverse("pages:township_export", args=[world.township_a.code, "csv"])
    text = client.get(url).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_an_unknown_export_format_is_a_404(client, world):
    url = f"/townships/{world.township_a.code}/export.pdf"
    assert client.get(url).status_code == 404


def test_the_export_of_a_malformed_query_is_a_400(client, world):
    url = reverse("pages:township_export", args=[world.township_a.code, "csv"])
    response = client.get(url, {"as_of": "2025-99-99"})
    assert response.status_code == 400


# --- print layout -------------------------------------------------------------------------------


def test_the_page_carries_the_print_title_and_the_stylesheet_numbers_pages(client, world, lists):
    html = client.get(township_url(world, list="reclaimed")).content.decode()
    assert 'class="print-title"' in html
    assert f"{world.county.name}{world.township_a.name}" in html
    from django.contrib.staticfiles import finders

    css = open(finders.find("css/qingdan.css"), encoding="utf-8").read()
    assert "@page" in css and "counter(page)" in css and "@media print" in css


def test_pages_use_no_external_assets(client, world, lists):
    html = client.get(township_url(world)).content.decode()
    for marker in ('src="http', "src='http", 'href="http', "href='http", "//cdn"):
        assert marker not in html


def test_the_export_of_a_past_day_holds_that_days_rows(client, world, lists):
    url = reverse("pages:township_export", args=[world.township_a.code, "csv"])
    today = timezone.localdate().isoformat()
    response = client.get(url, {"list": "reclaimed", "as_of": today})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["事项编码", "事项名称", "承接部门"]
    assert [row[0] for row in rows[1:]] == [f"R00{i}" for i in range(1, 8)]
    response = client.get(url.replace(".csv", ".xlsx"), {"list": "reclaimed", "as_of": "2020-01-01"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert list(sheet.values)[1][0] == "事项编码"
    assert len(list(sheet.values)) == 2  # nothing was on the list then


def test_the_500_page_renders_without_a_request_context(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "qingdan" in html
    assert "/static/css/qingdan.css" in html
