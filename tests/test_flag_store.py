"""The flag store equals the engine: after loading the demo county, `refresh_flags --verify`
finds no difference, and the store's reads (pages, counts, summary) give what the engine
gives; the verification names every difference; batches refresh once."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from delegations.flags import FlagQuery, StoredFlagQuery, store
from delegations.models import Finding
from demo import county as demo
from tests.factories import AssignmentFactory, DutyItemFactory, ListEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        with django_db_blocker.unblock(), transaction.atomic():
            demo.load_demo()
            yield
            transaction.set_rollback(True)


def contract(flags):
    """The flags as the contract shows them, without what only the store knows."""
    return [{k: v for k, v in f.as_dict().items() if k not in ("id", "case", "status")}
            for f in flags]


def test_after_loading_the_demo_the_store_equals_a_fresh_computation(loaded):
    assert store.differences() == []
    out = io.StringIO()
    call_command("refresh_flags", "--verify", stdout=out)
    assert "0" in out.getvalue()


def test_the_demo_countys_stored_flags_are_the_engines_in_the_same_order(loaded):
    engine = FlagQuery(county=demo.DEMO_COUNTY_CODE)
    stored = StoredFlagQuery(county=demo.DEMO_COUNTY_CODE)
    assert stored.count() == engine.count() > 0
    assert contract(stored) == contract(engine)
    assert contract(stored[5:17]) == contract(engine[5:17])
    assert stored.counts() == engine.counts()
    assert stored.summary() == engine.summary()
    for rule in ("UNLISTED_ASSIGNMENT", "OVERDUE_REVIEW", "DELEGATION_NOT_IN_FORCE"):
        assert contract(StoredFlagQuery(rules=rule)) == contract(FlagQuery(rules=rule))
    assert demo.manifest_mismatches(stored) == []


def test_every_stored_flag_has_a_stable_id(loaded):
    first = [f.id for f in StoredFlagQuery(county=demo.DEMO_COUNTY_CODE)]
    assert all(first) and len(set(first)) == len(first)
    with transaction.atomic():
        store.refresh(county=demo.DEMO_COUNTY_CODE)  # nothing changed: nothing rewritten
        assert [f.id for f in StoredFlagQuery(county=demo.DEMO_COUNTY_CODE)] == first
        transaction.set_rollback(True)


def test_verify_names_every_difference_and_exits_non_zero(loaded):
    with transaction.atomic():
        finding = Finding.objects.filter(rule="UNLISTED_ASSIGNMENT").first()
        finding.facts = {**finding.facts, "title": "改过的标题"}
        finding.save()
        gone = Finding.objects.filter(rule="VAGUE_COOPERATION").first()
        gone.delete()
        extra = Finding.objects.filter(rule="OVERDUE_REVIEW").first()
        extra.pk, extra.key = None, extra.key + "9"
        extra.save()
        kinds = sorted((d.kind, d.key) for d in store.differences())
        assert kinds == sorted([("changed", finding.key), ("missing", gone.key),
                                ("extra", extra.key)])
        out = io.StringIO()
        with pytest.raises(CommandError, match="3"):
            call_command("refresh_flags", "--verify", stdout=out)
        assert finding.key in out.getvalue() and "改过的标题" in out.getvalue()
        call_command("refresh_flags", county=demo.DEMO_COUNTY_CODE, stdout=io.StringIO())
        assert store.differences() == []
        transaction.set_rollback(True)


def test_refresh_flags_rebuilds_an_emptied_store(loaded):
    with transaction.atomic():
        before = contract(StoredFlagQuery())
        Finding.objects.all().delete()
        out = io.StringIO()
        call_command("refresh_flags", stdout=out)
        assert f"{len(before)} " in out.getvalue()
        assert contract(StoredFlagQuery()) == before
        transaction.set_rollback(True)


def test_an_unknown_county_is_a_clear_error(db):
    with pytest.raises(CommandError, match="000000"):
        call_command("refresh_flags", "--county", "000000")


def test_a_batch_refreshes_once_for_all_its_writes(world):
    item = DutyItemFactory(county=world.county, department=world.dept_a)
    with CaptureQueriesContext(connection) as single:
        store.refresh(townships=[world.township_a, world.township_b])
    with store.batch(reason="导入 测试.xlsx"):
        with CaptureQueriesContext(connection) as inside:
            for n in range(5):
                AssignmentFactory(department=world.dept_b, duty_item=None, title=f"任务{n}",
                                  townships=[world.township_a, world.township_b])
            ListEntryFactory(kind="power", item=item, townships=[world.township_a])
        mine = Finding.objects.filter(county=world.county)
        assert not mine.exists(), "nothing is refreshed before the batch ends"
        finding_queries = [q for q in inside.captured_queries if "delegations_finding" in q["sql"]]
        assert finding_queries == []
    assert store.differences() == []
    assert mine.filter(rule="UNLISTED_ASSIGNMENT").count() == 10
    assert len(single.captured_queries) < 20


def test_a_township_moved_to_another_county_takes_its_findings_along(world):
    from tests.factories import CountyFactory

    AssignmentFactory(department=world.dept_b, duty_item=None, title="迎检材料报送",
                      townships=[world.township_b])
    other = CountyFactory(code="990109", name="新设县")
    world.township_b.county = other  # the admin's save, whose hook refreshes the new county
    world.township_b.save()
    store.refresh(county=other)
    finding = Finding.objects.get(township=world.township_b, rule="UNLISTED_ASSIGNMENT")
    assert finding.county == other
    assert store.differences() == []


@pytest.mark.django_db
def test_postgresql_connections_do_not_jit_compile_the_rules():
    """PostgreSQL's JIT compiled the rules' one large statement on every refresh (10 s for a
    county where running it takes 0.6 s): the connections turn it off."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
