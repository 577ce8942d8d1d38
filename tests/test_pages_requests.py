"""The request pages: login, "my desk", the department's form, the township's opinion, the
office's review; who sees what; CSRF on every form; agreement uploads."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from delegations.models import Assignment, Delegation, TownshipOpinion
from delegations.uploads import MAX_AGREEMENT_BYTES
from duties.models import Category, ListEntry, ListKind
from tests.factories import (
    CountyFactory,
    DelegationFactory,
    DepartmentFactory,
    DutyItemFactory,
    ListEntryFactory,
    TownshipFactory,
    TownshipOpinionFactory,
)

pytestmark = pytest.mark.django_db

PASSWORD = "Qingdan-test-2026"
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def fast_passwords_and_tmp_media(settings, tmp_path):
    """Keep uploaded agreements out of var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def item_a(world):
    return DutyItemFactory(
        county=world.county, department=world.dept_a, code="YJ001", name="安全生产日常检查",
        category=Category.INSPECTION,
    )


@pytest.fixture
def item_b(world):
    return DutyItemFactory(
        county=world.county, department=world.dept_b, code="NY001", name="农机安全检查",
        category=Category.INSPECTION,
    )


def client_for(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)
    return client


def submitted(department, townships, **kwargs):
    return DelegationFactory(
        department=department, townships=townships, state=Delegation.State.SUBMITTED, **kwargs
    )


def request_payload(world, items, townships, action="submit", **overrides):
    data = {
        "mode": "assign",
        "duty_items": [str(i.pk) for i in items],
        "townships": [str(t.pk) for t in townships],
        "reason": "乡镇就近巡查更及时",
        "legal_basis": "《中华人民共和国安全生产法》第九条",
        "staff_posts": "1",
        "funding_wan_yuan": "5",
        "effective_from": "2026-01-01",
        "action": action,
    }
    data.update(overrides)
    return data


# --------------------------------------------------------------------------- login


def test_login_page_logs_a_user_in_and_goes_to_the_desk(world):
    client = Client()
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b"csrfmiddlewaretoken" in page.content
    response = client.post(reverse("login"), {"username": "dept_a", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_login_with_a_wrong_password_is_refused(world):
    response = Client().post(reverse("login"), {"username": "dept_a", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_login_is_locked_after_five_failures(world, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "dept_a", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "dept_a", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_so_colleagues_can_still_log_in(world, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "dept_a", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "dept_b", "password": PASSWORD})
    assert response.status_code == 302


def test_logout_is_a_post_and_ends_the_session(world):
    client = client_for(world.dept_a_user)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_password_change_applies_the_password_validators(world):
    client = client_for(world.dept_a_user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    world.dept_a_user.refresh_from_db()
    assert world.dept_a_user.check_password(PASSWORD)


@pytest.mark.parametrize(
    "name, args",
    [
        ("home", []),
        ("requests:list", []),
        ("requests:create", []),
        ("requests:review_queue", []),
        ("requests:item_search", []),
        ("requests:assignment_list", []),
        ("requests:assignment_create", []),
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page(world, name, args):
    response = Client().get(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_visitor_cannot_see_a_request(world):
    delegation = submitted(world.dept_a, [world.township_a])
    response = Client().get(reverse("requests:detail", args=[delegation.pk]))
    assert response.status_code == 302


# --------------------------------------------------------------------------- who sees what


@pytest.fixture
def spread(world):
    """One request of each department naming each township, plus a draft of each department."""
    return {
        "a_to_a": submitted(world.dept_a, [world.township_a]),
        "a_to_b": submitted(world.dept_a, [world.township_b]),
        "b_to_a": submitted(world.dept_b, [world.township_a]),
        "b_to_b": submitted(world.dept_b, [world.township_b]),
        "a_draft": DelegationFactory(department=world.dept_a, townships=[world.township_a]),
        "b_draft": DelegationFactory(department=world.dept_b, townships=[world.township_a]),
    }


def listed_ids(response):
    return {d.pk for d in response.context["rows"]}


VISIBLE = {
    "dept_a_user": {"a_to_a", "a_to_b", "a_draft"},
    "dept_b_user": {"b_to_a", "b_to_b", "b_draft"},
    "township_a_user": {"a_to_a", "b_to_a"},
    "township_b_user": {"a_to_b", "b_to_b"},
    "office": {"a_to_a", "a_to_b", "b_to_a", "b_to_b", "a_draft", "b_draft"},
}


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_request_list_shows_only_the_requests_of_the_users_scope(world, spread, persona):
    response = client_for(getattr(world, persona)).get(reverse("requests:list"))
    assert response.status_code == 200
    assert listed_ids(response) == {spread[key].pk for key in VISIBLE[persona]}


@pytest.mark.parametrize("persona", sorted(VISIBLE))
def test_request_detail_of_another_scope_is_not_found(world, spread, persona):
    client = client_for(getattr(world, persona))
    for key, delegation in spread.items():
        response = client.get(reverse("requests:detail", args=[delegation.pk]))
        expected = 200 if key in VISIBLE[persona] else 404
        assert response.status_code == expected, (persona, key)


def test_township_sees_only_its_own_opinion_on_a_shared_request(world):
    delegation = submitted(world.dept_a, [world.township_a, world.township_b])
    TownshipOpinionFactory(
        delegation=delegation, township=world.township_b, opinion="object", text="西河乡的理由"
    )
    page = client_for(world.township_a_user).get(reverse("requests:detail", args=[delegation.pk]))
    assert "西河乡的理由" not in page.content.decode()
    office_page = client_for(world.office).get(reverse("requests:detail", args=[delegation.pk]))
    assert "西河乡的理由" in office_page.content.decode()


def test_review_queue_is_for_the_office_only(world):
    for persona in ("dept_a_user", "township_a_user"):
        response = client_for(getattr(world, persona)).get(reverse("requests:review_queue"))
        assert response.status_code == 403


def test_review_queue_lists_submitted_requests_by_deadline_with_objections(world):
    today = timezone.localdate()
    late = submitted(world.dept_a, [world.township_a])
    early = submitted(world.dept_b, [world.township_a], submitted_on=today - datetime.timedelta(days=40))
    assert early.deadline < today < late.deadline
    DelegationFactory(department=world.dept_a, townships=[world.township_a])  # a draft
    TownshipOpinionFactory(delegation=late, township=world.township_a, opinion="object", text="人手不足")
    response = client_for(world.office).get(reverse("requests:review_queue"))
    rows = response.context["rows"]
    assert [d.pk for d in rows] == [early.pk, late.pk]
    assert rows[1].objections == 1 and rows[1].missing == 0
    assert rows[0].deadline_class == "deadline--overdue"


def test_list_pages_run_a_constant_number_of_queries(world):
    def count(url, user):
        with CaptureQueriesContext(connection) as queries:
            assert client_for(user).get(url).status_code == 200
        return len(queries)

    submitted(world.dept_a, [world.township_a])
    small = {
        name: count(reverse(name), world.office)
        for name in ("requests:list", "requests:review_queue")
    }
    small["township"] = count(reverse("requests:list"), world.township_a_user)
    for _ in range(4):
        submitted(world.dept_a, [world.township_a, world.township_b])
    large = {
        name: count(reverse(name), world.office)
        for name in ("requests:list", "requests:review_queue")
    }
    large["township"] = count(reverse("requests:list"), world.township_a_user)
    assert small == large


# --------------------------------------------------------------------------- department


def test_department_saves_a_draft_without_items(world):
    client = client_for(world.dept_a_user)
    response = client.post(
        reverse("requests:create"), request_payload(world, [], [], action="draft")
    )
    delegation = Delegation.objects.get()
    assert response.status_code == 302
    assert delegation.state == Delegation.State.DRAFT
    assert delegation.department == world.dept_a


def test_department_submits_a_request_with_a_deadline(world, item_a):
    client = client_for(world.dept_a_user)
    response = client.post(
        reverse("requests:create"), request_payload(world, [item_a], [world.township_a])
    )
    delegation = Delegation.objects.get()
    assert response["Location"] == reverse("requests:detail", args=[delegation.pk])
    assert delegation.state == Delegation.State.SUBMITTED
    assert delegation.deadline is not None
    assert list(delegation.duty_items.all()) == [item_a]


def test_a_submitted_request_shows_the_department_its_warnings(world, item_a, item_b):
    client = client_for(world.dept_a_user)
    client.post(reverse("requests:create"),
                request_payload(world, [item_a, item_b], [world.township_a]))
    delegation = Delegation.objects.get()
    assert delegation.state == Delegation.State.SUBMITTED  # a warning does not stop it
    page = client.get(reverse("requests:detail", args=[delegation.pk]))
    assert [w.code for w in page.context["warnings"]] == ["other_department"]
    assert b'data-warning="other_department"' in page.content


def test_a_text_over_its_limit_is_refused_on_its_field_and_nothing_is_saved(world, item_a):
    from config.limits import TEXT

    response = client_for(world.dept_a_user).post(
        reverse("requests:create"),
        request_payload(world, [item_a], [world.township_a], reason="理" * (TEXT + 1)),
    )
    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    assert not Delegation.objects.exists()


def test_items_can_be_given_by_code_without_the_search_box(world, item_a):
    client = client_for(world.dept_a_user)
    client.post(
        reverse("requests:create"),
        request_payload(world, [], [world.township_a], item_codes="YJ001"),
    )
    assert list(Delegation.objects.get().duty_items.all()) == [item_a]


def test_unknown_item_code_is_refused_on_its_field(world):
    response = client_for(world.dept_a_user).post(
        reverse("requests:create"),
        request_payload(world, [], [world.township_a], item_codes="NOPE"),
    )
    assert response.status_code == 400
    assert "NOPE" in str(response.context["form"].errors["item_codes"])


def test_all_townships_of_a_category_are_picked(world, item_a):
    large = TownshipFactory(county=world.county, code="990101103", name="南山镇", category="large")
    client_for(world.dept_a_user).post(
        reverse("requests:create"),
        request_payload(world, [item_a], [world.township_a], township_categories=["large"]),
    )
    assert set(Delegation.objects.get().townships.all()) == {world.township_a, large}


def test_entrusting_a_coercion_item_without_agreement_is_refused_per_field(world):
    coercion = DutyItemFactory(
        county=world.county, department=world.dept_a, category=Category.COERCION
    )
    response = client_for(world.dept_a_user).post(
        reverse("requests:create"),
        request_payload(world, [coercion], [world.township_a], mode="entrust"),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"duty_items", "agreement_scope", "agreement_powers", "agreement_term_end"} <= set(errors)
    assert "第十七条" in str(errors["duty_items"])
    assert not Delegation.objects.exists()


def test_grant_of_penalty_powers_needs_the_provincial_decision(world):
    penalty = DutyItemFactory(county=world.county, department=world.dept_a, category=Category.PENALTY)
    response = client_for(world.dept_a_user).post(
        reverse("requests:create"),
        request_payload(world, [penalty], [world.township_a], mode="grant"),
    )
    assert response.status_code == 400
    assert "第二十四条" in str(response.context["form"].errors["provincial_decision"])


def test_item_of_another_department_needs_a_reason(world, item_b):
    response = client_for(world.dept_a_user).post(
        reverse("requests:create"),
        request_payload(world, [item_b], [world.township_a], reason=""),
    )
    assert response.status_code == 400
    assert "reason" in response.context["form"].errors


def test_items_of_another_county_cannot_be_chosen(world):
    foreign = DutyItemFactory(county=CountyFactory(code="990202"))
    response = client_for(world.dept_a_user).post(
        reverse("requests:create"), request_payload(world, [foreign], [world.township_a])
    )
    assert response.status_code == 400
    assert "duty_items" in response.context["form"].errors


def test_only_department_users_open_the_request_form(world):
    for persona in ("office", "township_a_user"):
        assert client_for(getattr(world, persona)).get(reverse("requests:create")).status_code == 403


def test_entrustment_with_a_pdf_agreement_is_submitted(world, item_a):
    upload = SimpleUploadedFile("协议.pdf", PDF_BYTES, content_type="application/pdf")
    payload = request_payload(
        world, [item_a], [world.township_a], mode="entrust",
        agreement_scope="安全生产日常检查", agreement_powers="检查、责令改正",
        agreement_term_end="2027-12-31", agreement_file=upload,
    )
    response = client_for(world.dept_a_user).post(reverse("requests:create"), payload)
    assert response.status_code == 302
    delegation = Delegation.objects.get()
    assert delegation.state == Delegation.State.SUBMITTED
    assert delegation.agreement_file.read().startswith(b"%PDF-")
    pdf = client_for(world.dept_a_user).get(reverse("requests:agreement", args=[delegation.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert client_for(world.dept_b_user).get(
        reverse("requests:agreement", args=[delegation.pk])
    ).status_code == 404


def test_agreement_upload_that_is_not_a_pdf_is_refused(world, item_a):
    upload = SimpleUploadedFile("协议.pdf", b"<html>not a pdf</html>", content_type="application/pdf")
    response = client_for(world.dept_a_user).post(
        reverse("requests:create"),
        request_payload(world, [item_a], [world.township_a], action="draft", agreement_file=upload),
    )
    assert response.status_code == 400
    assert response.context["form"].errors["agreement_file"]
    assert not Delegation.objects.exists()


def test_agreement_upload_over_ten_megabytes_is_refused(world, item_a):
    upload = SimpleUploadedFile(
        "协议.pdf", b"%PDF-1.4\n" + b"0" * MAX_AGREEMENT_BYTES, content_type="application/pdf"
    )
    response = client_for(world.dept_a_user).post(
        reverse("requests:create"),
        request_payload(world, [item_a], [world.township_a], action="draft", agreement_file=upload),
    )
    assert response.status_code == 400
    assert "10" in str(response.context["form"].errors["agreement_file"])
    assert not Delegation.objects.exists()


def test_department_edits_a_draft_then_submits_it(world, item_a):
    draft = DelegationFactory(department=world.dept_a, townships=[world.township_a], duty_items=[item_a])
    client = client_for(world.dept_a_user)
    assert client.get(reverse("requests:edit", args=[draft.pk])).status_code == 200
    response = client.post(
        reverse("requests:edit", args=[draft.pk]),
        request_payload(world, [item_a], [world.township_a, world.township_b], reason="新理由"),
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == Delegation.State.SUBMITTED
    assert draft.reason == "新理由"
    assert draft.townships.count() == 2


def test_another_department_cannot_edit_or_submit_a_draft(world, item_a):
    draft = DelegationFactory(department=world.dept_a, townships=[world.township_a], duty_items=[item_a])
    client = client_for(world.dept_b_user)
    assert client.get(reverse("requests:edit", args=[draft.pk])).status_code == 404
    assert client.post(reverse("requests:submit", args=[draft.pk])).status_code == 404
    draft.refresh_from_db()
    assert draft.state == Delegation.State.DRAFT


def test_draft_page_lists_what_blocks_submission(world):
    draft = DelegationFactory(department=world.dept_a, townships=[world.township_a], mode="entrust")
    page = client_for(world.dept_a_user).get(reverse("requests:detail", args=[draft.pk]))
    assert page.context["problems"]
    response = client_for(world.dept_a_user).post(reverse("requests:submit", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.state == Delegation.State.DRAFT


def test_submitting_twice_is_refused_with_a_message(world, item_a):
    draft = DelegationFactory(department=world.dept_a, townships=[world.township_a], duty_items=[item_a])
    client = client_for(world.dept_a_user)
    client.post(reverse("requests:submit", args=[draft.pk]))
    response = client.post(reverse("requests:submit", args=[draft.pk]), follow=True)
    assert [m.level_tag for m in response.context["messages"]][-1] == "error"
    draft.refresh_from_db()
    assert draft.state == Delegation.State.SUBMITTED


def test_withdrawing_asks_first_and_withdraws_once_confirmed(world):
    delegation = submitted(world.dept_a, [world.township_a])
    client = client_for(world.dept_a_user)
    url = reverse("requests:withdraw", args=[delegation.pk])
    page = client.post(url, {"comment": "重新研究"})
    assert page.status_code == 200
    assert page.templates[0].name == "requests/confirm.html"
    html = page.content.decode()
    assert "重新研究" in html and 'name="comment" value="重新研究"' in html
    assert 'name="confirmed" value="yes"' in html
    delegation.refresh_from_db()
    assert delegation.state == Delegation.State.SUBMITTED, "nothing happens before the confirmation"
    client.post(url, {"comment": "重新研究", "confirmed": "yes"})
    delegation.refresh_from_db()
    assert delegation.state == Delegation.State.WITHDRAWN
    assert "重新研究" in delegation.history.first().history_change_reason


def test_deleting_a_draft_asks_first_and_deletes_once_confirmed(world):
    draft = DelegationFactory(department=world.dept_a, townships=[world.township_a])
    client = client_for(world.dept_a_user)
    url = reverse("requests:discard", args=[draft.pk])
    page = client.post(url)
    assert page.status_code == 200 and "东城镇" in page.content.decode()
    assert Delegation.objects.filter(pk=draft.pk).exists()
    response = client.post(url, {"confirmed": "yes"})
    assert response["Location"] == reverse("requests:list")
    assert not Delegation.objects.filter(pk=draft.pk).exists()


def test_a_confirmation_is_not_offered_for_a_step_the_state_refuses(world):
    delegation = submitted(world.dept_a, [world.township_a])
    response = client_for(world.dept_a_user).post(
        reverse("requests:discard", args=[delegation.pk]), follow=True
    )
    assert response.templates[0].name == "requests/detail.html"
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert Delegation.objects.filter(pk=delegation.pk).exists()


# --------------------------------------------------------------------------- township


def test_township_objects_with_reasons(world):
    delegation = submitted(world.dept_a, [world.township_a])
    client = client_for(world.township_a_user)
    page = client.get(reverse("requests:detail", args=[delegation.pk]))
    assert page.context["allowed"]["give_opinion"]
    response = client.post(
        reverse("requests:opinion", args=[delegation.pk]), {"opinion": "object", "text": "无执法人员"}
    )
    assert response.status_code == 302
    opinion = TownshipOpinion.objects.get()
    assert (opinion.township, opinion.opinion, opinion.text) == (world.township_a, "object", "无执法人员")
    office_page = client_for(world.office).get(reverse("requests:detail", args=[delegation.pk]))
    assert "无执法人员" in office_page.content.decode()


def test_objection_without_reasons_is_refused_on_the_text_field(world):
    delegation = submitted(world.dept_a, [world.township_a])
    response = client_for(world.township_a_user).post(
        reverse("requests:opinion", args=[delegation.pk]), {"opinion": "object", "text": ""}
    )
    assert response.status_code == 400
    assert response.context["opinion_form"].errors["text"]
    assert not TownshipOpinion.objects.exists()


def test_township_not_named_cannot_give_an_opinion(world):
    delegation = submitted(world.dept_a, [world.township_a])
    response = client_for(world.township_b_user).post(
        reverse("requests:opinion", args=[delegation.pk]), {"opinion": "agree"}
    )
    assert response.status_code == 404
    assert not TownshipOpinion.objects.exists()


def test_department_cannot_give_a_township_opinion(world):
    delegation = submitted(world.dept_a, [world.township_a])
    response = client_for(world.dept_a_user).post(
        reverse("requests:opinion", args=[delegation.pk]), {"opinion": "agree"}
    )
    assert response.status_code == 403


def test_second_opinion_of_the_same_township_is_refused(world):
    delegation = submitted(world.dept_a, [world.township_a])
    client = client_for(world.township_a_user)
    client.post(reverse("requests:opinion", args=[delegation.pk]), {"opinion": "agree"})
    response = client.post(
        reverse("requests:opinion", args=[delegation.pk]), {"opinion": "object", "text": "改变主意"},
        follow=True,
    )
    assert [m.level_tag for m in response.context["messages"]][-1] == "error"
    assert TownshipOpinion.objects.get().opinion == "agree"


# --------------------------------------------------------------------------- office


def test_office_records_the_legality_review(world):
    delegation = submitted(world.dept_a, [world.township_a])
    response = client_for(world.office).post(
        reverse("requests:legal_review", args=[delegation.pk]), {"result": "passed", "note": ""}
    )
    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.legal_review == "passed"


def test_office_approves_and_the_items_enter_the_admission_list(world, item_a):
    delegation = submitted(world.dept_a, [world.township_a], duty_items=[item_a])
    response = client_for(world.office).post(
        reverse("requests:decide", args=[delegation.pk]),
        {"decision": "approve", "decision_no": "示县编〔2026〕3号", "note": "",
         "legal_review_passed": "on"},
    )
    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.state == Delegation.State.APPROVED
    entry = ListEntry.objects.get(delegation=delegation)
    assert entry.kind == ListKind.ADMISSION and entry.item == item_a
    assert list(entry.townships.all()) == [world.township_a]


def test_approval_without_decision_number_is_refused_on_its_field(world):
    delegation = submitted(world.dept_a, [world.township_a])
    response = client_for(world.office).post(
        reverse("requests:decide", args=[delegation.pk]), {"decision": "approve", "decision_no": ""}
    )
    assert response.status_code == 400
    assert response.context["decision_form"].errors["decision_no"]
    delegation.refresh_from_db()
    assert delegation.state == Delegation.State.SUBMITTED


def test_rejection_needs_a_reason_and_then_rejects(world):
    delegation = submitted(world.dept_a, [world.township_a])
    client = client_for(world.office)
    response = client.post(reverse("requests:decide", args=[delegation.pk]), {"decision": "reject"})
    assert response.context["decision_form"].errors["note"]
    client.post(
        reverse("requests:decide", args=[delegation.pk]), {"decision": "reject", "note": "不符合准入条件"}
    )
    delegation.refresh_from_db()
    assert delegation.state == Delegation.State.REJECTED


def test_deciding_an_already_decided_request_shows_a_clear_message(world):
    delegation = submitted(world.dept_a, [world.township_a])
    client = client_for(world.office)
    client.post(
        reverse("requests:decide", args=[delegation.pk]),
        {"decision": "approve", "decision_no": "文1号", "legal_review_passed": "on"},
    )
    response = client.post(
        reverse("requests:decide", args=[delegation.pk]),
        {"decision": "reject", "note": "晚了一步"},
        follow=True,
    )
    assert [m.level_tag for m in response.context["messages"]][-1] == "error"
    delegation.refresh_from_db()
    assert delegation.state == Delegation.State.APPROVED


@pytest.mark.parametrize("persona", ["dept_a_user", "township_a_user"])
def test_only_the_office_decides(world, persona):
    delegation = submitted(world.dept_a, [world.township_a])
    response = client_for(getattr(world, persona)).post(
        reverse("requests:decide", args=[delegation.pk]), {"decision": "approve", "decision_no": "X"}
    )
    assert response.status_code == 403
    delegation.refresh_from_db()
    assert delegation.state == Delegation.State.SUBMITTED


def test_office_revokes_an_approved_delegation(world):
    delegation = DelegationFactory(
        department=world.dept_a, townships=[world.township_a], state=Delegation.State.APPROVED
    )
    client = client_for(world.office)
    fields = {"revoked_on": timezone.localdate().isoformat(), "reason": "职责调整",
              "document_no": "示县编〔2026〕4号"}
    page = client.post(reverse("requests:revoke", args=[delegation.pk]), fields)
    assert page.status_code == 200 and page.templates[0].name == "requests/confirm.html"
    assert "示县编〔2026〕4号" in page.content.decode()
    delegation.refresh_from_db()
    assert delegation.state == Delegation.State.APPROVED, "nothing happens before the confirmation"
    response = client.post(
        reverse("requests:revoke", args=[delegation.pk]), {**fields, "confirmed": "yes"}
    )
    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.state == Delegation.State.REVOKED


def test_a_revocation_without_reason_and_document_number_is_refused_on_its_fields(world):
    delegation = DelegationFactory(
        department=world.dept_a, townships=[world.township_a], state=Delegation.State.APPROVED
    )
    response = client_for(world.office).post(
        reverse("requests:revoke", args=[delegation.pk]), {"revoked_on": "2026-01-01"}
    )
    assert response.status_code == 400
    assert {"reason", "document_no"} <= set(response.context["revoke_form"].errors)
    delegation.refresh_from_db()
    assert delegation.state == Delegation.State.APPROVED


def test_the_office_revokes_one_township_of_a_delegation_on_its_page(world):
    delegation = DelegationFactory(
        department=world.dept_a, townships=[world.township_a, world.township_b],
        state=Delegation.State.APPROVED,
    )
    client = client_for(world.office)
    page = client.get(reverse("requests:detail", args=[delegation.pk]))
    assert b'name="townships"' in page.content
    fields = {
        "revoked_on": timezone.localdate().isoformat(), "reason": "西河乡撤并",
        "document_no": "示县编〔2026〕5号", "townships": [str(world.township_b.pk)],
    }
    page = client.post(reverse("requests:revoke", args=[delegation.pk]), fields)
    assert "西河乡" in page.content.decode() and "东城镇" not in page.context["facts"][3][1]
    assert f'name="townships" value="{world.township_b.pk}"' in page.content.decode()
    response = client.post(
        reverse("requests:revoke", args=[delegation.pk]), {**fields, "confirmed": "yes"}
    )
    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.state == Delegation.State.APPROVED
    entry = ListEntry.objects.get(delegation=delegation)
    assert list(entry.townships.all()) == [world.township_a]
    page = client.get(reverse("requests:detail", args=[delegation.pk]))
    assert "示县编〔2026〕5号" in page.content.decode()


def test_the_decision_page_says_what_stands_before_approval_and_takes_the_answer(world, item_a):
    delegation = submitted(world.dept_a, [world.township_a], duty_items=[item_a])
    TownshipOpinionFactory(delegation=delegation, township=world.township_a, opinion="object",
                           text="人手不足")
    client = client_for(world.office)
    page = client.get(reverse("requests:detail", args=[delegation.pk]))
    assert "东城镇" in " ".join(page.context["blockers"])
    response = client.post(reverse("requests:respond", args=[delegation.pk]),
                           {"township": world.township_a.pk, "response": "县里将增配人员"})
    assert response.status_code == 302
    assert TownshipOpinion.objects.get().response == "县里将增配人员"
    page = client.get(reverse("requests:detail", args=[delegation.pk]))
    assert page.context["blockers"] == []
    response = client.post(reverse("requests:decide", args=[delegation.pk]), {
        "decision": "approve", "decision_no": "示县编〔2026〕6号", "legal_review_passed": "on",
    })
    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.state == Delegation.State.APPROVED


def test_a_reclaimed_item_is_warned_about_in_the_queue_and_needs_the_reason_to_approve(world, item_a):
    ListEntryFactory(kind=ListKind.RECLAIMED, item=item_a, townships=[world.township_a],
                     working_method="部门直接办理")
    delegation = submitted(world.dept_a, [world.township_a], duty_items=[item_a])
    client = client_for(world.office)
    queue = client.get(reverse("requests:review_queue"))
    assert [w.code for w in queue.context["rows"][0].warnings] == ["reclaimed"]
    assert b'data-warning="reclaimed"' in queue.content
    page = client.get(reverse("requests:detail", args=[delegation.pk]))
    assert b'data-warning="reclaimed"' in page.content
    assert b'name="end_reclaimed_reason"' in page.content
    decide = {"decision": "approve", "decision_no": "示县编〔2026〕7号", "legal_review_passed": "on"}
    response = client.post(reverse("requests:decide", args=[delegation.pk]), decide)
    assert response.status_code == 400
    assert response.context["decision_form"].errors["end_reclaimed_reason"]
    response = client.post(reverse("requests:decide", args=[delegation.pk]),
                           {**decide, "end_reclaimed_reason": "乡镇已具备承接能力"})
    assert response.status_code == 302
    # It covered only 东城镇 from the day the delegation starts: it is removed (history kept).
    assert not ListEntry.objects.filter(kind=ListKind.RECLAIMED).exists()
    assert ListEntry.history.filter(kind=ListKind.RECLAIMED, history_type="-").exists()


# --------------------------------------------------------------------------- CSRF


@pytest.mark.parametrize(
    "persona, name, needs_pk",
    [
        ("dept_a_user", "requests:create", False),
        ("dept_a_user", "requests:submit", True),
        ("dept_a_user", "requests:withdraw", True),
        ("dept_a_user", "requests:discard", True),
        ("dept_a_user", "requests:edit", True),
        ("township_a_user", "requests:opinion", True),
        ("office", "requests:legal_review", True),
        ("office", "requests:decide", True),
        ("office", "requests:revoke", True),
        ("office", "requests:respond", True),
        ("dept_a_user", "requests:assignment_create", False),
        ("dept_a_user", "logout", False),
        ("dept_a_user", "password_change", False),
    ],
)
def test_every_form_refuses_a_post_without_csrf_token(world, persona, name, needs_pk):
    delegation = submitted(world.dept_a, [world.township_a])
    client = client_for(getattr(world, persona), enforce_csrf_checks=True)
    url = reverse(name, args=[delegation.pk] if needs_pk else [])
    assert client.post(url, {"opinion": "agree", "decision": "approve"}).status_code == 403


def test_login_form_refuses_a_post_without_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "dept_a", "password": PASSWORD})
    assert response.status_code == 403


def test_forms_carry_a_csrf_token(world):
    delegation = submitted(world.dept_a, [world.township_a])
    pages = [
        (world.dept_a_user, reverse("requests:create")),
        (world.dept_a_user, reverse("requests:assignment_create")),
        (world.township_a_user, reverse("requests:detail", args=[delegation.pk])),
        (world.office, reverse("requests:detail", args=[delegation.pk])),
    ]
    for user, url in pages:
        content = client_for(user, enforce_csrf_checks=True).get(url).content.decode()
        assert content.count("<form") and content.count('method="post"') <= content.count(
            "csrfmiddlewaretoken"
        ), url


# --------------------------------------------------------------------------- item search


def test_item_search_matches_name_and_code_in_the_users_county(world, item_a, item_b):
    DutyItemFactory(county=CountyFactory(code="990202"), name="安全生产其他县事项")
    client = client_for(world.dept_a_user)
    results = client.get(reverse("requests:item_search"), {"q": "安全"}).json()["results"]
    assert {r["code"] for r in results} == {"YJ001", "NY001"}
    by_code = client.get(reverse("requests:item_search"), {"q": "yj0"}).json()["results"]
    assert [r["id"] for r in by_code] == [item_a.pk]
    assert client.get(reverse("requests:item_search"), {"q": ""}).json() == {"results": []}


def test_item_search_is_limited_in_size(world):
    for n in range(30):
        DutyItemFactory(county=world.county, department=world.dept_a, name=f"巡查事项{n}")
    results = client_for(world.dept_a_user).get(reverse("requests:item_search"), {"q": "巡查"}).json()
    assert len(results["results"]) == 20


# --------------------------------------------------------------------------- home


def test_home_shows_what_waits_for_each_persona(world):
    submitted(world.dept_a, [world.township_a])
    DelegationFactory(department=world.dept_a, townships=[world.township_a])
    assert client_for(world.office).get(reverse("home")).context["pending"]["to_review"] == 1
    assert client_for(world.township_a_user).get(reverse("home")).context["pending"] == {
        "awaiting_opinion": 1, "claims_in_review": 0,
    }
    assert client_for(world.township_b_user).get(reverse("home")).context["pending"] == {
        "awaiting_opinion": 0, "claims_in_review": 0,
    }
    dept = client_for(world.dept_a_user).get(reverse("home")).context["pending"]
    assert (dept["drafts"], dept["in_review"]) == (1, 1)
    assert client_for(world.dept_b_user).get(reverse("home")).context["pending"]["drafts"] == 0


# --------------------------------------------------------------------------- assignments


def test_department_logs_an_assignment(world, item_a):
    response = client_for(world.dept_a_user).post(
        reverse("requests:assignment_create"),
        {
            "title": "开展汛期安全巡查",
            "duty_item": str(item_a.pk),
            "townships": [str(world.township_a.pk)],
            "channel": "notice",
            "responsibility": "cooperate",
            "document_no": "示应急〔2026〕1号",
            "assigned_on": "2026-03-02",
            "description": "",
        },
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert (assignment.department, assignment.duty_item) == (world.dept_a, item_a)
    assert list(assignment.townships.all()) == [world.township_a]


def test_assignment_without_townships_is_refused(world):
    response = client_for(world.dept_a_user).post(
        reverse("requests:assignment_create"),
        {"title": "任务", "channel": "notice", "responsibility": "cooperate", "assigned_on": "2026-03-02"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["townships"]


def test_assignment_list_shows_only_the_departments_own(world):
    other_department = DepartmentFactory(county=world.county)
    from tests.factories import AssignmentFactory

    own = AssignmentFactory(department=world.dept_a, townships=[world.township_a])
    AssignmentFactory(department=other_department, townships=[world.township_a])
    rows = client_for(world.dept_a_user).get(reverse("requests:assignment_list")).context["rows"]
    assert [a.pk for a in rows] == [own.pk]
