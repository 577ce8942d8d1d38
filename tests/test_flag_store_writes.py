"""The flag store is never stale: a long random sequence of writes through every write path
(the delegation workflow's steps — requests, opinions, answers, approvals and rejections,
decisions taken on paper, whole and partial revocations, with the list entries they write and
end —, assignments logged by departments, the office and townships, list sheets imported from
Excel, a catalog correction, list entries edited and deleted in the admin, townships' claims
and the departments' opinions on them), and after each write the store equals the rules computed
afresh. ``FLAG_STORE_SEED=<n>`` runs another sequence."""

import datetime
import os
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from delegations import assignments, workflow
from delegations.flags import store
from delegations.models import Assignment, Delegation, Finding
from duties.excel import import_file
from duties.models import Category
from tests.factories import (
    DepartmentFactory,
    DutyItemFactory,
    ListEntryFactory,
    TownshipFactory,
    office_user,
    role_user,
)
from tests.factories_excel import xlsx_bytes
from townships.models import Profile

pytestmark = pytest.mark.django_db

STEPS = 150
SEED = int(os.environ.get("FLAG_STORE_SEED", "20260412"))
TODAY = timezone.localdate()  # set again for each test (conftest.run_day)
TODAY_IS_RUN_DAY = True
CHANNELS = [c.value for c in Assignment.Channel]
State = Delegation.State


def day(rng, back, forward=0):
    return TODAY + datetime.timedelta(days=rng.randint(-back, forward))


class Scene:
    """A county with three townships, three departments, items of the categories the rules
    read, and lists that list some of them (county-wide and for named townships)."""

    def __init__(self, world):
        self.county = world.county
        self.townships = [world.township_a, world.township_b,
                          TownshipFactory(county=world.county, code="990101103", name="北岭镇")]
        self.departments = [world.dept_a, world.dept_b,
                            DepartmentFactory(county=world.county, code="ZJJ", name="示范县住建局")]
        self.office = office_user(world.county)
        categories = [Category.INSPECTION, Category.PENALTY, Category.COERCION, Category.LICENSING]
        self.items = [
            DutyItemFactory(county=world.county, department=self.departments[n % 3],
                            code=f"R{n:03d}", name=f"随机事项{n}", category=categories[n % 4])
            for n in range(10)
        ]
        self.items.append(DutyItemFactory(county=world.county, department=None, code="R900",
                                          name="乡镇自有事项"))
        ListEntryFactory(kind="power", item=self.items[0])
        ListEntryFactory(kind="power", item=self.items[1], townships=self.townships[:1])
        ListEntryFactory(kind="territorial", item=self.items[2], township_duty="协调配合")
        ListEntryFactory(kind="territorial", item=self.items[3], townships=self.townships[1:])
        ListEntryFactory(kind="reclaimed", item=self.items[4])
        ListEntryFactory(kind="reclaimed", item=self.items[5], townships=self.townships[2:])

    def some(self, rng, pool, most=None):
        return rng.sample(pool, rng.randint(1, most or len(pool)))

    def delegations(self, *states):
        return list(Delegation.objects.filter(department__county=self.county, state__in=states)
                    .order_by("pk"))


# --------------------------------------------------------------------------- the writes


def log_assignment(rng, s):
    """A department logs work it handed down (an item, or only a task title)."""
    department = rng.choice(s.departments)
    item = rng.choice(s.items + [None, None])
    title = rng.choice([f"交办任务{rng.randint(1, 5)}", s.items[0].name, "迎检材料报送"])
    assignments.record_assignment(
        role_user(Profile.Role.DEPARTMENT, department=department), department=department,
        townships=s.some(rng, s.townships), title=title, duty_item=item,
        channel=rng.choice(CHANNELS), responsibility=rng.choice(["main", "cooperate"]),
        assigned_on=day(rng, 500, 30),
    )


def office_records_assignment(rng, s):
    department = rng.choice(s.departments)
    assignments.record_assignment(
        s.office, department=department, townships=s.some(rng, s.townships, 2),
        title=f"会议交办{rng.randint(1, 3)}", duty_item=rng.choice(s.items),
        channel="meeting", assigned_on=day(rng, 200),
    )


def township_reports(rng, s):
    township = rng.choice(s.townships)
    assignments.report_assignment(
        role_user(Profile.Role.TOWNSHIP, township=township), township,
        department=rng.choice(s.departments), title="考核指标分解", duty_item=rng.choice(s.items),
        channel=rng.choice(["assessment", "pledge", "notice"]), assigned_on=day(rng, 300),
    )


def request_fields(rng, s, department):
    start = day(rng, 400, 60)
    mode = rng.choice(["assign", "entrust", "grant"])
    return dict(
        mode=mode, duty_items=s.some(rng, s.items[:10], 2), townships=s.some(rng, s.townships),
        reason="工作需要", legal_basis="《安全生产法》",
        provincial_decision=rng.choice(["", "省政府令第1号"]),
        agreement_scope="" if rng.random() < 0.1 else "日常检查",
        agreement_powers="" if rng.random() < 0.1 else "检查、劝阻",
        agreement_term_end=None if rng.random() < 0.1 else start + datetime.timedelta(days=700),
        published_on=rng.choice([None, start]),
        staff_posts=rng.choice([0, 1]), funding_wan_yuan=rng.choice([0, 5]),
        effective_from=start,
        effective_to=rng.choice([None, start + datetime.timedelta(days=rng.randint(20, 500))]),
    )


def file_request(rng, s):
    department = rng.choice(s.departments)
    workflow.create_request(
        role_user(Profile.Role.DEPARTMENT, department=department), department=department,
        submit=rng.random() < 0.8, now=timezone.now() - datetime.timedelta(days=rng.randint(0, 40)),
        **request_fields(rng, s, department),
    )


def submit_draft(rng, s):
    draft = rng.choice(s.delegations(State.DRAFT))
    workflow.submit_request(role_user(Profile.Role.DEPARTMENT, department=draft.department), draft)


def withdraw(rng, s):
    request = rng.choice([d for d in s.delegations(State.SUBMITTED) if not d.claimed_by_id])
    workflow.withdraw_request(
        role_user(Profile.Role.DEPARTMENT, department=request.department), request, "撤回")


def township_claims(rng, s):
    """A township claims powers a department holds (认领)."""
    township, department = rng.choice(s.townships), rng.choice(s.departments)
    fields = request_fields(rng, s, department)
    for name in ("townships", *workflow.CLAIM_TERMS):
        fields.pop(name)
    fields["mode"] = rng.choice(["entrust", "grant"])
    workflow.file_claim(role_user(Profile.Role.TOWNSHIP, township=township), township=township,
                        department=department, **fields)


def department_answers_claim(rng, s):
    claim = rng.choice([d for d in s.delegations(State.SUBMITTED)
                        if d.claimed_by_id and not d.department_opinion])
    user = role_user(Profile.Role.DEPARTMENT, department=claim.department)
    if rng.random() < 0.3:
        workflow.give_department_opinion(user, claim, "object", "暂不具备承接条件")
        return
    workflow.give_department_opinion(
        user, claim, "agree", "同意", agreement_scope="日常检查", agreement_powers="检查、劝阻",
        agreement_term_end=claim.effective_from + datetime.timedelta(days=700),
        provincial_decision="省政府令第1号",
    )


def give_opinion(rng, s):
    request = rng.choice([d for d in s.delegations(State.SUBMITTED) if not d.claimed_by_id])
    township = rng.choice(list(request.townships.all()))
    workflow.give_opinion(role_user(Profile.Role.TOWNSHIP, township=township), request, township,
                          rng.choice(["agree", "object"]), "人手不足")


def approve(rng, s):
    request = rng.choice(s.delegations(State.SUBMITTED))
    for opinion in request.opinions.filter(opinion="object", response=""):
        workflow.respond_to_objection(s.office, request, opinion.township, "已协调编制")
    workflow.decide_request(s.office, request, "approve", f"示县委〔2025〕{request.pk}号",
                            legal_review="passed", end_reclaimed_reason="收回后重新下放")


def reject(rng, s):
    request = rng.choice(s.delegations(State.SUBMITTED))
    workflow.decide_request(s.office, request, "reject", note="不符合准入条件")


def paper_decision(rng, s):
    department = rng.choice(s.departments)
    fields = request_fields(rng, s, department)
    workflow.record_paper_decision(
        s.office, department=department, decision_no="示县委〔2023〕8号",
        decided_on=min(fields["effective_from"], TODAY), end_reclaimed_reason="收回后重新下放",
        **fields,
    )


def revoke(rng, s):
    delegation = rng.choice(s.delegations(State.APPROVED))
    decided = timezone.localdate(delegation.decided_at)
    partial = rng.random() < 0.5
    workflow.revoke_delegation(
        s.office, delegation, revoked_on=max(decided, day(rng, 60, 30)), reason="职责调整",
        document_no="示县编〔2025〕3号",
        townships=s.some(rng, list(delegation.townships.all()), 1) if partial else None,
        duty_items=s.some(rng, list(delegation.duty_items.all()), 1) if partial else None,
    )


LIST_FILES = {
    "power": (["事项编码", "权力类型", "事项名称", "主管部门", "来源", "适用乡镇"],
              lambda rng, item, scope: [item.code, "行政检查", item.name, item.department.name
                                        if item.department else "", "法定", scope]),
    "territorial": (["事项编码", "事项名称", "主体责任部门", "部门职责", "乡镇（街道）配合职责", "适用乡镇"],
                    lambda rng, item, scope: [item.code, item.name, "示范县应急管理局", "负责监管",
                                              rng.choice(["协调配合", "开展巡查并报告"]), scope]),
    "reclaimed": (["事项编码", "事项名称", "承接部门", "工作方式", "适用乡镇"],
                  lambda rng, item, scope: [item.code, item.name, "示范县应急管理局", "部门直接实施",
                                            scope]),
}


def import_list(rng, s):
    """An Excel list sheet: new and changed entries, county-wide or for named townships."""
    kind = rng.choice(sorted(LIST_FILES))
    header, row = LIST_FILES[kind]
    rows = []
    for item in s.some(rng, s.items[:10], 3):
        scope = rng.choice(["", "、".join(t.name for t in s.some(rng, s.townships, 2))])
        rows.append(row(rng, item, scope))
    report = import_file(kind, xlsx_bytes([header, *rows]), f"{kind}.xlsx", county=s.county,
                         user=s.office, effective_from=day(rng, 300, 10))
    if report.messages and not (report.created or report.updated):
        raise ValidationError(report.messages)
    # No refresh here: the import keeps the store itself (duties.excel.base).


def reclassify_item(rng, s):
    """A catalog correction (the admin's save, whose hook refreshes the county)."""
    item = rng.choice(s.items[:10])
    item.category = rng.choice([Category.INSPECTION, Category.PENALTY, Category.COERCION])
    item.department = rng.choice(s.departments)
    item.save()
    store.refresh(county=s.county, reason="修改事项", user=s.office)


class _SavedForm:
    """What the admin's ``save_related`` needs of a form whose instance is saved."""

    def __init__(self, instance):
        self.instance = instance

    def save_m2m(self):
        pass


def admin_edits_entry(rng, s):
    """The office adds, edits or deletes a list entry in the admin (whose own hooks refresh
    the flags: the rules that read list entries, for the county)."""
    from django.contrib import admin
    from django.test import RequestFactory

    from duties.models import ListEntry

    model_admin = admin.site._registry[ListEntry]
    request = RequestFactory().post("/admin/")
    request.user = s.office
    entries = list(ListEntry.objects.filter(item__county=s.county, delegation=None)
                   .order_by("pk"))
    choice = rng.random()
    if choice < 0.3:
        model_admin.delete_model(request, rng.choice(entries))
        return
    if choice < 0.6:
        listed = {(e.kind, e.item_id) for e in entries}
        # A territorial or reclaimed entry names the item's department (lead, receiving).
        free = [(kind, item) for kind in ("power", "territorial", "reclaimed")
                for item in s.items if (kind, item.pk) not in listed
                and (kind == "power" or item.department_id is not None)]
        kind, item = rng.choice(free)
        entry = ListEntryFactory(kind=kind, item=item, township_duty="协调配合",
                                 townships=s.some(rng, s.townships) if rng.random() < 0.5 else None,
                                 refresh_flags=False)
    else:
        entry = rng.choice(entries)
        entry.township_duty = rng.choice(["协调配合", "负责日常巡查，发现问题及时报告"])
        entry.effective_from = day(rng, 400, 30)
        entry.save()
    model_admin.save_related(request, _SavedForm(entry), [], True)


WRITES = [log_assignment, office_records_assignment, township_reports, file_request,
          submit_draft, withdraw, give_opinion, approve, reject, paper_decision, revoke,
          import_list, reclassify_item, admin_edits_entry, township_claims,
          department_answers_claim]
WEIGHTS = [5, 2, 2, 5, 1, 2, 2, 4, 1, 2, 2, 2, 1, 3, 2, 2]


@pytest.mark.parametrize("seed", [SEED])
def test_after_every_write_of_a_long_random_sequence_the_store_equals_the_rules(world, seed):
    rng = random.Random(seed)
    s = Scene(world)
    assert store.differences(county=s.county) == []
    done = {write.__name__: 0 for write in WRITES}
    for step in range(STEPS):
        write = rng.choices(WRITES, WEIGHTS)[0]
        try:
            write(rng, s)
        except IndexError:
            continue  # nothing in the state this write needs yet
        except (ValidationError, PermissionDenied):
            pass  # refused: the service wrote nothing, and the store did not move either
        else:
            done[write.__name__] += 1
        assert store.differences(county=s.county) == [], f"step {step}: {write.__name__}"
    assert all(done.values()), done
    rules = set(Finding.objects.filter(county=s.county).values_list("rule", flat=True))
    assert len(rules) >= 8, rules


@pytest.mark.django_db(transaction=True)
def test_assignments_recorded_at_once_in_one_township_keep_the_store_equal(world):
    """Eight departments' users record work for the same township at the same moment: each
    write refreshes the township's flags in its own transaction, they take turns on the
    township, and the store ends equal to the rules (no lost finding, no duplicate)."""
    from tests.api_helpers import client_for

    body = {"department": "YJJ", "townships": [world.township_a.code], "channel": "notice",
            "assigned_on": "2025-03-01"}
    client = client_for(world, "dept_a")
    calls = [
        (lambda n=n: client.post("/api/v1/assignments/", {**body, "title": f"同时交办{n}"},
                                 format="json"))
        for n in range(8)
    ]
    assert sorted(r.status_code for r in at_once(calls)) == [201] * 8
    assert Finding.objects.filter(rule="UNLISTED_ASSIGNMENT").count() == 8
    assert store.differences() == []


def at_once(calls):
    """Each call in its own thread (its own database connection), all released together."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_a_list_import_brings_the_flags_of_existing_work_up_to_date(world):
    """Work flagged as unlisted stops being flagged once the list that holds it is imported
    (the store follows the import in its transaction)."""
    from delegations.flags import StoredFlagQuery
    from duties.excel import import_file
    from tests.factories import AssignmentFactory, DutyItemFactory
    from tests.factories_excel import xlsx_bytes

    item = DutyItemFactory(county=world.county, code="IMP-001", name="农村自建房安全巡查")
    AssignmentFactory(department=world.dept_a, townships=[world.township_a], duty_item=item,
                      title="开展自建房安全巡查", assigned_on=datetime.date(2025, 3, 1))
    unlisted = lambda: [f for f in StoredFlagQuery(township=world.township_a)  # noqa: E731
                        if f.rule == "UNLISTED_ASSIGNMENT"]
    assert unlisted()
    data = xlsx_bytes([["事项编码", "权力类型", "事项名称", "来源", "适用乡镇", "生效日期"],
                       ["IMP-001", "行政检查", "农村自建房安全巡查", "法定", "全部", "2024-06-14"]])
    report = import_file("power", data, "权责清单.xlsx", county=world.county, user=world.office)
    assert report.messages == [] and report.created == 1
    assert unlisted() == []
