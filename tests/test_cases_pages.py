"""The flag list page, grouped by case, in Chinese only, linking each case to its assignment,
delegation, townships and department; a case's page with its history and the forms of the
user's steps; the xlsx export through the formula-safe writer."""

import datetime
import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from delegations.flags import RULES, cases
from delegations.models import Case
from tests.factories import AssignmentFactory, DelegationFactory, DutyItemFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()  # set again for each test (conftest.run_day)
TODAY_IS_RUN_DAY = True
LIST = reverse("pages:flag_list")


@pytest.fixture
def pushed(world):
    """Dept A pushes an unlisted item (through a pledge) onto township A; dept B an unfunded
    delegation onto both townships."""
    item = DutyItemFactory(county=world.county, department=world.dept_a, code="A900",
                           name="森林防火巡查")
    assignment = AssignmentFactory(department=world.dept_a, duty_item=item, channel="pledge",
                                   title="森林防火巡查任务", townships=[world.township_a])
    delegation = DelegationFactory(department=world.dept_b, state="approved", staff_posts=0,
                                   funding_wan_yuan=0,
                                   townships=[world.township_a, world.township_b])
    return assignment, delegation


def case_of(assignment, township):
    return Case.objects.get(subject=f"assignment:{assignment.pk}:{township.pk}")


def page(client, user, **params):
    client.force_login(user)
    response = client.get(LIST, params)
    assert response.status_code == 200, response.content[:500]
    return response


def test_the_list_shows_one_group_per_case_with_its_flags_and_links(client, world, pushed):
    assignment, delegation = pushed
    response = page(client, world.office, county=world.county.code)
    groups = {g["case"].subject: g for g in response.context["groups"]}
    group = groups[f"assignment:{assignment.pk}:{world.township_a.pk}"]
    assert sorted(f.rule for f in group["flags"]) == ["LIABILITY_SHIFT_BY_ASSESSMENT",
                                                      "UNLISTED_ASSIGNMENT"]
    html = response.content.decode()
    assert reverse("requests:assignment_detail", args=[assignment.pk]) in html
    assert reverse("requests:detail", args=[delegation.pk]) in html
    assert reverse("pages:township", args=[world.township_b.code]) in html
    assert reverse("requests:department", args=[world.dept_a.pk]) in html
    assert len(groups[f"delegation:{delegation.pk}"]["flags"]) == 2


def test_the_list_speaks_chinese_only(client, world, pushed):
    response = page(client, world.office, county=world.county.code, rule="UNLISTED_ASSIGNMENT",
                    severity="error", status="open", department="YJJ")
    html = response.content.decode()
    text = re.sub(r"<[^>]+>", " ", html)  # what the reader sees (links may carry codes)
    assert not [code for code in RULES if code in text], "no raw rule code"
    chips = dict(response.context["chips"])
    assert chips == {"县（市、区）": "示范县", "部门": "示范县应急管理局", "问题类型": str(
        RULES["UNLISTED_ASSIGNMENT"].title), "严重程度": "违规", "办理状态": "待处理"}
    assert not re.search(r"\b(county|township|department|severity|status|rule)\s*:", text)


def test_a_township_user_sees_its_own_findings_of_a_delegations_case(client, world, pushed):
    _assignment, delegation = pushed
    response = page(client, world.township_b_user, township=world.township_a.code)
    assert [g["case"].subject for g in response.context["groups"]] == [f"delegation:{delegation.pk}"]
    assert {f.township.code for f in response.context["flags"]} == {world.township_b.code}
    assert reverse("requests:department", args=[world.dept_b.pk]) not in response.content.decode()


def test_status_tabs_and_the_overdue_filter(client, world, pushed):
    assignment, _delegation = pushed
    case = case_of(assignment, world.township_a)
    cases.notify(world.office, case, deadline=TODAY)
    Case.objects.filter(pk=case.pk).update(due_on=TODAY - datetime.timedelta(days=1))
    response = page(client, world.office, overdue="true")
    assert [g["case"].pk for g in response.context["groups"]] == [case.pk]
    assert response.context["groups"][0]["overdue"]
    tabs = response.context["status_links"]
    assert [t["label"] for t in tabs] == ["全部", "待处理", "已通知", "已答复", "已办结", "逾期"]
    assert [t["current"] for t in tabs] == [False] * 5 + [True]
    response = page(client, world.office, status="open")
    assert case.pk not in [g["case"].pk for g in response.context["groups"]]


def test_the_case_page_walks_the_loop_for_each_role(client, world, pushed):
    assignment, _delegation = pushed
    case = case_of(assignment, world.township_a)
    url = f"{LIST}?case={case.pk}"

    response = page(client, world.office, case=case.pk)
    assert set(response.context["step_forms"]) == {"notify", "close"}
    response = client.post(url, {"step": "notify", "notify-deadline": "", "notify-note": "请撤回交办"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "notified" and case.notice == "请撤回交办"

    response = page(client, world.dept_a_user, case=case.pk)
    assert set(response.context["step_forms"]) == {"answer"}
    assert response.context["request_url"] == reverse("requests:create")
    client.post(url, {"step": "answer", "answer-answer": "disputed", "answer-note": ""})
    case.refresh_from_db()
    assert case.status == "notified", "a dispute without a reason is refused"
    response = client.get(url)
    assert "提出异议须说明理由" in response.content.decode()
    client.post(url, {"step": "answer", "answer-answer": "withdrawn", "answer-note": "已撤回"})
    case.refresh_from_db()
    assert case.status == "answered"

    response = page(client, world.township_a_user, case=case.pk)
    assert response.context["step_forms"] == {}
    assert [s["status"] for s in response.context["history"]] == ["open", "notified", "answered"]
    html = response.content.decode()
    assert "请撤回交办" in html and "已撤回" in html
    client.post(url, {"step": "close", "close-resolution": "corrected"})
    case.refresh_from_db()
    assert case.status == "answered", "a township closes nothing"

    client.force_login(world.office)
    client.post(url, {"step": "close", "close-resolution": "dismissed", "close-note": "核实为临时协助"})
    case.refresh_from_db()
    assert (case.status, case.resolution) == ("closed", "dismissed")


def test_a_case_out_of_sight_is_a_404_on_its_page(client, world, pushed):
    assignment, _delegation = pushed
    case = case_of(assignment, world.township_a)
    client.force_login(world.township_b_user)
    assert client.get(LIST, {"case": case.pk}).status_code == 404
    assert client.post(f"{LIST}?case={case.pk}", {"step": "close"}).status_code == 404
    client.force_login(world.office)
    assert client.get(LIST, {"case": "12x"}).status_code == 400


def test_the_export_is_an_xlsx_of_the_filtered_flags_safe_to_open(client, world):
    item = DutyItemFactory(county=world.county, department=world.dept_a, code="F001",
                           name="=HYPERLINK(\"http://x\")")
    AssignmentFactory(department=world.dept_b, duty_item=item, title="+1 交办",
                      townships=[world.township_a])
    client.force_login(world.office)
    response = client.get(LIST, {"county": world.county.code, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:4] == ("问题件编号", "办理状态", "严重程度", "问题类型")
    data = rows[2:]
    assert {row[3] for row in data} >= {str(RULES["UNLISTED_ASSIGNMENT"].title)}
    cell = next(c for c in sheet.iter_rows(min_row=3) for c in c if c.value == item.name)
    assert cell.data_type == "s" and cell.quotePrefix


def test_the_list_runs_a_constant_number_of_queries(client, world, pushed):
    client.force_login(world.office)
    client.get(LIST)

    def count():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(captured), response.context["page"].paginator.count

    small, n = count()
    for i in range(5):
        AssignmentFactory(department=world.dept_a, title=f"任务{i}",
                          townships=[world.township_a, world.township_b])
    large, m = count()
    assert m > n and large == small
