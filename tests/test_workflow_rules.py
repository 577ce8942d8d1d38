"""The county's rules in the workflow's transition table: legality review before approval,
warnings (reclaimed item, already listed, another department's item), the office's answer to
an objection, revocation with reason and document number (whole or partial), the decision
recorded from paper, and the ``now=`` every step takes."""

import ast
import datetime
import inspect

import pytest
from django.utils import timezone, translation

from delegations import (
    calendar,
    list_entries,
    pending,
    request_warnings,
    transitions,
    validation,
    workflow,
)
from delegations.models import Delegation, Revocation, TownshipOpinion
from delegations.workflow import InvalidRequest, NotAllowed, StateConflict
from duties.models import Category, ListEntry, ListKind
from tests.factories import DutyItemFactory, ListEntryFactory
from townships import access

pytestmark = pytest.mark.django_db

START = datetime.date(2025, 1, 1)
DECISION = "示县委〔2025〕7号"


@pytest.fixture
def w(world):
    world.item = DutyItemFactory(county=world.county, department=world.dept_a, code="YJ001")
    world.item2 = DutyItemFactory(county=world.county, department=world.dept_a, code="YJ002")
    world.other_item = DutyItemFactory(county=world.county, department=world.dept_b, code="NY001")
    world.coercion = DutyItemFactory(
        county=world.county, department=world.dept_a, category=Category.COERCION, code="YJ100"
    )
    return world


def submitted(w, **overrides):
    fields = dict(
        department=w.dept_a, mode="assign", duty_items=[w.item], townships=[w.township_a],
        reason="工作需要", legal_basis="《安全生产法》", effective_from=START, submit=True,
    )
    fields.update(overrides)
    return workflow.create_request(w.dept_a_user, **fields)


def reclaimed_entry(w, item, townships=None):
    return ListEntryFactory(
        kind=ListKind.RECLAIMED, item=item, townships=townships,
        effective_from=datetime.date(2024, 1, 1), working_method="部门直接办理",
    )


def codes(warnings):
    return sorted((x.code, x.item.code, tuple(t.code for t in x.townships)) for x in warnings)


# ---------------------------------------------------------------- the table


def test_access_reads_the_steps_roles_and_states_from_the_workflow_table(w):
    d = submitted(w)
    table = workflow.TRANSITIONS
    assert (table["approve"].from_states, table["approve"].to_state) == (("submitted",), "approved")
    assert table["approve"].role == access.OFFICE
    assert "legal_review_passed" in table["approve"].preconditions
    assert access.can(w.office, "decide", d) and not access.can(w.dept_a_user, "decide", d)
    assert access.explain(w.office, "revoke", d)[0] == "state"
    assert access.can(w.office, "respond", d)
    assert access.can(w.office, "record_decision", w.dept_a)
    assert not access.can(w.dept_a_user, "record_decision", w.dept_a)


def gettext_calls(module):
    """(line, msgid) of every gettext call with a literal message in ``module``'s source."""
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in (
            "_", "gettext", "gettext_lazy"
        ) and node.args and isinstance(node.args[0], ast.Constant):
            yield node.lineno, node.args[0].value


def test_every_message_of_the_workflow_modules_reads_in_chinese():
    modules = (workflow, transitions, validation, request_warnings, list_entries, pending)
    messages = [(m.__name__, line, msgid) for m in modules for line, msgid in gettext_calls(m)]
    assert len(messages) > 40  # the refusals are found (they are spelled as gettext calls)
    with translation.override("zh-hans"):
        untranslated = [m for m in messages if translation.gettext(m[2]) == m[2]]
    assert untranslated == []


# ---------------------------------------------------------------- legality review


def test_a_request_is_not_approved_while_its_legality_review_is_pending(w):
    d = submitted(w)
    with pytest.raises(StateConflict) as exc:
        workflow.decide_request(w.office, d, "approve", DECISION)
    assert exc.value.code == "legal_review_pending"
    assert "合法性审查尚未通过" in exc.value.messages[0]
    d.refresh_from_db()
    assert (d.state, d.legal_review) == ("submitted", "pending")
    assert not ListEntry.objects.exists()


def test_the_legality_review_may_be_recorded_as_passed_with_the_decision(w):
    d = workflow.decide_request(w.office, submitted(w), "approve", DECISION, legal_review="passed")
    assert (d.state, d.legal_review) == ("approved", "passed")
    reasons = list(
        Delegation.history.filter(id=d.pk).order_by("history_date", "history_id")
        .values_list("history_change_reason", flat=True)
    )
    assert reasons[-2:] == ["合法性审查：通过", f"批准 {DECISION}"]


def test_a_review_recorded_before_lets_the_approval_through(w):
    d = workflow.record_legal_review(w.office, submitted(w), "passed")
    assert workflow.decide_request(w.office, d, "approve", DECISION).state == "approved"


def test_a_rejection_needs_no_legality_review(w):
    d = workflow.decide_request(w.office, submitted(w), "reject", note="不符合准入条件")
    assert (d.state, d.legal_review) == ("rejected", "pending")


# ---------------------------------------------------------------- warnings


def test_a_reclaimed_item_is_warned_about_at_submit_and_in_review(w):
    reclaimed_entry(w, w.item, townships=[w.township_a])
    d = submitted(w, townships=[w.township_a, w.township_b])
    assert codes(workflow.warnings_for(d)) == [("reclaimed", "YJ001", ("990101101",))]
    message = workflow.warnings_for(d)[0].message
    assert "东城镇" in message and "YJ001" in message


def test_an_item_already_on_the_townships_lists_is_warned_about(w):
    ListEntryFactory(kind=ListKind.POWER, item=w.item)  # every township, statutory
    d = submitted(w)
    warning = workflow.warnings_for(d)[0]
    assert (warning.code, warning.lists) == ("already_listed", ("power",))
    assert warning.as_dict()["townships"] == ["990101101"]


def test_an_entry_that_ended_before_the_delegation_starts_is_no_warning(w):
    ListEntryFactory(kind=ListKind.POWER, item=w.item, effective_to=datetime.date(2024, 6, 30))
    assert workflow.warnings_for(submitted(w)) == []


def test_an_item_of_another_department_is_warned_about(w):
    d = submitted(w, duty_items=[w.item, w.other_item])
    assert codes(workflow.warnings_for(d)) == [("other_department", "NY001", ())]


def test_warnings_of_many_requests_take_a_constant_number_of_queries(w, django_assert_max_num_queries):
    reclaimed_entry(w, w.item)
    for _ in range(5):
        submitted(w, duty_items=[w.item, w.other_item])
    rows = list(Delegation.objects.prefetch_related("duty_items", "townships"))
    with django_assert_max_num_queries(3):
        found = workflow.warnings_by_delegation(rows)
    assert all(len(v) == 2 for v in found.values())


# ---------------------------------------------------------------- reclaimed items


def test_approving_a_reclaimed_item_needs_the_reclaimed_entry_ended_with_a_reason(w):
    entry = reclaimed_entry(w, w.item, townships=[w.township_a])
    d = workflow.record_legal_review(w.office, submitted(w), "passed")
    with pytest.raises(InvalidRequest) as exc:
        workflow.decide_request(w.office, d, "approve", DECISION)
    assert "end_reclaimed_reason" in exc.value.message_dict
    d.refresh_from_db()
    assert d.state == "submitted"
    entry.refresh_from_db()
    assert entry.effective_to is None


def test_the_decision_ends_the_reclaimed_entry_of_the_townships_it_hands_the_item_to(w):
    entry = reclaimed_entry(w, w.item, townships=[w.township_a])
    d = workflow.decide_request(
        w.office, submitted(w), "approve", DECISION, legal_review="passed",
        end_reclaimed_reason="乡镇已配备执法力量",
    )
    entry.refresh_from_db()
    assert entry.effective_to == START - datetime.timedelta(days=1)
    record = entry.history.order_by("history_date", "history_id").last()
    assert record.history_change_reason == f"收回事项重新下放 {DECISION}：乡镇已配备执法力量"
    assert workflow.warnings_for(d) == []


def test_a_county_wide_reclaimed_entry_keeps_the_other_townships(w):
    entry = reclaimed_entry(w, w.item)  # every township
    workflow.decide_request(
        w.office, submitted(w), "approve", DECISION, legal_review="passed",
        end_reclaimed_reason="东城镇试点",
    )
    entry.refresh_from_db()
    assert entry.all_townships is False
    assert list(entry.townships.all()) == [w.township_b]
    assert entry.effective_to is None


# ---------------------------------------------------------------- objections


def test_an_objection_needs_the_offices_written_response_before_approval(w):
    d = submitted(w, townships=[w.township_a, w.township_b])
    workflow.give_opinion(w.township_a_user, d, w.township_a, "object", "无执法人员")
    workflow.give_opinion(w.township_b_user, d, w.township_b, "agree")
    with pytest.raises(StateConflict) as exc:
        workflow.decide_request(w.office, d, "approve", DECISION, legal_review="passed")
    assert exc.value.code == "objection_unanswered"
    assert "东城镇" in exc.value.messages[0]
    workflow.respond_to_objection(w.office, d, w.township_a, "县财政将核拨经费并调剂编制")
    opinion = TownshipOpinion.objects.get(township=w.township_a)
    assert (opinion.response, opinion.responded_by) == ("县财政将核拨经费并调剂编制", w.office)
    assert opinion.responded_at is not None
    assert workflow.decide_request(
        w.office, d, "approve", DECISION, legal_review="passed"
    ).state == "approved"


def test_only_an_objection_is_answered_and_only_by_the_office(w):
    d = submitted(w, townships=[w.township_a, w.township_b])
    workflow.give_opinion(w.township_a_user, d, w.township_a, "object", "无执法人员")
    workflow.give_opinion(w.township_b_user, d, w.township_b, "agree")
    with pytest.raises(StateConflict) as exc:
        workflow.respond_to_objection(w.office, d, w.township_b, "答复")
    assert exc.value.code == "no_objection"
    with pytest.raises(NotAllowed):
        workflow.respond_to_objection(w.dept_a_user, d, w.township_a, "答复")
    with pytest.raises(InvalidRequest) as exc:
        workflow.respond_to_objection(w.office, d, w.township_a, "  ")
    assert "response" in exc.value.message_dict


# ---------------------------------------------------------------- revocation


def approved(w, **overrides):
    return workflow.decide_request(
        w.office, submitted(w, **overrides), "approve", DECISION, legal_review="passed"
    )


def test_a_revocation_needs_a_reason_and_a_document_number(w):
    d = approved(w)
    with pytest.raises(InvalidRequest) as exc:
        workflow.revoke_delegation(w.office, d)
    assert {"reason", "document_no"} <= set(exc.value.message_dict)
    d.refresh_from_db()
    assert d.state == "approved"
    assert not Revocation.objects.exists()


def test_a_revocation_of_some_townships_ends_only_theirs(w):
    d = approved(w, duty_items=[w.item, w.item2], townships=[w.township_a, w.township_b])
    day = timezone.localdate() + datetime.timedelta(days=5)
    d = workflow.revoke_delegation(
        w.office, d, revoked_on=day, reason="西河乡撤并", document_no="示编〔2025〕3号",
        townships=[w.township_b],
    )
    assert (d.state, d.revoked_on) == ("approved", None)  # still in force for 东城镇
    for entry in ListEntry.objects.filter(delegation=d):
        assert list(entry.townships.all()) == [w.township_a]
        assert entry.effective_to is None
    revocation = Revocation.objects.get()
    assert (revocation.partial, revocation.document_no, revocation.revoked_on) == (
        True, "示编〔2025〕3号", day
    )
    assert list(revocation.townships.all()) == [w.township_b]
    assert Delegation.history.filter(id=d.pk).latest("history_date").history_change_reason == (
        "部分撤销 示编〔2025〕3号：西河乡撤并"
    )
    d = workflow.revoke_delegation(
        w.office, d, revoked_on=day, reason="全部收回", document_no="示编〔2025〕4号",
    )
    assert (d.state, d.revoked_on) == ("revoked", day)


def test_a_revocation_of_some_items_ends_their_entries(w):
    d = approved(w, duty_items=[w.item, w.item2])
    d = workflow.revoke_delegation(
        w.office, d, reason="法规修改", document_no="示编〔2025〕5号", duty_items=[w.item2],
    )
    assert d.state == "approved"
    ended = ListEntry.objects.get(delegation=d, item=w.item2)
    assert ended.effective_to == timezone.localdate() - datetime.timedelta(days=1)
    assert ListEntry.objects.get(delegation=d, item=w.item).effective_to is None


def test_a_partial_revocation_names_parts_of_the_delegation_only(w):
    d = approved(w)
    with pytest.raises(InvalidRequest) as exc:
        workflow.revoke_delegation(
            w.office, d, reason="x", document_no="y", townships=[w.township_b]
        )
    assert "townships" in exc.value.message_dict


def test_revoking_what_is_already_revoked_is_a_conflict(w):
    d = approved(w, townships=[w.township_a, w.township_b])
    workflow.revoke_delegation(w.office, d, reason="x", document_no="y", townships=[w.township_b])
    with pytest.raises(StateConflict) as exc:
        workflow.revoke_delegation(w.office, d, reason="x", document_no="z", townships=[w.township_b])
    assert exc.value.code == "already_revoked"


# ---------------------------------------------------------------- decisions taken on paper


def paper(w, user=None, **overrides):
    fields = dict(
        department=w.dept_a, mode="assign", duty_items=[w.item], townships=[w.township_a],
        decision_no="示县委〔2019〕12号", decided_on=datetime.date(2019, 6, 14),
        effective_from=datetime.date(2019, 7, 1), legal_basis="《安全生产法》",
    )
    fields.update(overrides)
    return workflow.record_paper_decision(user or w.office, **fields)


def test_a_decision_taken_on_paper_is_recorded_with_its_own_date(w):
    d = paper(w, staff_posts=2, funding_wan_yuan=10)
    assert (d.state, d.legal_review, d.decision_no) == ("approved", "passed", "示县委〔2019〕12号")
    assert timezone.localdate(d.decided_at) == datetime.date(2019, 6, 14)
    entry = ListEntry.objects.get(delegation=d)
    assert (entry.kind, entry.approved_on, entry.effective_from) == (
        "admission", datetime.date(2019, 6, 14), datetime.date(2019, 7, 1)
    )
    assert (entry.staff_posts, d.staff_posts) == (None, 2)


def test_a_paper_entrustment_of_coercion_is_refused_with_the_workflows_message(w):
    with pytest.raises(InvalidRequest) as exc:
        paper(w, mode="entrust", duty_items=[w.coercion], agreement_scope="巡查",
              agreement_powers="查封", agreement_term_end=datetime.date(2029, 12, 31))
    assert "行政强制法 第十七条" in " ".join(exc.value.message_dict["duty_items"])
    assert not Delegation.objects.exists()
    assert not ListEntry.objects.exists()


def test_only_the_office_records_a_paper_decision(w):
    with pytest.raises(NotAllowed):
        paper(w, user=w.dept_a_user)


def test_a_paper_decision_of_a_reclaimed_item_needs_the_reason_too(w):
    reclaimed_entry(w, w.item, townships=[w.township_a])
    with pytest.raises(InvalidRequest) as exc:
        paper(w)
    assert "end_reclaimed_reason" in exc.value.message_dict
    assert not Delegation.objects.exists()


def test_a_paper_decision_is_not_dated_in_the_future(w):
    with pytest.raises(InvalidRequest) as exc:
        paper(w, decided_on=timezone.localdate() + datetime.timedelta(days=1))
    assert "decided_on" in exc.value.message_dict


# ---------------------------------------------------------------- now=


def test_every_step_dates_its_records_with_now(w):
    at = timezone.make_aware(datetime.datetime(2024, 3, 4, 9, 30))
    d = submitted(w, townships=[w.township_a], now=at)
    assert (d.submitted_at, d.created_at) == (at, at)
    assert d.deadline == calendar.review_deadline(datetime.date(2024, 3, 4))
    later = at + datetime.timedelta(days=2)
    workflow.give_opinion(w.township_a_user, d, w.township_a, "object", "人手不足", now=later)
    opinion = TownshipOpinion.objects.get()
    assert opinion.given_at == later
    assert opinion.history.get().history_date == later
    workflow.respond_to_objection(w.office, d, w.township_a, "已协调", now=later)
    decided = at + datetime.timedelta(days=9)
    d = workflow.decide_request(
        w.office, d, "approve", DECISION, legal_review="passed", now=decided
    )
    assert d.decided_at == decided
    assert ListEntry.objects.get().approved_on == datetime.date(2024, 3, 13)
    assert ListEntry.history.latest("history_date").history_date == decided
    dates = set(Delegation.history.filter(id=d.pk).values_list("history_date", flat=True))
    assert dates == {at, decided}
    revoked = decided + datetime.timedelta(days=30)
    d = workflow.revoke_delegation(
        w.office, d, reason="调整", document_no="示编〔2024〕9号", now=revoked
    )
    assert d.revoked_on == datetime.date(2024, 4, 12)
    assert Revocation.objects.get().recorded_at == revoked


def test_a_withdrawal_comment_over_its_limit_is_refused_on_its_field(w):
    from config.limits import TEXT

    d = submitted(w)
    with pytest.raises(InvalidRequest) as exc:
        workflow.withdraw_request(w.dept_a_user, d, comment="x" * (TEXT + 1))
    assert list(exc.value.message_dict) == ["comment"]
    d.refresh_from_db()
    assert d.state == "submitted"
