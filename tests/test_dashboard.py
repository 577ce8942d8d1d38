"""The office dashboard: flags by rule, department and township as SVG bar charts linking to
the filtered flag list; the departments pushing most unapproved work first; the cases: open
and overdue by department and township, opened by month, median days to answer."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from delegations import dashboard, flags
from delegations.flags import cases
from delegations.models import Case
from tests.factories import AssignmentFactory, CountyFactory, DepartmentFactory, make_user
from tests.factories import store_follows_every_test, the_store_follows  # noqa: F401
from townships.models import Profile

TODAY = timezone.localdate()  # set again for each test (conftest.run_day)
TODAY_IS_RUN_DAY = True


@pytest.fixture
def pushed(world):
    """Unlisted work: dept_b pushes three tasks, dept_a one; all onto township_a but one."""
    for title in ("迎检材料报送", "招商引资任务", "经济普查入户登记"):
        AssignmentFactory(department=world.dept_b, townships=[world.township_a], title=title)
    AssignmentFactory(department=world.dept_a, townships=[world.township_b], title="全民健身运动会")


def test_the_dashboard_puts_the_department_pushing_most_unapproved_work_first(client, world, pushed):
    client.force_login(world.office)
    response = client.get(reverse("pages:dashboard"), {"county": world.county.code})
    assert response.status_code == 200
    data = response.context["data"]
    assert [(c.code, c.value) for c in data.offloading][:2] == [("NYJ", 3), ("YJJ", 1)]
    assert data.by_department[0].code == "NYJ"
    by_rule = {c.code: c.value for c in data.by_rule}
    assert by_rule["UNLISTED_ASSIGNMENT"] == 4
    assert {c.code: c.value for c in data.by_township} == {
        world.township_a.code: 3,
        world.township_b.code: 1,
    }


def test_the_charts_are_svg_drawn_by_the_server_with_one_link_per_bar(client, world, pushed):
    client.force_login(world.office)
    response = client.get(reverse("pages:dashboard"), {"county": world.county.code})
    html = response.content.decode()
    charts = re.findall(r"<svg.*?</svg>", html, re.S)
    names = ["rule_chart", "department_chart", "township_chart", "offloading_chart",
             "open_department_chart", "overdue_department_chart", "open_township_chart",
             "answer_days_chart", "month_chart"]
    drawn = [name for name in names if not response.context[name].empty]
    assert len(charts) == len(drawn) == 7  # no case is overdue or answered yet
    chart = response.context["department_chart"]
    assert [bar.value for bar in chart.bars] == [3, 1]
    assert chart.bars[0].width > chart.bars[1].width > 0
    for bar in chart.bars:
        assert f'<a href="{bar.href.replace("&", "&amp;")}">' in html
    assert not any("<script" in chart for chart in charts)


def test_a_department_bar_links_to_that_departments_flags(client, world, pushed):
    client.force_login(world.office)
    chart = client.get(reverse("pages:dashboard"), {"county": world.county.code}).context[
        "department_chart"
    ]
    response = client.get(chart.bars[0].href)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 3
    assert {f.department.code for f in response.context["flags"]} == {"NYJ"}


def test_a_rule_bar_links_to_that_rules_flags(client, world, pushed):
    client.force_login(world.office)
    data = client.get(reverse("pages:dashboard"), {"county": world.county.code}).context["data"]
    unlisted = next(c for c in data.by_rule if c.code == "UNLISTED_ASSIGNMENT")
    url = reverse("pages:flag_list") + "?" + "&".join(f"{k}={v}" for k, v in unlisted.filters.items())
    response = client.get(url)
    assert {f.rule for f in response.context["flags"]} == {"UNLISTED_ASSIGNMENT"}
    assert response.context["page"].paginator.count == 4


def test_a_township_bar_links_to_that_townships_flags(client, world, pushed):
    client.force_login(world.office)
    chart = client.get(reverse("pages:dashboard"), {"county": world.county.code}).context[
        "township_chart"
    ]
    response = client.get(chart.bars[1].href)
    assert {f.township.code for f in response.context["flags"]} == {world.township_b.code}


@pytest.mark.parametrize("who", ["dept_a_user", "township_a_user"])
def test_the_dashboard_is_for_the_office_only(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("pages:dashboard")).status_code == 403


def test_the_public_is_sent_to_log_in(client, world):
    response = client.get(reverse("pages:dashboard"))
    assert response.status_code == 302 and "login" in response["Location"]
    response = client.get(reverse("pages:flag_list"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_flag_list_keeps_a_township_user_to_its_own_township(client, world, pushed):
    client.force_login(world.township_b_user)
    response = client.get(reverse("pages:flag_list"), {"township": world.township_a.code})
    assert response.status_code == 200
    assert {f.township.code for f in response.context["flags"]} == {world.township_b.code}


def test_a_county_office_sees_its_own_county_only(client, world, pushed):
    other = CountyFactory()
    clerk = make_user(Profile.Role.OFFICE, username="other_office", county=other)
    client.force_login(clerk)
    response = client.get(reverse("pages:dashboard"), {"county": world.county.code})
    assert response.context["county"] == other
    assert response.context["data"].total == 0
    response = client.get(reverse("pages:flag_list"), {"county": world.county.code})
    assert response.context["page"].paginator.count == 0


def test_an_unknown_rule_in_the_flag_list_is_a_clear_message(client, world):
    client.force_login(world.office)
    response = client.get(reverse("pages:flag_list"), {"rule": "NO_SUCH_RULE"})
    assert response.status_code == 400
    assert response.context["error"] == "问题类型：无法识别该值，请从页面上选择。"


def test_an_unknown_county_on_the_dashboard_is_a_404(client, world):
    client.force_login(world.office)
    assert client.get(reverse("pages:dashboard"), {"county": "000000"}).status_code == 404


def test_department_names_are_escaped_in_the_charts(client, world):
    evil = DepartmentFactory(county=world.county, code="EVIL", name="<script>alert(1)</script>局")
    AssignmentFactory(department=evil, townships=[world.township_a], title="任务")
    client.force_login(world.office)
    html = client.get(reverse("pages:dashboard"), {"county": world.county.code}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_the_service_counts_what_the_flag_engine_counts(world, pushed):
    data = dashboard.county_dashboard(world.county)
    query = flags.FlagQuery(county=world.county)
    assert data.total == query.count()
    assert data.errors == flags.FlagQuery(county=world.county, severity="error").count()


# --------------------------------------------------------------------------- cases


def case_of(assignment, township):
    return Case.objects.get(subject=f"assignment:{assignment.pk}:{township.pk}")


def test_open_and_overdue_cases_by_department_and_township_link_to_the_queue(client, world, pushed):
    late = Case.objects.filter(department=world.dept_b).order_by("pk").first()
    cases.notify(world.office, late, deadline=TODAY)
    Case.objects.filter(pk=late.pk).update(due_on=TODAY - datetime.timedelta(days=2))
    client.force_login(world.office)
    response = client.get(reverse("pages:dashboard"), {"county": world.county.code})
    queue = response.context["queue"]
    assert (queue.open, queue.overdue) == (4, 1)
    assert [(c.code, c.value) for c in queue.open_by_department] == [("NYJ", 3), ("YJJ", 1)]
    assert [(c.code, c.value) for c in queue.overdue_by_department] == [("NYJ", 1)]
    assert {c.code: c.value for c in queue.open_by_township} == {
        world.township_a.code: 3, world.township_b.code: 1}
    bar = response.context["overdue_department_chart"].bars[0]
    page = client.get(bar.href)
    assert [g["case"].pk for g in page.context["groups"]] == [late.pk]
    bar = response.context["open_township_chart"].bars[1]
    page = client.get(bar.href)
    assert {f.township.code for f in page.context["flags"]} == {world.township_b.code}


def test_the_median_days_to_answer_per_department(world, pushed):
    start = timezone.now() - datetime.timedelta(days=30)
    for n, found in enumerate(Case.objects.filter(department=world.dept_b).order_by("pk")):
        cases.notify(world.office, found, now=start)
        cases.answer(world.dept_b_user, found, answer="withdrawn",
                     now=start + datetime.timedelta(days=(2, 4, 9)[n]))
    queue = dashboard.case_dashboard(world.county)
    assert [(c.code, c.value) for c in queue.answer_days_by_department] == [("NYJ", 4.0)]
    assert queue.answer_days_by_department[0].filters["department"] == "NYJ"


def test_cases_opened_by_month_cover_the_last_twelve_months(world, pushed):
    queue = dashboard.case_dashboard(world.county)
    months = queue.opened_by_month
    assert len(months) == 12 and months[-1].code == TODAY.strftime("%Y-%m")
    assert months[-1].value == 4 and sum(m.value for m in months) == 4
    assert months[-1].filters == {"county": world.county.code, "opened": TODAY.strftime("%Y-%m")}


def test_the_case_charts_run_a_constant_number_of_queries(world, pushed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        dashboard.case_dashboard(world.county)
    for i in range(8):
        AssignmentFactory(department=world.dept_a, townships=[world.township_a], title=f"更多{i}")
    with CaptureQueriesContext(connection) as large:
        dashboard.case_dashboard(world.county)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_dashboard_query_count_does_not_grow_with_the_flags(client, world, pushed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.office)
    url = reverse("pages:dashboard")
    with CaptureQueriesContext(connection) as small:
        client.get(url, {"county": world.county.code})
    for i in range(15):
        AssignmentFactory(department=world.dept_a, townships=[world.township_a], title=f"任务{i}")
    with CaptureQueriesContext(connection) as large:
        client.get(url, {"county": world.county.code})
    assert len(large.captured_queries) == len(small.captured_queries)
