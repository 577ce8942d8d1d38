"""Concurrent writes never give a 500, on SQLite as on PostgreSQL.

Threads post to the API at the same moment (a barrier releases them together), each with its
own database connection, against a database the test commits to (``transaction=True``; on
SQLite a database file, see config/settings.py). On SQLite every transaction takes the write
lock when it begins (``BEGIN IMMEDIATE``), so writers queue up and the loser of a race reads the
winner's result and gets the workflow's 409; on PostgreSQL the workflow's row lock does the
same. A lock waited for too long is a 503 "busy, try again", never a 500.
"""

import sqlite3
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from rest_framework.test import APIClient

from delegations.models import Delegation, TownshipOpinion
from duties.models import ListEntry
from tests.api_helpers import url
from tests.factories import DelegationFactory, DutyItemFactory, make_user
from townships.models import Profile

pytestmark = pytest.mark.django_db(transaction=True)

DECISION = {"decision": "approve", "decision_no": "示县委〔2025〕9号"}


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def at_once(*calls):
    """Run each call in its own thread, all released at the same moment; their results (a
    response, or the exception a call raised — the test client re-raises a view's error)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 — reported by the assertions below
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def statuses(results):
    for result in results:
        assert not isinstance(result, Exception), repr(result)
        assert result.status_code < 500, result.content
    return sorted(r.status_code for r in results)


@pytest.fixture
def submitted(world):
    item = DutyItemFactory(county=world.county, department=world.dept_a, code="A001")
    return DelegationFactory(
        department=world.dept_a,
        duty_items=[item],
        townships=[world.township_a, world.township_b],
        state="submitted",
        legal_review=Delegation.LegalReview.PASSED,  # so that either decision may win
    )


def test_two_offices_deciding_at_once_one_wins_the_other_gets_a_409(world, submitted):
    second_office = make_user(Profile.Role.OFFICE, username="office2", county=world.county)
    path = url(f"delegations/{submitted.pk}/decide/")
    results = at_once(
        lambda: api(world.office).post(path, DECISION, format="json"),
        lambda: api(second_office).post(path, {"decision": "reject", "note": "不符合条件"}, format="json"),
    )
    assert statuses(results) == [200, 409]
    winner = next(r for r in results if r.status_code == 200).json()
    loser = next(r for r in results if r.status_code == 409).json()
    assert loser["code"] == "already_decided", loser
    assert "已" in loser["detail"], loser  # the workflow's Chinese message
    submitted.refresh_from_db()
    assert submitted.state == winner["state"]
    decisions = submitted.history.filter(state__in=["approved", "rejected"])
    assert decisions.count() == 1
    on_lists = ListEntry.objects.filter(delegation=submitted).count()
    assert on_lists == (1 if submitted.state == Delegation.State.APPROVED else 0)


def test_two_townships_giving_opinions_at_once_are_both_recorded(world, submitted):
    path = url(f"delegations/{submitted.pk}/opinion/")
    results = at_once(
        lambda: api(world.township_a_user).post(path, {"opinion": "agree"}, format="json"),
        lambda: api(world.township_b_user).post(
            path, {"opinion": "object", "text": "无执法力量"}, format="json"
        ),
    )
    assert statuses(results) == [200, 200]
    opinions = TownshipOpinion.objects.filter(delegation=submitted)
    assert sorted(o.township.code for o in opinions) == [world.township_a.code, world.township_b.code]


def test_one_township_giving_its_opinion_twice_at_once_is_recorded_once(world, submitted):
    path = url(f"delegations/{submitted.pk}/opinion/")
    results = at_once(
        lambda: api(world.township_a_user).post(path, {"opinion": "agree"}, format="json"),
        lambda: api(world.township_a_user).post(path, {"opinion": "agree"}, format="json"),
    )
    assert statuses(results) == [200, 409]
    assert TownshipOpinion.objects.filter(delegation=submitted).count() == 1


def test_departments_filing_at_once_are_all_filed(world):
    for dept, code in ((world.dept_a, "A900"), (world.dept_b, "B900")):
        DutyItemFactory(county=world.county, department=dept, code=code)

    def filing(user, department, item, n):
        body = {
            "department": department, "mode": "assign", "duty_items": [item],
            "townships": [world.township_a.code], "reason": f"工作需要{n}",
            "legal_basis": "《中华人民共和国安全生产法》", "effective_from": "2025-01-01",
            "submit": True,
        }
        return lambda: api(user).post(url("delegations/"), body, format="json")

    calls = [filing(world.dept_a_user, "YJJ", "A900", n) for n in range(6)]
    calls += [filing(world.dept_b_user, "NYJ", "B900", n) for n in range(6)]
    assert statuses(at_once(*calls)) == [201] * 12
    assert Delegation.objects.filter(state="submitted").count() == 12
    assert Delegation.history.filter(history_change_reason="提交申请").count() == 12


@pytest.fixture
def short_lock_wait():
    """The request's connection waits 100 ms for a lock instead of DB_LOCK_TIMEOUT."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA busy_timeout = 100")
        else:
            cursor.execute("SET lock_timeout = '100ms'")
    yield
    connection.close()


def hold_the_lock(delegation):
    """Another connection holding the lock a decision needs, until the returned callable."""
    if connection.vendor == "sqlite":
        other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
    else:
        import psycopg

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        other = psycopg.connect(**params)
        other.execute(
            "SELECT id FROM delegations_delegation WHERE id = %s FOR UPDATE", [delegation.pk]
        )
    return lambda: (other.rollback(), other.close())


def test_a_lock_waited_for_too_long_is_a_503_in_chinese_and_nothing_is_saved(
    world, submitted, short_lock_wait
):
    release = hold_the_lock(submitted)
    try:
        client = APIClient(raise_request_exception=False)
        client.force_authenticate(world.office)
        response = client.post(url(f"delegations/{submitted.pk}/decide/"), DECISION, format="json")
    finally:
        release()
    assert response.status_code == 503, response.content
    assert response["Retry-After"]
    assert response.json()["code"] == "busy"
    assert "请稍后重试" in response.json()["detail"]
    submitted.refresh_from_db()
    assert submitted.state == Delegation.State.SUBMITTED


def test_a_page_whose_lock_wait_times_out_is_the_503_page_in_chinese(world, submitted, short_lock_wait):
    client = Client(raise_request_exception=False)
    client.force_login(world.office)
    release = hold_the_lock(submitted)
    try:
        response = client.post(
            f"/requests/{submitted.pk}/decide/",
            {"decision": "approve", "decision_no": "示县委〔2025〕9号"},
        )
    finally:
        release()
    assert response.status_code == 503
    assert "请稍后重试" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == Delegation.State.SUBMITTED
