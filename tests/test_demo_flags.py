"""Issue 3's acceptance: against the demo county the flags API returns every demo offloading
case with its rule, evidence and source, and none of the near misses."""

import pytest
from django.db import transaction
from django.test import override_settings

from delegations.flags import FlagQuery
from demo import county as demo

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        with django_db_blocker.unblock(), transaction.atomic():
            demo.load_demo()
            yield
            transaction.set_rollback(True)


def test_the_engine_fires_every_demo_case_and_no_near_miss(loaded):
    assert demo.manifest_mismatches(FlagQuery(county=demo.DEMO_COUNTY_CODE)) == []


def test_the_flags_api_returns_every_demo_case_with_rule_evidence_and_source(loaded, client):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="bianban"))
    response = client.get("/api/v1/flags/", {"county": demo.DEMO_COUNTY_CODE, "limit": 500})
    assert response.status_code == 200
    body = response.json()
    results = body["results"]
    assert body["count"] == len(results) == FlagQuery(county=demo.DEMO_COUNTY_CODE).count()
    assert all(flag["source"] and flag["title"] and flag["message"] for flag in results)
    assert all(isinstance(flag["evidence"], dict) and flag["evidence"] for flag in results)
    fired = {flag["rule"] for flag in results}
    expected = {case["rule"] for case in demo.expected_flags() if case["fires"]}
    assert expected <= fired

    summary = client.get("/api/v1/flags/summary/", {"county": demo.DEMO_COUNTY_CODE}).json()
    assert sum(summary["by_rule"].values()) == body["count"]
    assert sum(summary["by_township"].values()) == body["count"]
