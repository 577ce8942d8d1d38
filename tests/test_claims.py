"""A township claims a power (认领, field report 002: 赋权事项“因地制宜认领”): the township files
the request, the department holding the power gives its opinion, the office reviews and
decides, and the approved power lands on the township's power list as 赋权/委托."""

import datetime

import pytest

from delegations import workflow
from delegations.models import Delegation
from delegations.workflow import InvalidRequest, NotAllowed, StateConflict
from duties.models import Category, ListEntry
from tests.factories import CountyFactory, DepartmentFactory, DutyItemFactory

pytestmark = pytest.mark.django_db

START = datetime.date(2025, 3, 1)
TERMS = dict(agreement_scope="辖区内农家乐消防安全检查", agreement_powers="检查、责令改正",
             agreement_term_end=datetime.date(2027, 12, 31))


@pytest.fixture
def w(world):
    world.item = DutyItemFactory(county=world.county, department=world.dept_a, code="YJ300",
                                 name="农家乐消防安全检查", category=Category.INSPECTION)
    world.penalty = DutyItemFactory(county=world.county, department=world.dept_a, code="YJ301",
                                    category=Category.PENALTY)
    world.coercion = DutyItemFactory(county=world.county, department=world.dept_a, code="YJ302",
                                     category=Category.COERCION)
    return world


def claim(w, user=None, township=None, **overrides):
    fields = dict(department=w.dept_a, mode="entrust", duty_items=[w.item],
                  reason="辖区农家乐集中，就近检查更及时", effective_from=START)
    fields.update(overrides)
    return workflow.file_claim(user or w.township_a_user, township=township or w.township_a,
                               **fields)


def agree(w, d, **terms):
    return workflow.give_department_opinion(w.dept_a_user, d, "agree", "同意委托",
                                            **(terms or TERMS))


def approve(w, d):
    return workflow.decide_request(w.office, d, "approve", "示县委〔2025〕9号",
                                   legal_review="passed")


def test_a_township_claims_a_power_for_itself_and_the_claim_is_submitted(w):
    d = claim(w)
    assert (d.state, d.claimed_by, d.department) == ("submitted", w.township_a, w.dept_a)
    assert list(d.townships.all()) == [w.township_a]
    assert d.deadline and d.submitted_at
    reasons = list(d.history.values_list("history_change_reason", flat=True))
    assert all(r == "乡镇认领：东城镇" for r in reasons)


def test_the_claim_runs_opinion_review_and_decision_and_lands_on_the_power_list(w):
    d = agree(w, claim(w))
    assert (d.department_opinion, d.department_opinion_by) == ("agree", w.dept_a_user)
    assert d.agreement_scope == TERMS["agreement_scope"]
    d = approve(w, d)
    assert d.state == "approved"
    entry = ListEntry.objects.get(delegation=d)
    assert (entry.kind, entry.source, entry.item) == ("power", "entrusted", w.item)
    assert list(entry.townships.all()) == [w.township_a]


def test_a_grant_claimed_lands_as_granted(w):
    d = claim(w, mode="grant")
    d = approve(w, agree(w, d, provincial_decision="示省政府令第2号"))
    assert ListEntry.objects.get(delegation=d).source == "granted"


def test_the_office_cannot_approve_a_claim_before_the_departments_opinion(w):
    d = claim(w)
    with pytest.raises(StateConflict) as exc:
        approve(w, d)
    assert exc.value.code == "department_opinion_pending"
    d.refresh_from_db()
    assert d.state == "submitted"


def test_an_objecting_department_states_its_reasons(w):
    with pytest.raises(InvalidRequest) as exc:
        workflow.give_department_opinion(w.dept_a_user, claim(w), "object", " ")
    assert "text" in exc.value.message_dict
    d = workflow.give_department_opinion(w.dept_a_user, Delegation.objects.get(), "object",
                                         "该事项专业性强，乡镇暂不具备条件")
    assert d.department_opinion == "object"


def test_agreeing_to_an_entrustment_needs_its_written_terms(w):
    with pytest.raises(InvalidRequest) as exc:
        workflow.give_department_opinion(w.dept_a_user, claim(w), "agree")
    assert {"agreement_scope", "agreement_powers", "agreement_term_end"} <= set(exc.value.message_dict)
    assert Delegation.objects.get().department_opinion == ""


def test_the_department_gives_its_opinion_once(w):
    d = agree(w, claim(w))
    with pytest.raises(StateConflict):
        agree(w, d)


def test_only_the_department_holding_the_power_gives_the_opinion(w):
    d = claim(w)
    for user in (w.dept_b_user, w.township_a_user, w.office):
        with pytest.raises(NotAllowed):
            workflow.give_department_opinion(user, d, "agree", **TERMS)


def test_a_department_request_has_no_department_opinion(w):
    d = workflow.create_request(w.dept_a_user, department=w.dept_a, mode="assign",
                                duty_items=[w.item], townships=[w.township_a],
                                effective_from=START, submit=True)
    with pytest.raises(StateConflict) as exc:
        agree(w, d)
    assert exc.value.code == "not_a_claim"


@pytest.mark.parametrize("persona", ["township_b_user", "dept_a_user", "office"])
def test_only_the_township_itself_claims_for_it(w, persona):
    with pytest.raises(NotAllowed):
        claim(w, user=getattr(w, persona))
    assert not Delegation.objects.exists()


def test_a_claim_names_a_department_of_the_townships_county(w):
    other = DepartmentFactory(county=CountyFactory(code="990200"), code="YJJ")
    with pytest.raises(InvalidRequest) as exc:
        claim(w, department=other, duty_items=[])
    assert "department" in exc.value.message_dict


def test_a_claim_of_coercion_by_entrustment_is_refused_when_filed(w):
    with pytest.raises(InvalidRequest) as exc:
        claim(w, duty_items=[w.coercion])
    assert "duty_items" in exc.value.message_dict
    assert not Delegation.objects.exists()


def test_the_township_withdraws_its_claim_the_department_cannot(w):
    d = claim(w)
    for user in (w.dept_a_user, w.township_b_user):
        with pytest.raises(NotAllowed) as exc:
            workflow.withdraw_request(user, d)
        assert "认领" in str(exc.value)
    d = workflow.withdraw_request(w.township_a_user, d, comment="已调整工作安排")
    assert d.state == "withdrawn"


def test_the_claiming_township_gives_no_opinion_on_its_own_claim(w):
    d = claim(w)
    with pytest.raises(StateConflict):
        workflow.give_opinion(w.township_a_user, d, w.township_a, "agree")


# --------------------------------------------------------------------------- the API


def api(w, persona):
    from tests.api_helpers import client_for

    return client_for(w, persona)


def post(client, path, body):
    from tests.api_helpers import url

    return client.post(url(path), body, format="json")


CLAIM_BODY = {"department": "YJJ", "mode": "entrust", "duty_items": ["YJ300"],
              "reason": "辖区农家乐集中", "effective_from": "2025-03-01"}


def test_the_api_runs_a_claim_from_the_township_to_the_power_list(w):
    response = post(api(w, "township_a"), "delegations/claim/", CLAIM_BODY)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["claimed_by"]["code"]) == ("submitted", "990101101")
    assert [t["code"] for t in body["townships"]] == ["990101101"]
    assert body["department_opinion"]["opinion"] == ""
    pk = body["id"]

    office = api(w, "office")
    early = post(office, f"delegations/{pk}/decide/",
                 {"decision": "approve", "decision_no": "示县委〔2025〕9号", "legal_review": "passed"})
    assert early.status_code == 409, early.content

    opinion = {"opinion": "agree", "text": "同意", "agreement": {
        "scope": TERMS["agreement_scope"], "powers": TERMS["agreement_powers"],
        "term_end": "2027-12-31"}}
    assert post(api(w, "dept_b"), f"delegations/{pk}/department-opinion/", opinion).status_code == 404
    response = post(api(w, "dept_a"), f"delegations/{pk}/department-opinion/", opinion)
    assert response.status_code == 200, response.content
    assert response.json()["department_opinion"]["opinion"] == "agree"
    assert response.json()["agreement"]["scope"] == TERMS["agreement_scope"]

    response = post(office, f"delegations/{pk}/decide/",
                    {"decision": "approve", "decision_no": "示县委〔2025〕9号", "legal_review": "passed"})
    assert response.status_code == 200, response.content
    assert ListEntry.objects.get(delegation_id=pk).source == "entrusted"


@pytest.mark.parametrize("persona, status", [("dept_a", 403), ("office", 403), ("anonymous", 403)])
def test_only_a_township_user_claims_through_the_api(w, persona, status):
    assert post(api(w, persona), "delegations/claim/", CLAIM_BODY).status_code == status
    assert not Delegation.objects.exists()


@pytest.mark.parametrize("body, field", [
    ({**CLAIM_BODY, "duty_items": ["NOPE"]}, "duty_items"),
    ({**CLAIM_BODY, "department": "NOPE"}, "department"),
    ({**CLAIM_BODY, "townships": ["990101102"]}, "townships"),
    ({**CLAIM_BODY, "mode": "gift"}, "mode"),
])
def test_a_bad_claim_body_is_a_400_naming_the_field(w, body, field):
    response = post(api(w, "township_a"), "delegations/claim/", body)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_a_department_objection_without_reasons_is_a_400(w):
    d = claim(w)
    response = post(api(w, "dept_a"), f"delegations/{d.pk}/department-opinion/", {"opinion": "object"})
    assert response.status_code == 400 and "text" in response.json()["errors"]


def test_the_other_township_does_not_see_the_claim(w):
    from tests.api_helpers import results, url

    d = claim(w)
    assert api(w, "township_b").get(url(f"delegations/{d.pk}/")).status_code == 404
    assert [r["id"] for r in results(api(w, "township_a").get(url("delegations/")))] == [d.pk]
    assert [r["id"] for r in results(api(w, "dept_a").get(url("delegations/")))] == [d.pk]
    assert results(api(w, "dept_b").get(url("delegations/"))) == []


# --------------------------------------------------------------------------- the pages


def login(client, user):
    client.force_login(user)
    return client


def test_a_township_files_a_claim_on_its_page_and_the_department_answers_on_the_request(client, w):
    from django.urls import reverse

    login(client, w.township_a_user)
    assert 'id="new-claim"' in client.get(reverse("requests:list")).content.decode()
    page = client.get(reverse("requests:claim"))
    assert page.status_code == 200
    response = client.post(reverse("requests:claim"), {
        "department": w.dept_a.pk, "mode": "entrust", "duty_items": [w.item.pk],
        "reason": "辖区农家乐集中", "effective_from": "2025-03-01",
    })
    d = Delegation.objects.get()
    assert response.status_code == 302 and response.url == reverse("requests:detail", args=[d.pk])
    page = client.get(response.url).content.decode()
    assert 'id="claim-actions"' in page and 'id="department-opinion-pending"' in page
    assert 'id="opinion"' not in page  # the township gives no opinion on its own claim

    login(client, w.dept_a_user)
    page = client.get(reverse("requests:detail", args=[d.pk])).content.decode()
    assert 'id="department-opinion"' in page and 'id="withdraw-form"' not in page
    bad = client.post(reverse("requests:department_opinion", args=[d.pk]), {"opinion": "agree"})
    assert bad.status_code == 400
    assert "行政处罚法 第二十条" in bad.content.decode()
    ok = client.post(reverse("requests:department_opinion", args=[d.pk]), {
        "opinion": "agree", "text": "同意", "agreement_scope": TERMS["agreement_scope"],
        "agreement_powers": TERMS["agreement_powers"], "agreement_term_end": "2027-12-31",
    })
    assert ok.status_code == 302
    d.refresh_from_db()
    assert d.department_opinion == "agree" and d.agreement_term_end == datetime.date(2027, 12, 31)
    page = client.get(reverse("requests:detail", args=[d.pk])).content.decode()
    assert 'id="department-opinion-given"' in page


def test_a_department_sees_no_claim_form_on_its_own_request(client, w):
    from django.urls import reverse

    d = workflow.create_request(w.dept_a_user, department=w.dept_a, mode="assign",
                                duty_items=[w.item], townships=[w.township_a],
                                effective_from=START, submit=True)
    login(client, w.dept_a_user)
    page = client.get(reverse("requests:detail", args=[d.pk])).content.decode()
    assert 'id="department-opinion"' not in page and 'id="withdraw-form"' in page
    assert client.get(reverse("requests:claim")).status_code == 403


def test_a_claim_refused_by_the_rules_shows_the_reason_on_the_form(client, w):
    from django.urls import reverse

    login(client, w.township_a_user)
    response = client.post(reverse("requests:claim"), {
        "department": w.dept_a.pk, "mode": "entrust", "duty_items": [w.coercion.pk],
        "reason": "需要", "effective_from": "2025-03-01",
    })
    assert response.status_code == 400
    assert "行政强制法 第十七条" in response.content.decode()
    assert not Delegation.objects.exists()


def test_the_home_pages_count_the_claim_for_the_department_and_the_township(client, w):
    import re

    claim(w)

    def count(user, name):
        login(client, user)
        page = client.get("/home/").content.decode()
        return int(re.search(rf'data-count="{name}"><b>(\d+)</b>', page).group(1))

    assert count(w.dept_a_user, "claims_to_answer") == 1
    assert count(w.dept_b_user, "claims_to_answer") == 0
    assert count(w.township_a_user, "claims_in_review") == 1
    assert count(w.township_a_user, "awaiting_opinion") == 0
