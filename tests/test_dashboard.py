"""The office dashboard: flags by rule, department and township as SVG bar charts linking to
the filtered flag list; the departments pushing most unapproved work first."""

import re

import pytest
from django.urls import reverse

from delegations import dashboard, flags
from tests.factories import AssignmentFactory, CountyFactory, DepartmentFactory, make_user
from townships.models import Profile



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
    assert len(charts) == 4
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
    assert "NO_SUCH_RULE" in response.context["error"]


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
