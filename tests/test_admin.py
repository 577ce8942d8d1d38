"""The admin an office clerk (编办) uses: every page renders, outsiders are refused, bad input is
refused by the forms with the model's messages, and changelists run a constant number of
queries."""

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from delegations.models import Assignment, CalendarDay, Delegation
from duties.models import (
    AdmissionEntry,
    DutyItem,
    ListEntry,
    PowerEntry,
    ReclaimedEntry,
    TerritorialEntry,
)
from tests.factories import (
    CountyFactory,
    DelegationFactory,
    DutyItemFactory,
    ListEntryFactory,
    TownshipFactory,
    make_user,
)
from tests.factories_admin import (
    build,
    changeform_payload,
    constraint_message,
    form_errors,
)
from townships.models import County, Department, Township

pytestmark = pytest.mark.django_db

User = get_user_model()

OFFICE_MODELS = [
    County,
    Township,
    Department,
    DutyItem,
    PowerEntry,
    TerritorialEntry,
    AdmissionEntry,
    ReclaimedEntry,
    ListEntry,
    Delegation,
    Assignment,
    CalendarDay,
]
HISTORY_MODELS = [
    DutyItem,
    PowerEntry,
    TerritorialEntry,
    AdmissionEntry,
    ReclaimedEntry,
    ListEntry,
    Delegation,
    Assignment,
]
READ_ONLY_MODELS = {ListEntry}



def other_county():
    """A second county (an explicit code: CountyFactory's sequence may hit the world's)."""
    return CountyFactory(code="990299", name="邻县")


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def ids(model):
    return model.__name__


@pytest.fixture
def office_client(client, world):
    client.force_login(world.office)
    return client


@pytest.fixture
def superuser_client(client, world):
    client.force_login(User.objects.create_superuser("root", "root@example.com", "x"))
    return client


# --- every page renders -------------------------------------------------------------------


def test_every_registered_model_of_the_project_is_covered_by_these_tests():
    project = {
        model
        for model in admin.site._registry
        if model._meta.app_label in {"townships", "duties", "delegations"}
    }
    # The provinces' legal sources: covered by tests/test_legal_sources.py.
    from delegations.flags.models import ProvinceSource

    assert project == set(OFFICE_MODELS) | {ProvinceSource}
    assert admin.site.is_registered(User)


def test_the_admin_index_lists_the_lists_for_the_office(office_client):
    response = office_client.get(reverse("admin:index"))
    assert response.status_code == 200
    for model in (PowerEntry, TerritorialEntry, AdmissionEntry, ReclaimedEntry, Delegation):
        assert url(model, "changelist") in response.content.decode()
    assert str(admin.site.index_title) in response.content.decode()


@pytest.mark.parametrize("model", OFFICE_MODELS, ids=ids)
def test_changelist_renders_for_the_office(office_client, world, model):
    build(model, world, 0)
    build(model, world, 1)
    response = office_client.get(url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == model._default_manager.count()


@pytest.mark.parametrize("model", OFFICE_MODELS, ids=ids)
def test_changelist_search_and_filters_work(office_client, world, model):
    build(model, world, 1)
    response = office_client.get(url(model, "changelist"), {"q": "990101"})
    assert response.status_code == 200
    for spec in response.context["cl"].filter_specs:
        for choice in list(spec.choices(response.context["cl"]))[1:3]:
            filtered = office_client.get(url(model, "changelist") + choice["query_string"])
            assert filtered.status_code == 200, choice


@pytest.mark.parametrize("model", sorted(set(OFFICE_MODELS) - READ_ONLY_MODELS, key=ids), ids=ids)
def test_add_page_renders_for_the_office(office_client, model):
    response = office_client.get(url(model, "add"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", OFFICE_MODELS, ids=ids)
def test_change_page_renders_for_the_office(office_client, world, model):
    obj = build(model, world, 1)
    response = office_client.get(url(model, "change", obj.pk))
    assert response.status_code == 200


@pytest.mark.parametrize("model", HISTORY_MODELS, ids=ids)
def test_history_page_renders_for_the_office(office_client, world, model):
    obj = build(model, world, 1)
    response = office_client.get(url(model, "history", obj.pk))
    assert response.status_code == 200
    record = model.history.filter(id=obj.pk).latest("history_date")
    response = office_client.get(
        reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_simple_history",
            args=(obj.pk, record.history_id),
        )
    )
    assert response.status_code == 200


def test_the_list_admins_show_only_their_own_list(office_client, world):
    power = build(PowerEntry, world)
    territorial = build(TerritorialEntry, world)
    response = office_client.get(url(PowerEntry, "changelist"))
    assert [e.pk for e in response.context["cl"].result_list] == [power.pk]
    response = office_client.get(url(TerritorialEntry, "change", power.pk))
    assert response.status_code == 404  # not on this list: the admin says it does not exist
    response = office_client.get(url(TerritorialEntry, "change", territorial.pk))
    form_fields = response.context["adminform"].form.fields
    assert {"lead_department", "department_duty", "township_duty"} <= set(form_fields)
    assert "source" not in form_fields and "approval_document" not in form_fields


def test_the_township_filter_shows_county_wide_and_named_entries(office_client, world):
    everywhere = ListEntryFactory(kind="power", item__county=world.county)
    only_a = ListEntryFactory(kind="power", item__county=world.county, townships=[world.township_a])
    ListEntryFactory(kind="power", item__county=world.county, townships=[world.township_b])
    ListEntryFactory(kind="power", item__county=other_county())
    response = office_client.get(url(PowerEntry, "changelist"), {"township": world.township_a.pk})
    assert {e.pk for e in response.context["cl"].result_list} == {everywhere.pk, only_a.pk}


def test_search_finds_an_entry_by_item_code_and_chinese_name(office_client, world):
    entry = ListEntryFactory(
        kind="power", item__county=world.county, item__code="XK-001", item__name="燃气经营许可"
    )
    ListEntryFactory(kind="power", item__county=world.county)
    for query in ("XK-001", "燃气经营"):
        response = office_client.get(url(PowerEntry, "changelist"), {"q": query})
        assert [e.pk for e in response.context["cl"].result_list] == [entry.pk]


def test_user_admin_shows_the_profile_inline(superuser_client, world):
    response = superuser_client.get(url(User, "changelist"))
    assert response.status_code == 200
    response = superuser_client.get(url(User, "change", world.dept_a_user.pk))
    assert response.status_code == 200
    inline_models = [inline.formset.model for inline in response.context["inline_admin_formsets"]]
    assert inline_models == [world.dept_a_user.profile.__class__]
    assert superuser_client.get(url(User, "add")).status_code == 200


def test_the_user_admin_refuses_a_profile_whose_role_does_not_match_its_unit(
    superuser_client, world
):
    user = world.dept_a_user
    page = superuser_client.get(url(User, "change", user.pk))
    data = changeform_payload(page)
    data["profile-0-department"] = ""
    response = superuser_client.post(url(User, "change", user.pk), data)
    assert response.status_code == 200
    assert constraint_message(user.profile.__class__, "profile_role_matches_unit") in form_errors(
        response
    )
    user.profile.refresh_from_db()
    assert user.profile.department == world.dept_a


# --- who may enter ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["dept_a_user", "township_a_user"])
def test_department_and_township_users_are_refused_the_admin(client, world, persona):
    client.force_login(getattr(world, persona))
    for path in (reverse("admin:index"), url(PowerEntry, "changelist"), url(Delegation, "add")):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_anonymous_visitors_are_sent_to_the_login(client, world):
    response = client.get(url(DutyItem, "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- bad input is refused by the forms, nothing saved -------------------------------------


def test_admin_refuses_a_duplicate_item_code(office_client, world):
    existing = DutyItemFactory(county=world.county, code="AQ-001")
    data = changeform_payload(office_client.get(url(DutyItem, "add")))
    data.update(county=world.county.pk, code="AQ-001", name="另一个事项", category="inspection")
    before = DutyItem.objects.count(), DutyItem.history.count()
    response = office_client.post(url(DutyItem, "add"), data)
    assert response.status_code == 200
    assert constraint_message(DutyItem, "duty_item_code_unique_in_county") in form_errors(response)
    assert (DutyItem.objects.count(), DutyItem.history.count()) == before
    assert existing.name != "另一个事项"


def test_admin_refuses_an_entry_already_on_the_same_list(office_client, world):
    entry = ListEntryFactory(kind="power", item__county=world.county)
    data = changeform_payload(office_client.get(url(PowerEntry, "add")))
    data.update(item=entry.item.pk, source="statutory")
    before = ListEntry.objects.count()
    response = office_client.post(url(PowerEntry, "add"), data)
    assert constraint_message(ListEntry, "list_entry_item_once_per_list") in form_errors(response)
    assert ListEntry.objects.count() == before


def test_admin_refuses_an_inverted_date_window_on_a_list_entry(office_client, world):
    item = DutyItemFactory(county=world.county)
    data = changeform_payload(office_client.get(url(PowerEntry, "add")))
    data.update(
        item=item.pk, source="statutory", effective_from="2025-06-01", effective_to="2025-01-01"
    )
    before = ListEntry.objects.count(), ListEntry.history.count()
    response = office_client.post(url(PowerEntry, "add"), data)
    assert response.status_code == 200
    assert constraint_message(ListEntry, "list_entry_window_ordered") in form_errors(response)
    assert (ListEntry.objects.count(), ListEntry.history.count()) == before


def paper_payload(office_client, world, **fields):
    """The add page's POST data: a delegation decided on paper, as the admin records it."""
    data = changeform_payload(office_client.get(url(Delegation, "add")))
    data.update(
        department=world.dept_a.pk,
        mode="assign",
        townships=[world.township_a.pk],
        effective_from="2023-01-01",
        decision_no="示县政发〔2023〕5号",
        decided_on="2022-12-20",
    )
    data.update(fields)
    return data


def test_admin_refuses_an_inverted_date_window_on_a_delegation(office_client, world):
    item = DutyItemFactory(county=world.county, department=world.dept_a)
    data = paper_payload(
        office_client, world, duty_items=[item.pk], effective_from="2025-06-01",
        effective_to="2025-01-01",
    )
    response = office_client.post(url(Delegation, "add"), data)
    assert constraint_message(Delegation, "delegation_window_ordered") in form_errors(response)
    assert Delegation.objects.count() == 0


def test_admin_refuses_a_territorial_entry_without_lead_department(office_client, world):
    item = DutyItemFactory(county=world.county)
    data = changeform_payload(office_client.get(url(TerritorialEntry, "add")))
    data.update(item=item.pk, lead_department="", township_duty="日常巡查，发现问题及时报告")
    before = ListEntry.objects.count()
    response = office_client.post(url(TerritorialEntry, "add"), data)
    assert response.status_code == 200
    assert constraint_message(
        ListEntry, "list_entry_territorial_lead_department"
    ) in form_errors(response)
    assert ListEntry.objects.count() == before


def test_admin_refuses_a_paper_decision_without_items_with_the_workflows_message(
    office_client, world
):
    response = office_client.post(url(Delegation, "add"), paper_payload(office_client, world))
    assert response.status_code == 200
    assert "至少选择一个" in " ".join(form_errors(response)) or any(
        "item" in m for m in form_errors(response)
    )
    assert "duty_items" in response.context["adminform"].form.errors
    assert Delegation.objects.count() == 0
    assert Delegation.history.count() == 0


def test_the_admin_probe_an_approved_entrustment_of_coercion_is_refused(office_client, world):
    from duties.models import Category

    item = DutyItemFactory(county=world.county, department=world.dept_a, category=Category.COERCION)
    data = paper_payload(
        office_client, world, mode="entrust", duty_items=[item.pk], agreement_scope="巡查",
        agreement_powers="查封、扣押", agreement_term_end="2027-12-31",
    )
    response = office_client.post(url(Delegation, "add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["duty_items"]
    assert "行政强制法 第十七条" in " ".join(errors)
    assert Delegation.objects.count() == 0
    assert not ListEntry.objects.exists()


def test_admin_refuses_delegation_items_and_townships_of_another_county(office_client, world):
    other = other_county()
    data = paper_payload(
        office_client, world, duty_items=[DutyItemFactory(county=other).pk],
        townships=[TownshipFactory(county=other).pk],
    )
    response = office_client.post(url(Delegation, "add"), data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "duty_items" in form.errors and "townships" in form.errors
    assert Delegation.objects.count() == 0


def test_office_records_a_decision_taken_on_paper(office_client, world):
    item = DutyItemFactory(county=world.county, department=world.dept_a)
    data = paper_payload(
        office_client, world, duty_items=[item.pk],
        townships=[world.township_a.pk, world.township_b.pk],
    )
    response = office_client.post(url(Delegation, "add"), data)
    assert response.status_code == 302, form_errors(response)
    delegation = Delegation.objects.get()
    assert (delegation.state, delegation.decision_no) == ("approved", "示县政发〔2023〕5号")
    assert timezone.localdate(delegation.decided_at) == datetime.date(2022, 12, 20)
    assert list(delegation.duty_items.all()) == [item]
    assert set(delegation.townships.all()) == {world.township_a, world.township_b}
    assert (delegation.created_by, delegation.decided_by) == (world.office, world.office)
    entry = ListEntry.objects.get(delegation=delegation)
    assert (entry.kind, entry.approved_on) == ("admission", datetime.date(2022, 12, 20))


def test_admin_refuses_a_paper_decision_without_decision_number(office_client, world):
    item = DutyItemFactory(county=world.county, department=world.dept_a)
    data = paper_payload(office_client, world, duty_items=[item.pk], decision_no="")
    response = office_client.post(url(Delegation, "add"), data)
    assert "decision_no" in response.context["adminform"].form.errors
    assert Delegation.objects.count() == 0


def test_the_admin_shows_state_decision_and_revocation_read_only(office_client, world):
    delegation = DelegationFactory(department=world.dept_a, townships=[world.township_a])
    page = office_client.get(url(Delegation, "change", delegation.pk))
    assert page.status_code == 200
    assert set(page.context["adminform"].form.fields) == set()
    assert b'name="_save"' not in page.content
    data = changeform_payload(page)
    data.update(state="approved", decision_no="伪造〔2025〕1号", townships=[])
    office_client.post(url(Delegation, "change", delegation.pk), data)
    delegation.refresh_from_db()
    assert (delegation.state, delegation.decision_no) == ("draft", "")
    assert list(delegation.townships.all()) == [world.township_a]


def test_the_admin_offers_the_steps_as_actions_that_call_the_workflow(office_client, world):
    delegation = DelegationFactory(
        department=world.dept_a, townships=[world.township_a], state="submitted"
    )
    changelist = url(Delegation, "changelist")
    base = {"action": "record_decision", "_selected_action": [delegation.pk]}
    page = office_client.post(changelist, base)
    assert page.status_code == 200 and b'name="decision_no"' in page.content
    response = office_client.post(changelist, {
        **base, "apply": "1", "decision": "approve", "decision_no": "示县委〔2025〕1号",
    }, follow=True)
    delegation.refresh_from_db()
    assert delegation.state == "submitted"  # the legality review is pending: refused
    assert any("合法性审查" in str(m) for m in response.context["messages"])
    office_client.post(changelist, {
        **base, "apply": "1", "decision": "approve", "decision_no": "示县委〔2025〕1号",
        "legal_review_passed": "on",
    })
    delegation.refresh_from_db()
    assert delegation.state == "approved"
    office_client.post(changelist, {
        "action": "revoke", "_selected_action": [delegation.pk], "apply": "1",
        "revoked_on": timezone.localdate().isoformat(), "reason": "职责调整",
        "document_no": "示县编〔2025〕2号",
    })
    delegation.refresh_from_db()
    assert delegation.state == "revoked"
    assert delegation.revocations.get().document_no == "示县编〔2025〕2号"


def test_township_opinions_are_shown_read_only_in_the_admin(office_client, world):
    delegation = DelegationFactory(
        department=world.dept_a, townships=[world.township_a], state="submitted",
        opinions=[(world.township_a, "object", "缺乏执法人员")],
    )
    page = office_client.get(url(Delegation, "change", delegation.pk))
    assert "缺乏执法人员" in page.content.decode()
    assert b"opinions-0-text" not in page.content


def test_an_html_agreement_is_refused_by_the_admin_and_nothing_is_written(
    office_client, world, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"
    item = DutyItemFactory(county=world.county, department=world.dept_a)
    data = paper_payload(
        office_client, world, mode="entrust", duty_items=[item.pk], agreement_scope="巡查",
        agreement_powers="检查", agreement_term_end="2027-12-31",
    )
    data["agreement_file"] = SimpleUploadedFile(
        "agreement.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
    response = office_client.post(url(Delegation, "add"), data)
    assert response.status_code == 200
    assert "agreement_file" in response.context["adminform"].form.errors
    assert Delegation.objects.count() == 0
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*"))


@pytest.mark.parametrize(
    "scope, message_part",
    [
        ({"all_townships": None, "townships": None}, "scope_empty"),
        ({"all_townships": "on", "townships": "township_a"}, "scope_ambiguous"),
        ({"all_townships": None, "townships": "other_county"}, "scope_other_county"),
    ],
)
def test_admin_refuses_a_bad_scope(office_client, world, scope, message_part):
    item = DutyItemFactory(county=world.county)
    data = changeform_payload(office_client.get(url(PowerEntry, "add")))
    data.update(item=item.pk, source="statutory")
    data.pop("all_townships", None)
    if scope["all_townships"]:
        data["all_townships"] = "on"
    townships = {
        "township_a": [world.township_a.pk],
        "other_county": [TownshipFactory(county=other_county()).pk],
    }
    data["townships"] = townships.get(scope["townships"], [])
    response = office_client.post(url(PowerEntry, "add"), data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert [e.code for e in form.errors.as_data()["townships"]] == [message_part]
    assert ListEntry.objects.count() == 0


def test_admin_saves_an_entry_for_named_townships(office_client, world):
    item = DutyItemFactory(county=world.county)
    data = changeform_payload(office_client.get(url(PowerEntry, "add")))
    data.update(
        item=item.pk, source="statutory", townships=[world.township_b.pk], change_reason="新增事项"
    )
    data.pop("all_townships", None)
    response = office_client.post(url(PowerEntry, "add"), data)
    assert response.status_code == 302, form_errors(response)
    entry = PowerEntry.objects.get()
    assert (entry.kind, entry.all_townships) == ("power", False)
    assert list(entry.townships.all()) == [world.township_b]


def test_admin_refuses_an_assignment_to_a_township_of_another_county(office_client, world):
    data = changeform_payload(office_client.get(url(Assignment, "add")))
    data.update(
        department=world.dept_a.pk,
        townships=[TownshipFactory(county=other_county()).pk],
        title="秸秆禁烧巡查",
        channel="notice",
        assigned_on="2025-03-01",
    )
    response = office_client.post(url(Assignment, "add"), data)
    assert response.status_code == 200
    assert "townships" in response.context["adminform"].form.errors
    assert Assignment.objects.count() == 0


# --- every list change says why; free text is bounded ------------------------------------


@pytest.mark.parametrize("reason", ["", "   "], ids=["blank", "spaces"])
def test_admin_refuses_a_list_change_without_a_reason(office_client, world, reason):
    entry = ListEntryFactory(kind="power", item__county=world.county, notes="旧备注")
    data = changeform_payload(office_client.get(url(PowerEntry, "change", entry.pk)))
    data.update(notes="新备注", change_reason=reason)
    before = ListEntry.history.count()
    response = office_client.post(url(PowerEntry, "change", entry.pk), data)
    assert response.status_code == 200
    assert "change_reason" in response.context["adminform"].form.errors
    entry.refresh_from_db()
    assert (entry.notes, ListEntry.history.count()) == ("旧备注", before)


def test_admin_keeps_the_reason_of_a_list_change_in_the_history(office_client, world):
    entry = ListEntryFactory(kind="territorial", item__county=world.county,
                             lead_department=world.dept_a, township_duty="巡查")
    data = changeform_payload(office_client.get(url(TerritorialEntry, "change", entry.pk)))
    data.update(township_duty="巡查、报告", change_reason="示编办〔2025〕5号调整")
    response = office_client.post(url(TerritorialEntry, "change", entry.pk), data)
    assert response.status_code == 302, form_errors(response)
    latest = ListEntry.history.filter(id=entry.pk).latest("history_date", "history_id")
    assert (latest.township_duty, latest.history_change_reason) == ("巡查、报告", "示编办〔2025〕5号调整")


def test_admin_refuses_free_text_above_its_limit(office_client, world):
    from config.limits import LONG_TEXT

    data = changeform_payload(office_client.get(url(DutyItem, "add")))
    data.update(county=world.county.pk, code="LONG-1", name="长依据事项", category="inspection",
                legal_basis="依" * (LONG_TEXT + 1))
    response = office_client.post(url(DutyItem, "add"), data)
    assert response.status_code == 200
    assert "legal_basis" in response.context["adminform"].form.errors
    assert not DutyItem.objects.filter(code="LONG-1").exists()


# --- constant number of queries -----------------------------------------------------------


def _changelist_queries(client, model):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(model, "changelist"))
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("model", OFFICE_MODELS, ids=ids)
def test_changelist_runs_a_constant_number_of_queries(office_client, world, model):
    for index in range(2):
        build(model, world, index)
    _changelist_queries(office_client, model)  # warm the caches (content types, …)
    small = _changelist_queries(office_client, model)
    for index in range(2, 8):
        build(model, world, index)
    assert _changelist_queries(office_client, model) == small


def test_user_changelist_runs_a_constant_number_of_queries(superuser_client, world):
    _changelist_queries(superuser_client, User)
    small = _changelist_queries(superuser_client, User)
    for _ in range(5):
        build(User, world)
    make_user("township", township=world.township_b)
    assert _changelist_queries(superuser_client, User) == small


def test_an_entry_added_in_the_admin_brings_the_flags_up_to_date(office_client, world):
    """The flag store follows admin saves: work that was unlisted is no longer flagged once
    the office puts its item on the township's list."""
    from delegations.flags import StoredFlagQuery
    from tests.factories import AssignmentFactory

    item = DutyItemFactory(county=world.county)
    AssignmentFactory(department=world.dept_a, townships=[world.township_b], duty_item=item,
                      title="开展巡查", assigned_on=timezone.localdate())

    def unlisted():
        return [f for f in StoredFlagQuery(township=world.township_b)
                if f.rule == "UNLISTED_ASSIGNMENT"]

    assert unlisted()
    data = changeform_payload(office_client.get(url(PowerEntry, "add")))
    data.update(item=item.pk, source="statutory", townships=[world.township_b.pk],
                effective_from="2024-01-01", change_reason="新增事项")
    data.pop("all_townships", None)
    response = office_client.post(url(PowerEntry, "add"), data)
    assert response.status_code == 302, form_errors(response)
    assert unlisted() == []
