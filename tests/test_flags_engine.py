"""The FlagQuery interface: filters, errors, ordering, pages, summary and query counts."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from delegations.flags import RULES, Flag, FlagFilterError, FlagQuery
from duties.models import DutyItem, ListKind
from tests.factories import (
    AssignmentFactory,
    CountyFactory,
    DelegationFactory,
    DepartmentFactory,
    DutyItemFactory,
    ListEntryFactory,
    TownshipFactory,
)

pytestmark = pytest.mark.django_db
# After each test, the flag store equals the rules computed today (the factories and the
# helpers below write as production does, refreshing the store).
from tests.factories import store_follows_every_test, the_store_follows  # noqa: E402, F401
TODAY = datetime.date(2025, 6, 30)



def offload(world, copies=1):
    """``copies`` times: one case for each of several rules, in both townships."""
    for n in range(copies):
        item = DutyItemFactory(county=world.county, department=world.dept_a)
        AssignmentFactory(department=world.dept_a, duty_item=item, townships=[world.township_a])
        AssignmentFactory(department=world.dept_b, duty_item=None, title=f"任务{n}",
                          townships=[world.township_b])
        reclaimed = DutyItemFactory(county=world.county, department=world.dept_b)
        ListEntryFactory(kind=ListKind.RECLAIMED, item=reclaimed)
        AssignmentFactory(department=world.dept_b, duty_item=reclaimed,
                          townships=[world.township_a, world.township_b])
        DelegationFactory(department=world.dept_a, state="approved", staff_posts=0,
                          funding_wan_yuan=0, townships=[world.township_b],
                          duty_items=[DutyItemFactory(county=world.county, department=world.dept_a)])
        ListEntryFactory(kind=ListKind.TERRITORIAL, item=DutyItemFactory(
            county=world.county, department=world.dept_b), township_duty="协调配合")


def query(**kwargs):
    return FlagQuery(today=TODAY, **kwargs)


def test_registry_has_the_fourteen_contract_rules_in_order_with_sources_and_docstrings():
    assert list(RULES) == [
        "UNLISTED_ASSIGNMENT", "RECLAIMED_ITEM_ASSIGNED", "MAIN_DUTY_SHIFTED",
        "LIABILITY_SHIFT_BY_ASSESSMENT", "ENTRUSTMENT_WITHOUT_AGREEMENT", "NON_DELEGABLE_POWER",
        "GRANT_WITHOUT_PROVINCIAL_DECISION", "REDELEGATION", "DELEGATION_NOT_IN_FORCE",
        "UNFUNDED_DELEGATION", "OVERDUE_REVIEW", "NOT_OWNING_DEPARTMENT", "VAGUE_COOPERATION",
        "DUPLICATE_ASSIGNMENT",
    ]
    for rule in RULES.values():
        assert rule.severity in ("error", "warning") and rule.source and "Source" in rule.doc
        assert str(rule.title)
    assert [r.code for r in RULES.values() if r.severity == "warning"] == [
        "UNFUNDED_DELEGATION", "OVERDUE_REVIEW", "NOT_OWNING_DEPARTMENT", "VAGUE_COOPERATION",
        "DUPLICATE_ASSIGNMENT",
    ]


def test_unknown_rule_is_an_error_naming_the_parameter():
    with pytest.raises(FlagFilterError) as error:
        FlagQuery(rules="UNLISTED_ASSIGNMENT,NO_SUCH_RULE")
    assert error.value.param == "rule" and "NO_SUCH_RULE" in str(error.value)
    assert isinstance(error.value, ValueError)


def test_unknown_severity_is_an_error_naming_the_parameter():
    with pytest.raises(FlagFilterError) as error:
        FlagQuery(severity="fatal")
    assert error.value.param == "severity" and "fatal" in str(error.value)


def test_a_filter_of_the_wrong_type_is_an_error_naming_the_parameter(world):
    with pytest.raises(FlagFilterError) as error:
        FlagQuery(township=world.dept_a)
    assert error.value.param == "township"


def test_rules_accept_lists_lowercase_codes_and_rule_objects():
    assert [r.code for r in FlagQuery(rules=["unlisted_assignment"]).rules] == ["UNLISTED_ASSIGNMENT"]
    assert [r.code for r in FlagQuery(rules=[RULES["REDELEGATION"]]).rules] == ["REDELEGATION"]


def test_filters_by_township_department_and_county_as_instances_or_codes(world):
    offload(world)
    everything = list(query(county=world.county))
    for kwargs, keep in [
        ({"township": world.township_a}, lambda f: f.township.code == world.township_a.code),
        ({"township": world.township_b.code}, lambda f: f.township.code == world.township_b.code),
        ({"department": world.dept_b}, lambda f: f.department and f.department.code == "NYJ"),
        ({"department": "YJJ", "county": world.county.code},
         lambda f: f.department and f.department.code == "YJJ"),
    ]:
        expected = [f.as_dict() for f in everything if keep(f)]
        got = query(**kwargs)
        assert [f.as_dict() for f in got] == expected, kwargs
        assert got.count() == len(expected) > 0


def test_county_filter_leaves_other_counties_out(world):
    offload(world)
    other = CountyFactory(code="990199")
    department = DepartmentFactory(county=other, code="YJJ")
    AssignmentFactory(department=department, townships=[TownshipFactory(county=other)],
                      duty_item=DutyItemFactory(county=other, department=department))
    assert {f.township.code[:6] for f in query(county=world.county)} == {world.county.code}
    assert {f.township.code[:6] for f in query(county="990199")} == {"990199"}
    # A department code is unique only within a county: both YJJ departments match.
    assert {f.township.code[:6] for f in query(department="YJJ")} == {"990101", "990199"}


def test_severity_filter_keeps_only_that_severity(world):
    offload(world)
    warnings = query(severity="warning")
    assert {f.severity for f in warnings} == {"warning"}
    assert warnings.count() + query(severity="error").count() == query().count()


def test_pages_are_ordered_consistently_with_the_count(world):
    offload(world, copies=3)
    q = query()
    everything = list(query())
    assert q.count() == len(everything)
    pages = [f for start in range(0, q.count(), 4) for f in q[start:start + 4]]
    assert [f.as_dict() for f in pages] == [f.as_dict() for f in everything]
    order = [(list(RULES).index(f.rule), f.township.code) for f in everything]
    assert order == sorted(order)
    assert q[q.count():q.count() + 10] == []
    assert q[1].as_dict() == everything[1].as_dict()


def test_summary_agrees_with_count_and_list(world):
    offload(world, copies=2)
    q = query(county=world.county)
    summary = q.summary()
    flags = list(q)
    assert sum(summary["by_rule"].values()) == q.count() == len(flags)
    assert sum(summary["by_township"].values()) == len(flags)
    assert sum(summary["by_department"].values()) == len([f for f in flags if f.department])
    assert summary["by_department"]["NYJ"] == len([f for f in flags if f.department.code == "NYJ"])
    assert summary["by_township"][world.township_a.code] == len(
        [f for f in flags if f.township.code == world.township_a.code])


def test_summary_qualifies_department_codes_shared_by_two_counties(world):
    offload(world)
    other = CountyFactory(code="990199")
    department = DepartmentFactory(county=other, code="YJJ")
    AssignmentFactory(department=department, townships=[TownshipFactory(county=other)],
                      duty_item=DutyItemFactory(county=other, department=department))
    by_department = query(department="YJJ").summary()["by_department"]
    assert set(by_department) == {"990101:YJJ", "990199:YJJ"}


def test_a_flag_is_json_serialisable_in_the_contract_shape(world):
    offload(world)
    flag = query()[0]
    assert isinstance(flag, Flag)
    data = json.loads(json.dumps(flag.as_dict()))
    assert set(data) == {"rule", "severity", "title", "message", "township", "department",
                         "duty_item", "assignment", "delegation", "evidence", "source",
                         "id", "case", "status"}
    assert set(data["township"]) == {"code", "name"}
    # Computed, not stored: no finding id, no case.
    assert (data["id"], data["case"], data["status"]) == (None, None, None)


def test_query_count_does_not_grow_with_the_data(world):
    offload(world)
    connection.features.supports_json_field  # Django checks JSON support once per connection

    def run():
        q = query()
        with CaptureQueriesContext(connection) as captured:
            q.count()
            q[0:100]
            q.summary()
            list(q)
        return len(captured.captured_queries), q.count()

    small_queries, small_flags = run()
    offload(world, copies=4)
    large_queries, large_flags = run()
    assert large_flags > small_flags
    assert large_queries == small_queries


def test_a_set_of_townships_or_assignments_narrows_every_rule(world):
    offload(world)
    everything = list(query())
    towns = list(query(townships=[world.township_b]))
    assert towns == [f for f in everything if f.township.code == world.township_b.code]
    assert list(query(townships=[])) == [] and query(townships=[]).count() == 0
    one = next(f.assignment for f in everything if f.assignment)
    mine = list(query(assignments=[one]))
    assert mine == [f for f in everything if f.assignment == one]


def test_narrowing_to_one_assignment_keeps_the_others_in_its_duplicate_window(world):
    item = DutyItemFactory(county=world.county, department=world.dept_a)
    first = AssignmentFactory(department=world.dept_a, duty_item=item, townships=[world.township_a])
    AssignmentFactory(department=world.dept_b, duty_item=item, townships=[world.township_a])
    [flag] = query(rules="DUPLICATE_ASSIGNMENT", assignments=[first.pk])
    assert flag.assignment == first.pk and len(flag.evidence["duplicates"]) == 1


def test_a_set_of_items_keeps_their_rows_and_the_rows_without_an_item(world):
    offload(world)
    everything = list(query())
    item = next(f.duty_item for f in everything if f.duty_item)
    mine = list(query(items=[DutyItem.objects.get(county=world.county, code=item.code)]))
    assert mine == [f for f in everything if f.duty_item is None or f.duty_item.code == item.code]
    assert any(f.duty_item is None for f in mine)


def test_evidence_id_lists_read_the_same_whatever_order_the_database_read_the_rows():
    """GROUP_CONCAT (SQLite) and a window's STRING_AGG (PostgreSQL) list ids in the order the
    plan reads rows: a refresh narrowed to a township must still see the finding unchanged."""
    from delegations.flags.engine import row_facts

    facts = row_facts({"f_facts": '{"same_item": "12,3,7", "same_title": "9", "none": null, '
                                  '"assigned_on": "2025-03-01", "title": "12,3"}'})
    assert facts == {"same_item": "3,7,12", "same_title": "9", "assigned_on": "2025-03-01",
                     "title": "12,3"}
    assert row_facts({"f_facts": '{"same_item": "7,12,3"}'}) == row_facts(
        {"f_facts": '{"same_item": "3,12,7"}'})
