"""The delegation workflow: every transition, every refusal, the lists an approval writes."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from delegations import calendar, list_entries, workflow
from delegations.models import Delegation, TownshipOpinion
from delegations.workflow import InvalidRequest, NotAllowed, StateConflict
from duties.models import Category, ListEntry
from tests.factories import (
    CountyFactory,
    DelegationFactory,
    DepartmentFactory,
    DutyItemFactory,
    TownshipFactory,
)
from townships import access

pytestmark = pytest.mark.django_db

START = datetime.date(2025, 1, 1)


@pytest.fixture
def w(world):
    world.item_a = DutyItemFactory(county=world.county, department=world.dept_a, code="YJ001")
    world.item_a2 = DutyItemFactory(county=world.county, department=world.dept_a, code="YJ002")
    world.coercion = DutyItemFactory(
        county=world.county, department=world.dept_a, category=Category.COERCION, code="YJ100"
    )
    world.penalty = DutyItemFactory(
        county=world.county, department=world.dept_a, category=Category.PENALTY, code="YJ200"
    )
    world.item_b = DutyItemFactory(county=world.county, department=world.dept_b, code="NY001")
    return world


def request_of(w, user=None, **overrides):
    fields = dict(
        department=w.dept_a,
        mode="assign",
        duty_items=[w.item_a],
        townships=[w.township_a],
        reason="工作需要",
        legal_basis="《中华人民共和国安全生产法》",
        effective_from=START,
        staff_posts=2,
        funding_wan_yuan=15,
    )
    fields.update(overrides)
    return workflow.create_request(user or w.dept_a_user, **fields)


def submitted(w, **overrides):
    return request_of(w, submit=True, **overrides)


def approved(w, **overrides):
    return workflow.decide_request(
        w.office, submitted(w, **overrides), "approve", "示县委〔2025〕7号", legal_review="passed"
    )


def revoke(w, d, **kwargs):
    kwargs.setdefault("reason", "机构调整")
    kwargs.setdefault("document_no", "示县委〔2025〕8号")
    return workflow.revoke_delegation(w.office, d, **kwargs)


def last_history(obj):
    return type(obj).history.filter(id=obj.pk).order_by("history_date", "history_id").last()


# ---------------------------------------------------------------- create / edit


def test_a_department_creates_a_draft_with_its_items_and_townships(w):
    d = request_of(w, townships=[w.township_a, w.township_b])
    assert d.state == "draft"
    assert d.created_by == w.dept_a_user
    assert set(d.duty_items.all()) == {w.item_a}
    assert set(d.townships.all()) == {w.township_a, w.township_b}
    record = last_history(d)
    assert record.history_user == w.dept_a_user
    assert record.history_change_reason == "创建申请"
    assert set(record.townships.values_list("township_id", flat=True)) == {
        w.township_a.pk, w.township_b.pk
    }


def test_creating_with_submit_submits_and_sets_the_deadline(w):
    d = submitted(w)
    assert d.state == "submitted"
    assert d.submitted_at is not None
    assert d.deadline == calendar.review_deadline(timezone.localdate())
    assert last_history(d).history_change_reason == "提交申请"


@pytest.mark.parametrize("persona", ["dept_b_user", "township_a_user", "office"])
def test_only_the_department_itself_creates_its_requests(w, persona):
    with pytest.raises(NotAllowed):
        request_of(w, user=getattr(w, persona))
    assert not Delegation.objects.exists()


def test_a_request_naming_another_countys_township_is_refused(w):
    other = TownshipFactory(county=CountyFactory(code="990199"), code="990199101")
    with pytest.raises(InvalidRequest) as exc:
        request_of(w, townships=[other])
    assert "townships" in exc.value.message_dict
    assert not Delegation.objects.exists()


def test_a_request_naming_another_countys_item_is_refused(w):
    county = CountyFactory(code="990198")
    item = DutyItemFactory(county=county, department=DepartmentFactory(county=county))
    with pytest.raises(InvalidRequest) as exc:
        request_of(w, duty_items=[item])
    assert "duty_items" in exc.value.message_dict


def test_a_disordered_effective_window_is_refused_even_for_a_draft(w):
    with pytest.raises(InvalidRequest) as exc:
        request_of(w, effective_to=START - datetime.timedelta(days=1))
    assert "effective_to" in exc.value.message_dict


def test_an_invalid_request_created_with_submit_leaves_nothing_behind(w):
    with pytest.raises(InvalidRequest):
        submitted(w, mode="entrust")  # no agreement
    assert not Delegation.objects.exists()
    assert not Delegation.history.exists()


def test_a_draft_is_edited_by_its_department_with_one_history_row(w):
    d = request_of(w)
    before = Delegation.history.filter(id=d.pk).count()
    workflow.update_draft(w.dept_a_user, d, reason="新理由", duty_items=[w.item_a, w.item_a2])
    assert d.reason == "新理由"
    assert set(d.duty_items.all()) == {w.item_a, w.item_a2}
    assert Delegation.history.filter(id=d.pk).count() == before + 1
    assert last_history(d).history_change_reason == "修改草稿"


def test_editing_another_departments_draft_is_refused(w):
    with pytest.raises(NotAllowed):
        workflow.update_draft(w.dept_b_user, request_of(w), reason="x")


def test_editing_a_submitted_request_is_refused(w):
    with pytest.raises(StateConflict):
        workflow.update_draft(w.dept_a_user, submitted(w), reason="x")


def test_editing_an_unknown_field_is_a_programming_error(w):
    with pytest.raises(TypeError):
        workflow.update_draft(w.dept_a_user, request_of(w), state="approved")


def test_a_draft_can_be_discarded_by_its_department_only(w):
    d = request_of(w)
    with pytest.raises(NotAllowed):
        workflow.discard_draft(w.dept_b_user, d)
    workflow.discard_draft(w.dept_a_user, d)
    assert not Delegation.objects.exists()
    assert last_history(d).history_type == "-"


def test_a_submitted_request_cannot_be_discarded(w):
    with pytest.raises(StateConflict):
        workflow.discard_draft(w.dept_a_user, submitted(w))


# ---------------------------------------------------------------- submit


def test_submitting_a_draft_refreshes_the_callers_object(w):
    d = request_of(w)
    result = workflow.submit_request(w.dept_a_user, d)
    assert d.state == result.state == "submitted"
    assert Delegation.objects.get(pk=d.pk).state == "submitted"


def test_submitting_twice_is_refused_as_a_conflict(w):
    d = request_of(w)
    workflow.submit_request(w.dept_a_user, d)
    with pytest.raises(StateConflict) as exc:
        workflow.submit_request(w.dept_a_user, d)
    assert exc.value.code == "already_submitted"


@pytest.mark.parametrize("persona", ["dept_b_user", "township_a_user", "office"])
def test_only_the_requesting_department_submits(w, persona):
    d = request_of(w)
    with pytest.raises(NotAllowed):
        workflow.submit_request(getattr(w, persona), d)
    d.refresh_from_db()
    assert d.state == "draft"


def test_submitting_without_items_or_townships_is_refused(w):
    d = request_of(w, duty_items=[], townships=[])
    with pytest.raises(InvalidRequest) as exc:
        workflow.submit_request(w.dept_a_user, d)
    assert {"duty_items", "townships"} <= set(exc.value.message_dict)


def test_entrusting_an_administrative_coercion_item_is_refused(w):
    d = request_of(
        w, mode="entrust", duty_items=[w.coercion], agreement_scope="范围",
        agreement_powers="权限", agreement_term_end=datetime.date(2027, 12, 31),
    )
    with pytest.raises(InvalidRequest) as exc:
        workflow.submit_request(w.dept_a_user, d)
    assert "行政强制法 第十七条" in exc.value.message_dict["duty_items"][0]


def test_granting_penalty_powers_without_a_provincial_decision_is_refused(w):
    d = request_of(w, mode="grant", duty_items=[w.penalty])
    with pytest.raises(InvalidRequest) as exc:
        workflow.submit_request(w.dept_a_user, d)
    assert "行政处罚法 第二十四条" in exc.value.message_dict["provincial_decision"][0]


def test_granting_penalty_powers_with_a_provincial_decision_goes_through(w):
    d = request_of(w, mode="grant", duty_items=[w.penalty], provincial_decision="示省政府令第1号")
    assert workflow.submit_request(w.dept_a_user, d).state == "submitted"


def test_an_entrustment_without_its_written_agreement_is_refused(w):
    d = request_of(w, mode="entrust")
    with pytest.raises(InvalidRequest) as exc:
        workflow.submit_request(w.dept_a_user, d)
    assert {"agreement_scope", "agreement_powers", "agreement_term_end"} <= set(
        exc.value.message_dict
    )


def test_an_item_of_another_department_needs_a_reason(w):
    d = request_of(w, duty_items=[w.item_b], reason="")
    with pytest.raises(InvalidRequest) as exc:
        workflow.submit_request(w.dept_a_user, d)
    assert list(exc.value.message_dict) == ["reason"]
    workflow.update_draft(w.dept_a_user, d, reason="农业农村局同意由我局统一交办")
    assert workflow.submit_request(w.dept_a_user, d).state == "submitted"


def test_re_delegating_entrusted_powers_is_refused(w):
    entrusted = DelegationFactory(
        department=w.dept_b, mode="entrust", state="approved", agreement_scope="辖区内",
        agreement_powers="检查、罚款", agreement_term_end=datetime.date(2029, 12, 31),
    )
    d = request_of(w, derived_from=entrusted)
    with pytest.raises(InvalidRequest) as exc:
        workflow.submit_request(w.dept_a_user, d)
    assert "derived_from" in exc.value.message_dict


def test_validate_request_reports_a_disordered_window(w):
    d = request_of(w)
    d.effective_to = START - datetime.timedelta(days=1)
    assert "effective_to" in workflow.validate_request(d)


# ---------------------------------------------------------------- withdraw


def test_a_submitted_request_is_withdrawn_with_the_comment_in_the_history(w):
    d = workflow.withdraw_request(w.dept_a_user, submitted(w), comment="情况有变")
    assert d.state == "withdrawn"
    record = last_history(d)
    assert record.history_change_reason == "撤回申请：情况有变"
    assert record.history_user == w.dept_a_user


def test_withdrawing_another_departments_request_is_refused(w):
    with pytest.raises(NotAllowed):
        workflow.withdraw_request(w.dept_b_user, submitted(w))


@pytest.mark.parametrize("make", [request_of, approved])
def test_only_a_submitted_request_can_be_withdrawn(w, make):
    with pytest.raises(StateConflict):
        workflow.withdraw_request(w.dept_a_user, make(w))


# ---------------------------------------------------------------- opinions


def test_a_township_gives_its_opinion_once(w):
    d = submitted(w, townships=[w.township_a, w.township_b])
    workflow.give_opinion(w.township_a_user, d, w.township_a, "object", "人员不足，无法承接")
    opinion = TownshipOpinion.objects.get(delegation=d)
    assert (opinion.township, opinion.opinion, opinion.given_by) == (
        w.township_a, "object", w.township_a_user
    )
    assert last_history(opinion).history_change_reason == "乡镇意见：东城镇 反对：人员不足，无法承接"
    assert last_history(opinion).history_user == w.township_a_user
    assert opinion in access.restrict(w.office, TownshipOpinion.objects.all())
    with pytest.raises(StateConflict):
        workflow.give_opinion(w.township_a_user, d, w.township_a, "agree")


def test_an_objection_must_say_why(w):
    with pytest.raises(InvalidRequest) as exc:
        workflow.give_opinion(w.township_a_user, submitted(w), w.township_a, "object", " ")
    assert "text" in exc.value.message_dict


def test_an_unknown_opinion_is_refused(w):
    with pytest.raises(InvalidRequest):
        workflow.give_opinion(w.township_a_user, submitted(w), w.township_a, "maybe")


def test_a_township_not_concerned_may_not_give_an_opinion(w):
    with pytest.raises(NotAllowed):
        workflow.give_opinion(w.township_b_user, submitted(w), w.township_b, "agree")


def test_a_township_may_not_speak_for_another_township(w):
    d = submitted(w, townships=[w.township_a, w.township_b])
    with pytest.raises(NotAllowed):
        workflow.give_opinion(w.township_a_user, d, w.township_b, "agree")


@pytest.mark.parametrize("persona", ["office", "dept_a_user"])
def test_only_townships_give_opinions(w, persona):
    with pytest.raises(NotAllowed):
        workflow.give_opinion(getattr(w, persona), submitted(w), w.township_a, "agree")


def test_no_opinion_is_given_on_a_draft(w):
    with pytest.raises(StateConflict):
        workflow.give_opinion(w.township_a_user, request_of(w), w.township_a, "agree")


# ---------------------------------------------------------------- legality review


def test_the_office_records_the_legality_review(w):
    d = workflow.record_legal_review(w.office, submitted(w), "passed", "符合规定")
    assert (d.legal_review, d.legal_review_note) == ("passed", "符合规定")
    assert last_history(d).history_change_reason == "合法性审查：通过：符合规定"


def test_a_failed_legality_review_needs_a_note(w):
    with pytest.raises(InvalidRequest) as exc:
        workflow.record_legal_review(w.office, submitted(w), "failed")
    assert "note" in exc.value.message_dict


def test_a_department_may_not_record_the_legality_review(w):
    with pytest.raises(NotAllowed):
        workflow.record_legal_review(w.dept_a_user, submitted(w), "passed")


def test_a_draft_gets_no_legality_review(w):
    with pytest.raises(StateConflict):
        workflow.record_legal_review(w.office, request_of(w), "passed")


def test_a_request_that_failed_the_legality_review_cannot_be_approved(w):
    d = workflow.record_legal_review(w.office, submitted(w), "failed", "缺乏法律依据")
    with pytest.raises(StateConflict) as exc:
        workflow.decide_request(w.office, d, "approve", "示县委〔2025〕7号")
    assert exc.value.code == "legal_review_failed"


# ---------------------------------------------------------------- decision


def test_approving_an_assignment_puts_the_items_on_the_admission_list(w):
    d = submitted(w, duty_items=[w.item_a, w.item_a2], townships=[w.township_a, w.township_b],
                  effective_to=datetime.date(2027, 12, 31))
    d = workflow.decide_request(
        w.office, d, "approve", "示县委〔2025〕7号", "同意", legal_review="passed"
    )
    assert (d.state, d.decision_no, d.decided_by) == ("approved", "示县委〔2025〕7号", w.office)
    assert d.decided_at is not None
    entries = ListEntry.objects.filter(delegation=d).order_by("item__code")
    assert [e.item for e in entries] == [w.item_a, w.item_a2]
    for entry in entries:
        assert entry.kind == "admission"
        assert entry.admission_mode == "assign"
        assert entry.approval_document == entry.document_no == "示县委〔2025〕7号"
        assert entry.approved_on == timezone.localdate()
        assert entry.requesting_department == w.dept_a
        assert (entry.staff_posts, entry.funding_wan_yuan) == (None, None)  # the request's
        assert (entry.effective_from, entry.effective_to) == (START, datetime.date(2027, 12, 31))
        assert entry.status == "published"
        assert entry.all_townships is False
        assert set(entry.townships.all()) == {w.township_a, w.township_b}
        entry.full_clean()
        record = last_history(entry)
        assert (record.history_user, record.history_change_reason) == (
            w.office, "批准 示县委〔2025〕7号：同意"
        )
    record = last_history(d)
    assert (record.history_user, record.history_change_reason) == (
        w.office, "批准 示县委〔2025〕7号：同意"
    )


def test_approving_a_grant_puts_the_items_on_the_power_list_as_granted(w):
    d = approved(w, mode="grant", duty_items=[w.penalty], provincial_decision="示省政府令第1号")
    entry = ListEntry.objects.get(delegation=d)
    assert (entry.kind, entry.source, entry.admission_mode) == ("power", "granted", "")
    assert list(entry.townships.all()) == [w.township_a]


def test_approving_an_entrustment_puts_the_items_on_the_power_list_as_entrusted(w):
    d = approved(
        w, mode="entrust", agreement_scope="日常巡查", agreement_powers="检查、劝阻",
        agreement_term_end=datetime.date(2027, 12, 31),
    )
    entry = ListEntry.objects.get(delegation=d)
    assert (entry.kind, entry.source) == ("power", "entrusted")


def test_an_approval_needs_a_decision_number(w):
    d = submitted(w)
    with pytest.raises(InvalidRequest) as exc:
        workflow.decide_request(w.office, d, "approve", "  ")
    assert "decision_no" in exc.value.message_dict
    d.refresh_from_db()
    assert d.state == "submitted"


def test_a_rejection_needs_a_reason(w):
    with pytest.raises(InvalidRequest) as exc:
        workflow.decide_request(w.office, submitted(w), "reject")
    assert "note" in exc.value.message_dict


def test_an_unknown_decision_is_refused(w):
    with pytest.raises(InvalidRequest) as exc:
        workflow.decide_request(w.office, submitted(w), "maybe", "x")
    assert "decision" in exc.value.message_dict


def test_a_rejection_puts_nothing_on_the_lists(w):
    d = workflow.decide_request(w.office, submitted(w), "reject", note="不符合准入条件")
    assert (d.state, d.decision_note) == ("rejected", "不符合准入条件")
    assert not ListEntry.objects.exists()
    assert last_history(d).history_change_reason == "不予批准：不符合准入条件"


@pytest.mark.parametrize("persona", ["dept_a_user", "township_a_user"])
def test_only_the_office_decides(w, persona):
    with pytest.raises(NotAllowed):
        workflow.decide_request(getattr(w, persona), submitted(w), "approve", "x")


def test_a_draft_cannot_be_decided(w):
    with pytest.raises(StateConflict):
        workflow.decide_request(w.office, request_of(w), "approve", "x")


def test_of_two_office_users_deciding_at_once_the_second_gets_a_clear_message(w):
    from tests.factories import make_user

    second_office = make_user("office", username="office2")
    d = submitted(w)
    stale = Delegation.objects.get(pk=d.pk)
    workflow.decide_request(w.office, d, "approve", "示县委〔2025〕7号", legal_review="passed")
    with pytest.raises(StateConflict) as exc:
        workflow.decide_request(second_office, stale, "reject", note="不同意")
    assert exc.value.code == "already_decided"
    assert stale.state == "submitted"  # untouched: the refusal changes nothing
    d.refresh_from_db()
    assert (d.state, d.decided_by) == ("approved", w.office)
    assert ListEntry.objects.filter(delegation=d).count() == 1


def test_an_approval_failing_midway_writes_nothing(w, monkeypatch):
    d = submitted(w, duty_items=[w.item_a, w.item_a2])
    history_before = Delegation.history.count()
    real = list_entries._add_list_entry
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(list_entries, "_add_list_entry", failing)
    with pytest.raises(RuntimeError):
        workflow.decide_request(w.office, d, "approve", "示县委〔2025〕7号", legal_review="passed")
    assert len(calls) == 2
    assert Delegation.objects.get(pk=d.pk).state == "submitted"
    assert not ListEntry.objects.exists()
    assert not ListEntry.history.exists()
    assert Delegation.history.count() == history_before


def test_an_approval_rechecks_the_submit_time_rules(w):
    d = submitted(
        w, mode="entrust", agreement_scope="日常巡查", agreement_powers="检查",
        agreement_term_end=datetime.date(2027, 12, 31),
    )
    w.item_a.category = Category.COERCION
    w.item_a.save()
    with pytest.raises(InvalidRequest):
        workflow.decide_request(w.office, d, "approve", "示县委〔2025〕7号", legal_review="passed")


# ---------------------------------------------------------------- revocation


def test_revoking_ends_the_list_entries_the_day_before(w):
    d = approved(w)
    revoked_on = timezone.localdate() + datetime.timedelta(days=10)
    d = revoke(w, d, revoked_on=revoked_on)
    assert (d.state, d.revoked_on) == ("revoked", revoked_on)
    entry = ListEntry.objects.get(delegation=d)
    assert entry.effective_to == revoked_on - datetime.timedelta(days=1)
    expected_reason = "撤销 示县委〔2025〕8号：机构调整"
    assert last_history(d).history_change_reason == expected_reason
    assert (last_history(entry).history_user, last_history(entry).history_change_reason) == (
        w.office, expected_reason
    )


def test_revoking_defaults_to_today(w):
    d = revoke(w, approved(w))
    assert d.revoked_on == timezone.localdate()
    assert ListEntry.objects.get(delegation=d).effective_to == (
        timezone.localdate() - datetime.timedelta(days=1)
    )


def test_revoking_before_the_delegation_took_effect_removes_its_entries(w):
    future = timezone.localdate() + datetime.timedelta(days=30)
    d = revoke(w, approved(w, effective_from=future))
    assert not ListEntry.objects.filter(delegation=d).exists()
    assert ListEntry.history.filter(history_type="-").get().history_change_reason.startswith("撤销")


def test_revoking_keeps_an_earlier_end(w):
    end = datetime.date(2025, 6, 30)
    d = revoke(w, approved(w, effective_to=end))
    assert ListEntry.objects.get(delegation=d).effective_to == end


def test_a_revocation_cannot_predate_the_approval(w):
    with pytest.raises(InvalidRequest) as exc:
        revoke(w, approved(w), revoked_on=timezone.localdate() - datetime.timedelta(days=1))
    assert "revoked_on" in exc.value.message_dict


def test_only_an_approved_delegation_can_be_revoked(w):
    with pytest.raises(StateConflict):
        revoke(w, submitted(w))


def test_a_department_may_not_revoke(w):
    with pytest.raises(NotAllowed):
        workflow.revoke_delegation(w.dept_a_user, approved(w), reason="x", document_no="y")


# ---------------------------------------------------------------- notifications and errors


def test_pending_for_counts_what_waits_for_each_persona(w):
    draft = request_of(w)
    overdue = submitted(w, townships=[w.township_a, w.township_b])
    Delegation.objects.filter(pk=overdue.pk).update(deadline=datetime.date(2024, 1, 1))
    fresh = submitted(w)
    workflow.decide_request(w.office, submitted(w), "reject", note="不符合条件")
    workflow.give_opinion(w.township_a_user, fresh, w.township_a, "agree")
    assert draft and fresh
    assert workflow.pending_for(w.office) == {"to_review": 2, "overdue": 1}  # before the claim
    workflow.file_claim(w.township_b_user, township=w.township_b, department=w.dept_a,
                        mode="entrust", duty_items=[w.item_a], reason="就近承接",
                        effective_from=START)
    assert workflow.pending_for(w.township_a_user) == {"awaiting_opinion": 1, "claims_in_review": 0}
    assert workflow.pending_for(w.township_b_user) == {"awaiting_opinion": 1, "claims_in_review": 1}
    assert workflow.pending_for(w.dept_a_user) == {
        "drafts": 1, "in_review": 3, "rejected": 1, "claims_to_answer": 1}
    assert workflow.pending_for(w.dept_b_user) == {
        "drafts": 0, "in_review": 0, "rejected": 0, "claims_to_answer": 0}
    assert workflow.pending_for(None) == {}


def test_pending_for_runs_one_query(w, django_assert_num_queries):
    submitted(w)
    with django_assert_num_queries(1):
        workflow.pending_for(w.township_a_user)


def test_workflow_errors_are_validation_and_permission_errors(w):
    assert issubclass(StateConflict, ValidationError) and issubclass(NotAllowed, PermissionDenied)
    assert (StateConflict("late").http_status, InvalidRequest("bad").http_status) == (409, 400)
