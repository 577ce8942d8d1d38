"""The demo county: it loads, it is big and varied enough, it loads twice without a change,
its accounts work, and its expected-flags manifest names real objects and covers every rule."""

import datetime
import io
import json

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from delegations import workflow
from delegations.models import Assignment, Delegation
from duties.models import Category, DutyItem, ListEntry, ListKind
from demo import county as demo
from townships.models import County, Department, DepartmentAlias, Profile, Township

pytestmark = pytest.mark.django_db

# The fourteen rule codes of docs/contracts.md §3 (a contract: codes never change).
FLAG_RULES = {
    "UNLISTED_ASSIGNMENT",
    "RECLAIMED_ITEM_ASSIGNED",
    "MAIN_DUTY_SHIFTED",
    "LIABILITY_SHIFT_BY_ASSESSMENT",
    "ENTRUSTMENT_WITHOUT_AGREEMENT",
    "NON_DELEGABLE_POWER",
    "GRANT_WITHOUT_PROVINCIAL_DECISION",
    "REDELEGATION",
    "DELEGATION_NOT_IN_FORCE",
    "UNFUNDED_DELEGATION",
    "OVERDUE_REVIEW",
    "NOT_OWNING_DEPARTMENT",
    "VAGUE_COOPERATION",
    "DUPLICATE_ASSIGNMENT",
}


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module inside a transaction rolled back at its end (each
    test runs in a savepoint within it). Password hashing is slow on purpose; the demo's
    accounts only need a working hash here."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        with django_db_blocker.unblock(), transaction.atomic():
            result = demo.load_demo()
            yield result
            transaction.set_rollback(True)


def row_counts():
    """Rows of every model, historical and many-to-many tables included."""
    return {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if not model._meta.proxy
    }


def test_demo_county_meets_the_minimums(loaded):
    county = County.objects.get(code=demo.DEMO_COUNTY_CODE)
    townships = Township.objects.filter(county=county)
    assert townships.count() >= 12
    assert set(townships.values_list("kind", flat=True)) >= {"town", "township", "subdistrict"}
    assert all(code.startswith("999001") and len(code) == 9 for code in townships.values_list("code", flat=True))
    assert Department.objects.filter(county=county).count() >= 30
    items = DutyItem.objects.filter(county=county)
    assert items.count() >= 300
    assert set(items.values_list("category", flat=True)) == set(Category.values)
    for kind in ListKind.values:
        assert ListEntry.objects.filter(kind=kind, item__county=county).exists(), kind
    delegations = Delegation.objects.filter(department__county=county)
    assert set(delegations.values_list("mode", flat=True)) == set(Delegation.Mode.values)
    assert set(delegations.values_list("state", flat=True)) == set(Delegation.State.values)
    assert any(d.is_expired for d in delegations)
    assert Assignment.objects.filter(department__county=county).count() >= 20


def test_demo_lists_are_mostly_county_wide_with_some_township_rows(loaded):
    entries = ListEntry.objects.filter(item__county__code=demo.DEMO_COUNTY_CODE)
    county_wide = entries.filter(all_townships=True).count()
    named = entries.filter(all_townships=False).count()
    assert county_wide > named > 0


def test_loading_the_demo_twice_changes_nothing(loaded):
    before = row_counts()
    again = demo.load_demo()
    assert not again.changed, (again.created, again.updated)
    assert row_counts() == before


def test_load_demo_command_prints_every_login_with_the_password(loaded):
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    assert demo.DEMO_PASSWORD in text
    usernames = set(get_user_model().objects.filter(profile__isnull=False).values_list("username", flat=True))
    for username in usernames:
        assert f"\n{username} " in text
    assert "bianban" in usernames and "dept-yjj" in usernames and "town-999001101" in usernames


def test_every_demo_account_logs_in_and_has_the_profile_of_its_unit(loaded, client):
    county = County.objects.get(code=demo.DEMO_COUNTY_CODE)
    departments = Department.objects.filter(county=county)
    townships = Township.objects.filter(county=county)
    assert len(loaded.logins) == 1 + departments.count() + townships.count()
    for login in loaded.logins:
        assert client.login(username=login.username, password=demo.DEMO_PASSWORD), login.username
        client.logout()
    office = Profile.objects.get(user__username=demo.OFFICE_USERNAME)
    assert office.role == Profile.Role.OFFICE and office.county == county
    for department in departments:
        profile = Profile.objects.get(user__username=demo.department_username(department.code))
        assert (profile.role, profile.department, profile.township) == ("department", department, None)
        assert not profile.user.is_staff
    for township in townships:
        profile = Profile.objects.get(user__username=demo.township_username(township.code))
        assert (profile.role, profile.township, profile.department) == ("township", township, None)


def test_demo_office_user_is_staff_with_every_permission_of_the_three_apps(loaded):
    office = get_user_model().objects.get(username=demo.OFFICE_USERNAME)
    assert office.is_staff and not office.is_superuser
    perms = Permission.objects.filter(content_type__app_label__in=["townships", "duties", "delegations"])
    missing = [p.codename for p in perms if not office.has_perm(f"{p.content_type.app_label}.{p.codename}")]
    assert missing == []


def test_demo_aliases_name_one_department_each(loaded):
    names = {}
    for department in Department.objects.filter(county__code=demo.DEMO_COUNTY_CODE):
        for name in {department.name, department.short_name}:
            names.setdefault(name, set()).add(department.code)
    for alias in DepartmentAlias.objects.filter(department__county__code=demo.DEMO_COUNTY_CODE):
        names.setdefault(alias.name, set()).add(alias.department.code)
    assert {name: codes for name, codes in names.items() if len(codes) > 1} == {}


def test_demo_delegations_walk_their_workflow_in_the_history(loaded):
    revoked = demo.find_delegation("D10")
    rows = list(revoked.history.order_by("history_date", "history_id"))
    states = [h.state for h in rows]
    assert states[0] == "draft" and states[-3:] == ["submitted", "approved", "revoked"]
    assert rows[0].history_date.date() == datetime.date(2023, 5, 15)
    assert rows[0].history_user.username == "dept-slj"
    assert rows[-1].history_user.username == demo.OFFICE_USERNAME
    assert revoked.revocations.get().document_no == "云政办函〔2024〕81号"
    assert timezone.localdate(revoked.decided_at) == datetime.date(2023, 6, 1)
    re_entrusted = demo.find_delegation("D19")
    assert re_entrusted.state == Delegation.State.DRAFT
    assert re_entrusted.derived_from == demo.find_delegation("D08")
    assert re_entrusted.derived_from.mode == Delegation.Mode.ENTRUST
    assert "derived_from" in workflow.validate_request(re_entrusted)


def test_demo_calls_show_every_status_walked_through_the_call_services(loaded):
    from delegations.calls import services as call_services
    from delegations.calls.models import Call

    calls = Call.objects.filter(county__code=demo.DEMO_COUNTY_CODE)
    assert set(calls.values_list("status", flat=True)) == set(Call.Status.values)
    # Overdue, urgent and unrouted calls come from the services' own deadlines.
    assert calls.filter(call_services.overdue_q()).count() >= 2
    assert calls.filter(urgency=Call.Urgency.URGENT, due_at__isnull=False).exists()
    assert calls.filter(status=Call.Status.AT_OFFICE, lead_department__isnull=True).exists()
    # Each step by the user whose step it is, in the call's history.
    reopened = calls.get(status=Call.Status.REOPENED)
    steps = list(reopened.history.order_by("history_date", "history_id"))
    assert [h.status for h in steps] == ["routed", "accepted", "reported", "reopened"]
    assert [h.history_user.username for h in steps] == [
        "town-999001201", "dept-zjj", "dept-zjj", "town-999001201"]
    assert steps[0].history_date < steps[-1].history_date <= timezone.now()
    routed = calls.get(routed_by__username=demo.OFFICE_USERNAME)
    assert routed.lead_department.code == "ZJJ" and routed.item is None
    # The office's per-department figures count them.
    figures = {f.department.code: f for f in call_services.department_figures(
        County.objects.get(code=demo.DEMO_COUNTY_CODE))}
    assert figures["SLJ"].overdue >= 1


def test_demo_claims_wait_for_the_department_and_for_the_office(loaded):
    claims = Delegation.objects.filter(department__county__code=demo.DEMO_COUNTY_CODE,
                                       claimed_by__isnull=False)
    waiting_department = claims.get(department_opinion="")
    agreed = claims.get(department_opinion="agree")
    assert {waiting_department.state, agreed.state} == {Delegation.State.SUBMITTED}
    assert agreed.agreement_scope and agreed.agreement_term_end
    # Filed by the township's own account, the opinion by the department's.
    first = agreed.history.earliest("history_date")
    assert first.history_user.username == f"town-{agreed.claimed_by.code}"
    assert agreed.history.latest("history_date").history_user.username == (
        f"dept-{agreed.department.code.lower()}")
    # What still stands before the office's approval: the legality review for the agreed
    # claim; for the other, its department's opinion and the entrustment's written terms too.
    codes = lambda d: {getattr(r, "code", "submit_rules")  # noqa: E731
                       for r in workflow.refusals("approve", d)}
    assert codes(agreed) == {"legal_review_pending"}
    assert codes(waiting_department) == {
        "legal_review_pending", "department_opinion_pending", "submit_rules"}


def test_demo_objections_were_answered_before_the_approval(loaded):
    approved = demo.find_delegation("D12")
    objections = approved.opinions.filter(opinion="object")
    assert objections.count() == 2
    for opinion in objections:
        assert opinion.response and opinion.responded_by.username == demo.OFFICE_USERNAME
        assert opinion.given_at < opinion.responded_at < approved.decided_at


def test_demo_catalog_reclassification_comes_after_the_approvals_it_affects(loaded):
    coercion = DutyItem.objects.get(county__code=demo.DEMO_COUNTY_CODE, code="QZ001")
    entrusted = demo.find_delegation("D07")
    assert coercion.category == Category.COERCION and entrusted.mode == Delegation.Mode.ENTRUST
    then = coercion.history.as_of(entrusted.decided_at)
    assert then.category == Category.INSPECTION
    reclassified = coercion.history.latest("history_date")
    assert reclassified.history_date.date() == datetime.date(2025, 6, 16)
    assert "行政强制" in reclassified.history_change_reason


def test_demo_history_is_dated_when_each_entry_took_effect(loaded):
    entry = ListEntry.objects.get(kind="reclaimed", item__code="JC005", item__county__code=demo.DEMO_COUNTY_CODE)
    first = ListEntry.history.filter(id=entry.id).earliest("history_date")
    assert first.history_date.astimezone(datetime.timezone(datetime.timedelta(hours=8))).date() == datetime.date(2025, 7, 1)
    assert first.history_user.username == demo.OFFICE_USERNAME
    assert first.history_change_reason


def test_demo_case_dates_sit_on_the_right_side_of_their_windows(loaded):
    on = lambda title: Assignment.objects.get(title=title).assigned_on  # noqa: E731
    entrusted_rivers = demo.find_delegation("D10")
    assert entrusted_rivers.is_in_force_on(on("秋冬季河道采砂秩序巡查安排"))
    assert not entrusted_rivers.is_in_force_on(on("汛前河道清障执法检查"))
    assert demo.find_delegation("D04").is_in_force_on(on("小微企业安全培训专项执法行动"))
    assert demo.find_delegation("D13").is_expired
    expired_entry = ListEntry.objects.get(delegation=demo.find_delegation("D13"))
    assert expired_entry.effective_to is None
    overdue, pending = demo.find_delegation("D17"), demo.find_delegation("D18")
    assert overdue.state == pending.state == Delegation.State.SUBMITTED
    assert overdue.deadline < timezone.localdate() < pending.deadline


def test_expected_flags_manifest_names_only_existing_demo_objects(loaded):
    county = County.objects.get(code=demo.DEMO_COUNTY_CODE)
    for case in demo.expected_flags():
        assert Township.objects.filter(county=county, code=case["township"]).exists(), case
        if case["department"]:
            assert Department.objects.filter(county=county, code=case["department"]).exists(), case
        if case["duty_item"]:
            assert DutyItem.objects.filter(county=county, code=case["duty_item"]).exists(), case
        for key in ("assignment_title", "pair_assignment_title"):
            if case.get(key):
                assignment = Assignment.objects.get(department__county=county, title=case[key])
                assert assignment.townships.filter(code=case["township"]).exists(), case
        if case["delegation_ref"]:
            delegation = demo.find_delegation(case["delegation_ref"])
            assert delegation.townships.filter(code=case["township"]).exists() or ListEntry.objects.filter(
                delegation=delegation, townships__code=case["township"]
            ).exists(), case


# Rules no delegation made through the workflow can break: it refuses a delegation derived
# from an entrustment at submission, approval and paper decision alike (the demo shows one
# stopped as a draft, D19).
NO_PRODUCTION_CASE = {"REDELEGATION"}


def test_expected_flags_manifest_covers_every_rule_with_a_firing_case_and_a_near_miss():
    cases = demo.expected_flags()
    assert {c["rule"] for c in cases} == FLAG_RULES
    for rule in FLAG_RULES:
        fires = any(c["rule"] == rule and c["fires"] for c in cases)
        assert fires == (rule not in NO_PRODUCTION_CASE), rule
        assert any(c["rule"] == rule and not c["fires"] for c in cases), rule
        assert all(c["why"] for c in cases)


def test_a_demo_fixture_naming_an_unknown_department_loads_nothing(loaded, tmp_path):
    """A second demo county whose last assignment names an unknown department: the error
    comes after every other row was written, and all of it is rolled back."""
    for name in demo.FILES.values():
        text = (demo.FIXTURES_DIR / name).read_text(encoding="utf-8").replace("999001", "999002")
        (tmp_path / name).write_text(text, encoding="utf-8")
    data = json.loads((tmp_path / demo.FILES["assignments"]).read_text(encoding="utf-8"))
    data["assignments"][-1]["department"] = "NO-SUCH-DEPT"
    (tmp_path / demo.FILES["assignments"]).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    before = row_counts()
    with pytest.raises(demo.DemoDataError):
        demo.load_demo(fixtures_dir=tmp_path)
    assert row_counts() == before
    assert not County.objects.filter(code="999002").exists()
    assert Profile.objects.get(user__username="dept-yjj").department.county.code == demo.DEMO_COUNTY_CODE


def _flag_for(case):
    """A flag as the engine would report the case (only the fields the manifest compares)."""
    from types import SimpleNamespace

    ref = lambda code: SimpleNamespace(code=code) if code else None  # noqa: E731
    assignment = (
        Assignment.objects.get(title=case["assignment_title"]).pk if case["assignment_title"] else None
    )
    delegation = demo.find_delegation(case["delegation_ref"]).pk if case["delegation_ref"] else None
    return SimpleNamespace(
        rule=case["rule"], township=ref(case["township"]), department=ref(case["department"]),
        duty_item=ref(case["duty_item"]), assignment=assignment, delegation=delegation,
    )


def test_manifest_mismatches_reports_missing_firing_cases_and_flagged_near_misses(loaded):
    cases = demo.expected_flags()
    firing = [c for c in cases if c["fires"]]
    near_misses = [c for c in cases if not c["fires"]]
    assert demo.manifest_mismatches([_flag_for(c) for c in firing]) == []
    assert demo.manifest_mismatches([]) == firing
    assert demo.manifest_mismatches([_flag_for(c) for c in cases]) == near_misses


def changed_fixtures(directory, change):
    """A copy of the demo fixtures in ``directory`` with ``change(rows by ref)`` applied to
    the delegations."""
    directory.mkdir()
    for name in demo.FILES.values():
        (directory / name).write_text((demo.FIXTURES_DIR / name).read_text(encoding="utf-8"),
                                      encoding="utf-8")
    path = directory / demo.FILES["delegations"]
    data = json.loads(path.read_text(encoding="utf-8"))
    change({row["ref"]: row for row in data["delegations"]})
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return directory


def test_a_decided_demo_delegation_is_not_rewritten(loaded, tmp_path):
    fixtures = changed_fixtures(
        tmp_path / "changed", lambda rows: rows["D04"].update(decision_no="云政办函〔2024〕99号")
    )
    before = row_counts()
    with pytest.raises(demo.DemoDataError, match="D04.*decision_no"):
        demo.load_demo(fixtures_dir=fixtures)
    assert row_counts() == before
    assert demo.find_delegation("D04").decision_no == "云政办函〔2024〕19号"


def test_a_demo_request_under_review_is_walked_on_when_the_data_decides_it(loaded, tmp_path):
    def decide(rows, answered):
        row = rows["D17"]
        row.update(state="approved", legal_review="passed", decided_on="2024-04-20",
                   decision_no="云委办〔2024〕20号")
        if answered:
            row["opinions"][0].update(response="县交通运输局每年增拨养护经费，派养护站技术人员驻乡指导。",
                                      response_on="2024-04-15")

    # The workflow refuses to approve while 高山乡's objection has no written answer.
    with pytest.raises(demo.DemoDataError, match="D17"):
        demo.load_demo(fixtures_dir=changed_fixtures(tmp_path / "a", lambda r: decide(r, False)))
    assert demo.find_delegation("D17").state == Delegation.State.SUBMITTED
    result = demo.load_demo(fixtures_dir=changed_fixtures(tmp_path / "b", lambda r: decide(r, True)))
    approved = demo.find_delegation("D17")
    assert approved.state == Delegation.State.APPROVED and result.updated["delegation"] == 1
    assert timezone.localdate(approved.decided_at) == datetime.date(2024, 4, 20)
    assert approved.opinions.get(township__code="999001203").responded_by.username == "bianban"
    again = demo.load_demo(fixtures_dir=tmp_path / "b")
    assert not again.changed, (again.created, again.updated)
