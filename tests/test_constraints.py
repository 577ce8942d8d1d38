"""Every named database constraint: a violating save fails in the database, and model
validation (what the forms run) refuses the same object with the constraint's message."""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from delegations.models import (
    Assignment,
    CalendarDay,
    Call,
    Case,
    Delegation,
    Finding,
    FlagStoreState,
    Revocation,
    TownshipOpinion,
)
from duties.models import DutyItem, ListEntry
from tests.factories import (
    DelegationFactory,
    DutyItemFactory,
    ListEntryFactory,
    TownshipOpinionFactory,
    UserFactory,
)
from tests.factories_admin import constraint_message
from townships.models import County, Department, DepartmentAlias, Profile, Township

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 1, 1)



# Each builder returns an object whose save() violates exactly the named constraint.


def township(w, **fields):
    values = {"county": w.county, "code": "990101199", "name": "新建镇"} | fields
    return Township(**values)


def department(w, **fields):
    values = {"county": w.county, "code": "NEW", "name": "示范县新建局"} | fields
    return Department(**values)


def item(w, **fields):
    values = {"county": w.county, "code": "NEW-1", "name": "新事项"} | fields
    return DutyItem(**values)


def entry(w, kind="power", **fields):
    values = {
        "kind": kind,
        "item": DutyItemFactory(county=w.county, department=w.dept_a),
        "source": "statutory" if kind == "power" else "",
        "effective_from": DAY,
        "lead_department": w.dept_a if kind == "territorial" else None,
        "approval_document": "示县办发〔2024〕1号" if kind == "admission" else "",
        "receiving_department": w.dept_a if kind == "reclaimed" else None,
    } | fields
    return ListEntry(**values)


def delegation(w, **fields):
    values = {"department": w.dept_a, "mode": "assign", "effective_from": DAY} | fields
    return Delegation(**values)


def changed(obj, **fields):
    """A saved object with fields changed in memory (its next save() is an UPDATE)."""
    for name, value in fields.items():
        setattr(obj, name, value)
    return obj


def approved(w):
    return DelegationFactory(department=w.dept_a, townships=[w.township_a], state="approved")


def with_items(w):
    """A saved draft that has items and townships (so the state trigger lets updates pass)."""
    return DelegationFactory(department=w.dept_a, townships=[w.township_a])


def assignment(w, **fields):
    values = {
        "department": w.dept_a,
        "title": "森林防火巡查",
        "channel": "notice",
        "assigned_on": DAY,
    } | fields
    return Assignment(**values)


def duplicate_entry_on_delegation(w):
    existing = ListEntryFactory(
        kind="admission", item__county=w.county, delegation=approved(w)
    )
    return entry(w, "admission", item=existing.item, delegation=existing.delegation)


def duplicate_opinion(w):
    submitted = DelegationFactory(department=w.dept_a, townships=[w.township_a], state="submitted")
    opinion = TownshipOpinionFactory(delegation=submitted, township=w.township_a)
    return TownshipOpinion(delegation=opinion.delegation, township=w.township_a, opinion="agree")


def call(w, **fields):
    values = {"county": w.county, "township": w.township_a, "found": "发现问题",
              "status": "at_office", **fields}
    return Call(**values)


def province_source(w, **fields):
    from delegations.flags.models import ProvinceSource

    values = {"province": "14", "rule": "UNLISTED_ASSIGNMENT", "text": "晋编办字〔2023〕143号"}
    return ProvinceSource(**(values | fields))


def duplicate_province_source(w):
    province_source(w).save()
    return province_source(w, text="另一份文件")


def revocation(w, **fields):
    values = {"delegation": approved(w), "revoked_on": DAY, "reason": "任务调整",
              "document_no": "示县委〔2025〕4号"} | fields
    return Revocation(**values)


def finding(w, **fields):
    values = {"key": "UNLISTED_ASSIGNMENT|t|d|i|1|0|0", "rule": "UNLISTED_ASSIGNMENT",
              "rule_index": 0, "severity": "error", "county": w.county,
              "township": w.township_a, "township_code": w.township_a.code} | fields
    values.setdefault("case", Case.objects.get_or_create(
        subject="assignment:0:0", defaults={"county": w.county})[0])
    return Finding(**values)


def stored_finding(w, **fields):
    finding(w).save()
    return finding(w, **fields)


def case(w, **fields):
    values = {"subject": "assignment:1:1", "county": w.county, "department": w.dept_a,
              "township": w.township_a} | fields
    return Case(**values)


def stored_case(w, **fields):
    case(w).save()
    return case(w, **fields)


def store_state(w):
    FlagStoreState(name="dates").save()
    return FlagStoreState(name="dates")


CASES = {
    # the flag store and its cases
    "finding_identity_unique": (Finding, lambda w: stored_finding(w)),
    "finding_severity_valid": (Finding, lambda w: finding(w, severity="fatal")),
    "flag_store_state_name_unique": (FlagStoreState, store_state),
    "case_subject_unique": (Case, lambda w: stored_case(w)),
    "case_status_valid": (Case, lambda w: case(w, status="lost")),
    "case_answer_valid": (Case, lambda w: case(w, answer="maybe")),
    "case_resolution_valid": (Case, lambda w: case(w, resolution="forgotten")),
    "case_closed_has_resolution": (Case, lambda w: case(w, status="closed")),
    "case_dismissal_explained": (Case, lambda w: case(w, status="closed", resolution="dismissed")),
    "case_dispute_explained": (Case, lambda w: case(w, status="answered", answer="disputed")),
    # townships
    "county_code_6_digits": (County, lambda w: County(code="99010", name="短码县")),
    "township_code_9_digits": (Township, lambda w: township(w, code="99010119")),
    "township_name_unique_in_county": (Township, lambda w: township(w, name="东城镇")),
    "township_kind_valid": (Township, lambda w: township(w, kind="city")),
    "township_category_valid": (Township, lambda w: township(w, category="huge")),
    "township_area_positive": (Township, lambda w: township(w, area_km2=0)),
    "department_code_unique_in_county": (Department, lambda w: department(w, code="YJJ")),
    "department_name_unique_in_county": (
        Department,
        lambda w: department(w, name=w.dept_a.name),
    ),
    "department_code_not_blank": (Department, lambda w: department(w, code="")),
    "department_kind_valid": (Department, lambda w: department(w, kind="bureau")),
    "department_alias_unique": (
        DepartmentAlias,
        lambda w: DepartmentAlias(
            department=DepartmentAlias.objects.create(department=w.dept_a, name="安监局").department,
            name="安监局",
        ),
    ),
    "profile_role_matches_unit": (
        Profile,
        lambda w: Profile(user=UserFactory(), role="department", township=w.township_a),
    ),
    # duties
    "duty_item_code_unique_in_county": (
        DutyItem,
        lambda w: item(w, code=DutyItemFactory(county=w.county).code),
    ),
    "duty_item_name_unique_in_county": (
        DutyItem,
        lambda w: item(
            w, name=DutyItemFactory(county=w.county, sub_item="子项").name, sub_item="子项"
        ),
    ),
    "duty_item_code_and_name_not_blank": (DutyItem, lambda w: item(w, name="")),
    "duty_item_category_valid": (DutyItem, lambda w: item(w, category="magic")),
    "list_entry_kind_valid": (ListEntry, lambda w: entry(w, "other_list")),
    "list_entry_status_valid": (ListEntry, lambda w: entry(w, status="hidden")),
    "list_entry_admission_mode_valid": (
        ListEntry,
        lambda w: entry(w, "admission", admission_mode="purchase"),
    ),
    "list_entry_window_ordered": (
        ListEntry,
        lambda w: entry(w, effective_to=DAY - datetime.timedelta(days=1)),
    ),
    "list_entry_power_source": (ListEntry, lambda w: entry(w, source="")),
    "list_entry_territorial_lead_department": (
        ListEntry,
        lambda w: entry(w, "territorial", lead_department=None),
    ),
    "list_entry_admission_approval": (
        ListEntry,
        lambda w: entry(w, "admission", approval_document=""),
    ),
    "list_entry_reclaimed_receiver": (
        ListEntry,
        lambda w: entry(w, "reclaimed", receiving_department=None),
    ),
    "list_entry_funding_not_negative": (
        ListEntry,
        lambda w: entry(w, "admission", funding_wan_yuan=-1),
    ),
    "list_entry_item_once_per_list": (
        ListEntry,
        lambda w: entry(w, item=ListEntryFactory(kind="power", item__county=w.county).item),
    ),
    "list_entry_item_once_per_delegation": (ListEntry, duplicate_entry_on_delegation),
    # delegations
    "delegation_mode_valid": (Delegation, lambda w: delegation(w, mode="gift")),
    "delegation_state_valid": (Delegation, lambda w: changed(with_items(w), state="lost")),
    "delegation_legal_review_valid": (Delegation, lambda w: delegation(w, legal_review="maybe")),
    "delegation_window_ordered": (
        Delegation,
        lambda w: delegation(w, effective_to=DAY - datetime.timedelta(days=1)),
    ),
    "delegation_funding_not_negative": (Delegation, lambda w: delegation(w, funding_wan_yuan=-5)),
    "delegation_approval_has_decision_no": (
        Delegation,
        lambda w: changed(approved(w), decision_no=""),
    ),
    "delegation_decision_dated": (Delegation, lambda w: changed(approved(w), decided_at=None)),
    "delegation_revocation_dated": (Delegation, lambda w: delegation(w, revoked_on=DAY)),
    "delegation_not_derived_from_itself": (
        Delegation,
        lambda w: (lambda d: changed(d, derived_from=d))(with_items(w)),
    ),
    "delegation_department_opinion_on_claims": (
        Delegation,
        lambda w: delegation(w, department_opinion="agree"),
    ),
    "delegation_department_objection_has_reasons": (
        Delegation,
        lambda w: delegation(w, claimed_by=w.township_a, department_opinion="object"),
    ),
    "province_source_province_valid": (
        apps.get_model("delegations.ProvinceSource"), lambda w: province_source(w, province="99"),
    ),
    "province_source_text_required": (
        apps.get_model("delegations.ProvinceSource"), lambda w: province_source(w, text=""),
    ),
    "province_source_once_per_rule": (
        apps.get_model("delegations.ProvinceSource"), duplicate_province_source,
    ),
    "call_status_valid": (Call, lambda w: call(w, status="lost")),
    "call_urgency_valid": (Call, lambda w: call(w, urgency="soon")),
    "call_says_what_was_found": (Call, lambda w: call(w, found="")),
    "call_routed_has_lead_department": (Call, lambda w: call(w, status="routed", due_on=DAY)),
    "call_routed_has_deadline": (Call, lambda w: call(w, status="routed", lead_department=w.dept_a)),
    "call_reported_has_report": (
        Call, lambda w: call(w, status="reported", lead_department=w.dept_a, due_on=DAY)),
    "call_reopen_explained": (
        Call, lambda w: call(w, status="reopened", lead_department=w.dept_a, due_on=DAY)),
    "revocation_has_reason": (Revocation, lambda w: revocation(w, reason="")),
    "revocation_has_document_no": (Revocation, lambda w: revocation(w, document_no="")),
    "opinion_once_per_township": (TownshipOpinion, duplicate_opinion),
    "opinion_valid": (
        TownshipOpinion,
        lambda w: TownshipOpinion(delegation=with_items(w), township=w.township_a, opinion="maybe"),
    ),
    "objection_explained": (
        TownshipOpinion,
        lambda w: TownshipOpinion(delegation=with_items(w), township=w.township_a, opinion="object"),
    ),
    "assignment_channel_valid": (Assignment, lambda w: assignment(w, channel="pigeon")),
    "assignment_responsibility_valid": (Assignment, lambda w: assignment(w, responsibility="all")),
    "assignment_title_not_blank": (Assignment, lambda w: assignment(w, title="")),
    "assignment_report_names_township": (
        Assignment,
        lambda w: assignment(w, recorded_by="township"),
    ),
    "calendar_day_kind_valid": (
        CalendarDay,
        lambda w: CalendarDay(date=DAY, kind="party", name="元旦"),
    ),
}


def named_constraints():
    names = set()
    for app in ("townships", "duties", "delegations"):
        for model in apps.get_app_config(app).get_models():
            names |= {constraint.name for constraint in model._meta.constraints}
    return names


def test_every_named_constraint_has_a_case():
    assert set(CASES) == named_constraints()


def save_violating(obj):
    with pytest.raises(IntegrityError) as failure, transaction.atomic():
        obj.save()
    return str(failure.value)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_violating_save_fails_in_the_database(world, name):
    model, build = CASES[name]
    constraint = next(c for c in model._meta.constraints if c.name == name)
    obj = build(world)
    error = save_violating(obj)
    if isinstance(constraint, models.CheckConstraint):
        assert name in error


@pytest.mark.parametrize("name", sorted(CASES))
def test_model_validation_refuses_with_the_constraint_message(world, name):
    model, build = CASES[name]
    obj = build(world)
    with pytest.raises(ValidationError) as failure:
        obj.validate_constraints()
    assert constraint_message(model, name) in failure.value.messages


def test_full_clean_reports_an_inverted_window_and_a_missing_lead_department(world):
    yesterday = DAY - datetime.timedelta(days=1)
    obj = entry(world, "territorial", lead_department=None, effective_to=yesterday)
    with pytest.raises(ValidationError) as failure:
        obj.full_clean()
    assert constraint_message(ListEntry, "list_entry_window_ordered") in failure.value.messages
    assert (
        constraint_message(ListEntry, "list_entry_territorial_lead_department")
        in failure.value.messages
    )


# --- the delegation trigger (delegations/migrations/0003) ---------------------------------


def test_inserting_a_delegation_outside_the_draft_state_fails(world):
    error = save_violating(delegation(world, state="submitted"))
    assert "delegation_created_as_draft" in error
    assert Delegation.objects.count() == 0


def test_submitting_a_delegation_without_items_fails(world):
    draft = delegation(world)
    draft.save()
    draft.townships.set([world.township_a])
    error = save_violating(changed(draft, state="submitted"))
    assert "delegation_needs_items_and_townships" in error
    assert Delegation.objects.get().state == "draft"


def test_submitting_a_delegation_without_townships_fails(world):
    draft = delegation(world)
    draft.save()
    draft.duty_items.set([DutyItemFactory(county=world.county, department=world.dept_a)])
    error = save_violating(changed(draft, state="submitted"))
    assert "delegation_needs_items_and_townships" in error


def test_a_delegation_with_items_and_townships_may_leave_the_draft_state(world):
    draft = with_items(world)
    draft.state = "submitted"
    draft.save()
    assert Delegation.objects.get().state == "submitted"


# --- free text is bounded (config.limits) ----------------------------------------------------


@pytest.mark.parametrize(
    "model, field",
    [
        (DutyItem, "legal_basis"),
        (DutyItem, "accountability_cases"),
        (ListEntry, "township_duty"),
        (ListEntry, "notes"),
        (ListEntry, "working_method"),
    ],
)
def test_free_text_above_its_limit_is_refused_by_model_validation(world, model, field):
    from django.utils import translation

    obj = DutyItemFactory(county=world.county) if model is DutyItem else ListEntryFactory(
        item__county=world.county
    )
    limit = model._meta.get_field(field).max_length
    setattr(obj, field, "字" * limit)
    obj.full_clean()
    setattr(obj, field, "字" * (limit + 1))
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        obj.full_clean()
    assert str(limit) in refused.value.message_dict[field][0]
    assert "字符" in refused.value.message_dict[field][0]
