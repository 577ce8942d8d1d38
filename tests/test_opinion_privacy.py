"""A township's opinion on a request is its own: another township named in the same request
reads nothing of it — not on the request page, not in its history (修改记录), not in the API,
not in an export. The department, the office and the objecting township read it."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from delegations import workflow
from delegations.models import Delegation
from tests.factories import DutyItemFactory

pytestmark = pytest.mark.django_db

OBJECTION = "本镇无专职执法人员无法承接"
RESPONSE = "县里将调剂两名编制到东城镇"


@pytest.fixture
def request_with_objection(world):
    item = DutyItemFactory(county=world.county, department=world.dept_a, code="YJ001")
    at = timezone.now() - datetime.timedelta(days=3)
    d = workflow.create_request(
        world.dept_a_user, department=world.dept_a, mode="assign", duty_items=[item],
        townships=[world.township_a, world.township_b], reason="工作需要", legal_basis="《安全生产法》",
        effective_from=datetime.date(2025, 1, 1), submit=True, now=at,
    )
    workflow.give_opinion(world.township_a_user, d, world.township_a, "object", OBJECTION, now=at)
    workflow.give_opinion(world.township_b_user, d, world.township_b, "agree", now=at)
    workflow.respond_to_objection(world.office, d, world.township_a, RESPONSE, now=at)
    return d


def page(user, name, *args, **params):
    client = Client()
    client.force_login(user)
    response = client.get(reverse(name, args=args), params)
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def api(user, path):
    client = APIClient()
    client.force_authenticate(user)
    response = client.get("/api/v1/" + path)
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def leaks(text):
    return [part for part in (OBJECTION, RESPONSE, "乡镇意见：东城镇") if part in text]


def test_another_township_reads_nothing_of_the_objection_on_the_page_and_its_history(
    world, request_with_objection
):
    d = request_with_objection
    text = page(world.township_b_user, "requests:detail", d.pk)
    assert leaks(text) == []
    assert "乡镇意见：西河乡 同意" in text  # its own opinion is in its history
    response = Client()
    response.force_login(world.township_b_user)
    context = response.get(reverse("requests:detail", args=[d.pk])).context
    assert all("东城镇" not in (h.history_change_reason or "") for h in context["steps"])


def test_another_township_reads_nothing_of_the_objection_in_the_api(world, request_with_objection):
    d = request_with_objection
    assert leaks(api(world.township_b_user, f"delegations/{d.pk}/")) == []
    assert leaks(api(world.township_b_user, "delegations/")) == []


def test_another_township_reads_nothing_of_it_after_the_decision_nor_in_its_exports(
    world, request_with_objection
):
    d = workflow.decide_request(
        world.office, request_with_objection, "approve", "示县委〔2025〕7号", legal_review="passed"
    )
    assert d.state == Delegation.State.APPROVED
    code = world.township_b.code
    assert leaks(page(world.township_b_user, "requests:detail", d.pk)) == []
    assert leaks(page(world.township_b_user, "pages:township", code, list="admission")) == []
    client = Client()
    client.force_login(world.township_b_user)
    export = client.get(
        reverse("pages:township_export", args=[code, "csv"]), {"list": "admission"}
    )
    assert export.status_code == 200
    assert leaks(export.content.decode("utf-8-sig")) == []
    assert leaks(page(world.township_b_user, "pages:township_changes", code,
                      start="2024-01-01", end=timezone.localdate().isoformat())) == []


def test_the_objecting_township_the_department_and_the_office_read_it(world, request_with_objection):
    d = request_with_objection
    for user in (world.township_a_user, world.dept_a_user, world.office):
        text = page(user, "requests:detail", d.pk)
        assert OBJECTION in text and RESPONSE in text, user
        assert OBJECTION in api(user, f"delegations/{d.pk}/"), user
