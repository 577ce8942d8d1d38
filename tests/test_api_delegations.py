"""REST API: delegations — list, create, and the workflow steps, persona by persona."""

import pytest

from delegations.models import Delegation
from tests.api_helpers import (  # noqa: F401  (fixtures)
    PERSONAS,
    client_for,
    results,
    scene,
    url,
)

pytestmark = pytest.mark.django_db


def body(**overrides):
    data = {
        "department": "YJJ",
        "mode": "assign",
        "duty_items": ["A900"],
        "townships": ["990101101"],
        "reason": "森林防火任务重，需乡镇承担日常巡查",
        "legal_basis": "《森林防火条例》",
        "provincial_decision": "",
        "agreement": {"scope": "", "powers": "", "term_end": None},
        "published_on": None,
        "staff_posts": 1,
        "funding_wan_yuan": 5,
        "effective_from": "2025-01-01",
        "effective_to": None,
        "submit": False,
    }
    data.update(overrides)
    return data


def ids(rows):
    return sorted(row["id"] for row in rows)


# --- reading -------------------------------------------------------------------------------


VISIBLE = {
    "office": {"del_a_draft", "del_a_sub", "del_b_sub", "del_c"},
    "dept_a": {"del_a_draft", "del_a_sub"},
    "dept_b": {"del_b_sub"},
    "township_a": {"del_a_sub"},
    "township_b": {"del_b_sub"},
}


@pytest.mark.parametrize("persona", list(VISIBLE))
def test_each_persona_lists_only_the_delegations_in_its_scope(scene, persona):
    rows = results(client_for(scene.w, persona).get(url("delegations/")))
    assert ids(rows) == sorted(getattr(scene, name).pk for name in VISIBLE[persona])


def test_the_public_may_not_list_delegations(scene):
    assert client_for(scene.w, "anonymous").get(url("delegations/")).status_code == 403


@pytest.mark.parametrize("persona", PERSONAS)
def test_one_delegation_is_readable_within_scope_and_a_404_outside(scene, persona):
    response = client_for(scene.w, persona).get(url(f"delegations/{scene.del_a_sub.pk}/"))
    if persona == "anonymous":
        assert response.status_code == 403
    elif "del_a_sub" in VISIBLE[persona]:
        assert response.status_code == 200
        data = response.json()
        assert data["department"] == {"code": "YJJ", "name": "示范县应急管理局"}
        assert data["duty_items"][0]["code"] == "A001"
        assert data["townships"] == [{"code": "990101101", "name": "东城镇"}]
        assert data["state"] == "submitted"
        assert set(data["agreement"]) == {"scope", "powers", "term_end"}
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("path", ["delegations/999999/", "delegations/abc/", "delegations/99999999999999999999999/"])
def test_an_unknown_delegation_is_a_404(scene, path):
    assert client_for(scene.w, "office").get(url(path)).status_code == 404


def test_delegations_filter_by_state_mode_department_township_and_county(scene):
    client = client_for(scene.w, "office")
    assert ids(results(client.get(url("delegations/?state=draft")))) == [scene.del_a_draft.pk]
    assert ids(results(client.get(url("delegations/?township=990101102")))) == [scene.del_b_sub.pk]
    assert ids(results(client.get(url("delegations/?department=NYJ")))) == [scene.del_b_sub.pk]
    assert ids(results(client.get(url("delegations/?county=990102")))) == [scene.del_c.pk]
    assert ids(results(client.get(url("delegations/?department=YJJ&county=990102")))) == [
        scene.del_c.pk
    ]
    assert results(client.get(url("delegations/?mode=grant"))) == []
    for query, parameter in [("state=lost", "state"), ("mode=gift", "mode"),
                             ("township=123", "township"), ("county=000000", "county")]:
        response = client.get(url(f"delegations/?{query}"))
        assert response.status_code == 400
        assert parameter in response.json()["errors"]


# --- creating ------------------------------------------------------------------------------


def test_a_department_user_files_a_draft_for_its_own_department(scene):
    response = client_for(scene.w, "dept_a").post(url("delegations/"), body(), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["state"] == "draft"
    assert data["department"]["code"] == "YJJ"
    assert [i["code"] for i in data["duty_items"]] == ["A900"]
    assert Delegation.objects.get(pk=data["id"]).created_by == scene.w.dept_a_user


def test_a_department_user_may_submit_at_once(scene):
    response = client_for(scene.w, "dept_a").post(
        url("delegations/"), body(submit=True), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "submitted"
    assert response.json()["deadline"]


def test_the_agreement_object_reaches_the_delegation(scene):
    agreement = {"scope": "森林防火巡查", "powers": "劝阻、制止、报告", "term_end": "2027-12-31"}
    response = client_for(scene.w, "dept_a").post(
        url("delegations/"), body(mode="entrust", agreement=agreement, submit=True), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["agreement"] == agreement
    assert response.json()["mode"] == "entrust"


@pytest.mark.parametrize("persona", ["dept_b", "township_a", "township_b", "office"])
def test_nobody_else_files_a_request_for_department_a(scene, persona):
    response = client_for(scene.w, persona).post(url("delegations/"), body(), format="json")
    assert response.status_code == 403
    assert not Delegation.objects.filter(duty_items__code="A900").exists()


def test_the_public_may_not_file_a_request(scene):
    assert client_for(scene.w, "anonymous").post(url("delegations/"), body(), format="json").status_code == 403


def test_a_request_missing_fields_is_a_400_naming_each(scene):
    response = client_for(scene.w, "dept_a").post(url("delegations/"), {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {
        "department", "mode", "duty_items", "townships", "effective_from"
    }


@pytest.mark.parametrize(
    "overrides, fields",
    [
        ({"mode": "gift"}, {"mode"}),
        ({"duty_items": ["NOPE"]}, {"duty_items"}),
        ({"duty_items": []}, {"duty_items"}),
        ({"townships": ["990101999"]}, {"townships"}),
        ({"townships": "990101101"}, {"townships"}),
        ({"department": "NOPE"}, {"department"}),
        ({"effective_from": "2025-02-30"}, {"effective_from"}),
        ({"staff_posts": -1}, {"staff_posts"}),
        ({"funding_wan_yuan": "lots"}, {"funding_wan_yuan"}),
        ({"agreement": {"term_end": "soon"}}, {"agreement"}),
        ({"agreement": "written"}, {"agreement"}),
        ({"submit": "perhaps"}, {"submit"}),
        ({"duty_item": ["A900"]}, {"duty_item"}),
        ({"duty_item": ["A900"], "mode": "gift"}, {"duty_item", "mode"}),
        ({"effective_from": "2025-06-01", "effective_to": "2025-01-01"}, {"effective_to"}),
        ({"mode": "entrust", "submit": True},
         {"agreement_scope", "agreement_powers", "agreement_term_end"}),
        ({"mode": "gift", "townships": ["x"], "staff_posts": "two"},
         {"mode", "townships", "staff_posts"}),
    ],
)
def test_a_request_with_wrong_fields_is_a_400_naming_each(scene, overrides, fields):
    response = client_for(scene.w, "dept_a").post(url("delegations/"), body(**overrides), format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()["errors"]) == fields


def test_items_and_townships_of_another_county_are_refused(scene):
    response = client_for(scene.w, "dept_a").post(
        url("delegations/"), body(townships=["990102101"]), format="json"
    )
    assert response.status_code == 400
    assert "townships" in response.json()["errors"]


# --- workflow steps ------------------------------------------------------------------------


def post(scene, persona, delegation, step, data=None):
    return client_for(scene.w, persona).post(
        url(f"delegations/{delegation.pk}/{step}/"), data or {}, format="json"
    )


@pytest.mark.parametrize(
    "persona, status", [("dept_a", 200), ("dept_b", 404), ("township_a", 404),
                        ("township_b", 404), ("office", 403), ("anonymous", 403)]
)
def test_only_the_requesting_department_submits_its_draft(scene, persona, status):
    response = post(scene, persona, scene.del_a_draft, "submit")
    assert response.status_code == status, response.content
    if status == 200:
        assert response.json()["state"] == "submitted"


def test_submitting_twice_is_a_409(scene):
    assert post(scene, "dept_a", scene.del_a_draft, "submit").status_code == 200
    response = post(scene, "dept_a", scene.del_a_draft, "submit")
    assert response.status_code == 409
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "persona, status", [("dept_a", 200), ("dept_b", 404), ("township_a", 403),
                        ("township_b", 404), ("office", 403), ("anonymous", 403)]
)
def test_only_the_requesting_department_withdraws_its_request(scene, persona, status):
    response = post(scene, persona, scene.del_a_sub, "withdraw", {"comment": "任务已调整"})
    assert response.status_code == status, response.content
    if status == 200:
        assert response.json()["state"] == "withdrawn"


@pytest.mark.parametrize(
    "persona, status", [("township_a", 200), ("township_b", 404), ("dept_a", 403),
                        ("dept_b", 404), ("office", 403), ("anonymous", 403)]
)
def test_only_a_named_township_gives_its_opinion(scene, persona, status):
    data = {"opinion": "object", "text": "无执法人员", "township": "990101101"}
    response = post(scene, persona, scene.del_a_sub, "opinion", data)
    assert response.status_code == status, response.content
    if status == 200:
        assert response.json()["opinions"][0]["township"]["code"] == "990101101"
        assert response.json()["opinions"][0]["opinion"] == "object"


def test_a_township_user_may_leave_out_its_own_township(scene):
    response = post(scene, "township_a", scene.del_a_sub, "opinion", {"opinion": "agree"})
    assert response.status_code == 200, response.content
    assert post(scene, "township_a", scene.del_a_sub, "opinion", {"opinion": "agree"}).status_code == 409


def test_an_opinion_for_another_township_is_a_403(scene):
    response = post(scene, "township_a", scene.del_a_sub, "opinion",
                    {"opinion": "agree", "township": "990101102"})
    assert response.status_code == 403


def test_an_objection_without_reasons_is_a_400_naming_text(scene):
    response = post(scene, "township_a", scene.del_a_sub, "opinion", {"opinion": "object"})
    assert response.status_code == 400
    assert "text" in response.json()["errors"]


@pytest.mark.parametrize(
    "persona, status", [("office", 200), ("dept_a", 403), ("dept_b", 404), ("township_a", 403),
                        ("township_b", 404), ("anonymous", 403)]
)
def test_only_the_office_decides(scene, persona, status):
    data = {"decision": "approve", "decision_no": "示县委〔2025〕3号", "note": "",
            "legal_review": "passed"}
    response = post(scene, persona, scene.del_a_sub, "decide", data)
    assert response.status_code == status, response.content
    if status == 200:
        assert response.json()["state"] == "approved"
        assert response.json()["decision_no"] == "示县委〔2025〕3号"


def test_approval_puts_the_items_on_the_townships_lists(scene):
    response = post(scene, "office", scene.del_a_sub, "decide",
                    {"decision": "approve", "decision_no": "示县委〔2025〕3号",
                     "legal_review": "passed"})
    assert response.status_code == 200, response.content
    rows = results(client_for(scene.w, "anonymous").get(
        url("townships/990101101/lists/?kind=admission")
    ))
    assert [(r["item"]["code"], r["delegation"]) for r in rows] == [("A001", scene.del_a_sub.pk)]


def test_a_decision_with_missing_fields_is_a_400_naming_them(scene):
    response = post(scene, "office", scene.del_a_sub, "decide", {"decision": "approve"})
    assert response.status_code == 400
    assert "decision_no" in response.json()["errors"]
    response = post(scene, "office", scene.del_a_sub, "decide", {"decision": "maybe"})
    assert response.status_code == 400
    assert "decision" in response.json()["errors"]
    response = post(scene, "office", scene.del_a_sub, "decide", [])
    assert response.status_code == 400


def test_deciding_a_draft_is_a_409(scene):
    response = post(scene, "office", scene.del_a_draft, "decide",
                    {"decision": "approve", "decision_no": "示县委〔2025〕3号"})
    assert response.status_code == 409


@pytest.mark.parametrize(
    "persona, status", [("office", 200), ("dept_a", 403), ("dept_b", 404), ("township_a", 403),
                        ("township_b", 404), ("anonymous", 403)]
)
def test_only_the_office_revokes(scene, persona, status):
    assert post(scene, "office", scene.del_a_sub, "decide",
                {"decision": "approve", "decision_no": "示县委〔2025〕3号",
                 "legal_review": "passed"}).status_code == 200
    response = post(scene, persona, scene.del_a_sub, "revoke",
                    {"note": "任务完成", "document_no": "示县委〔2025〕4号"})
    assert response.status_code == status, response.content
    if status == 200:
        assert response.json()["state"] == "revoked"
        assert response.json()["revoked_on"]


def test_revoking_what_is_not_approved_is_a_409(scene):
    assert post(scene, "office", scene.del_b_sub, "revoke").status_code == 409


def test_a_revocation_date_must_be_a_date(scene):
    response = post(scene, "office", scene.del_b_sub, "revoke", {"revoked_on": "someday"})
    assert response.status_code == 400
    assert "revoked_on" in response.json()["errors"]


def test_a_county_office_does_not_see_another_countys_delegations(scene):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(scene.county_office)
    rows = results(client.get(url("delegations/")))
    assert scene.del_c.pk not in ids(rows)
    assert client.get(url(f"delegations/{scene.del_c.pk}/")).status_code == 404


# --- the county's rules ---------------------------------------------------------------------


def test_the_representation_carries_the_workflows_warnings(scene):
    data = client_for(scene.w, "office").get(url(f"delegations/{scene.del_a_sub.pk}/")).json()
    assert [(w["code"], w["item"], w["townships"], w["lists"]) for w in data["warnings"]] == [
        ("already_listed", "A001", ["990101101"], ["power"])
    ]
    assert "东城镇" in data["warnings"][0]["message"]
    rows = results(client_for(scene.w, "office").get(url("delegations/")))
    listed = {row["id"]: row["warnings"] for row in rows}
    assert listed[scene.del_a_sub.pk] == data["warnings"]


def test_an_approval_before_the_legality_review_is_a_409(scene):
    response = post(scene, "office", scene.del_a_sub, "decide",
                    {"decision": "approve", "decision_no": "示县委〔2025〕3号"})
    assert response.status_code == 409
    assert response.json()["code"] == "legal_review_pending"
    response = post(scene, "office", scene.del_a_sub, "review", {"result": "passed"})
    assert (response.status_code, response.json()["legal_review"]) == (200, "passed")
    response = post(scene, "office", scene.del_a_sub, "decide",
                    {"decision": "approve", "decision_no": "示县委〔2025〕3号"})
    assert response.status_code == 200, response.content


def test_an_objection_is_answered_before_the_approval(scene):
    assert post(scene, "township_a", scene.del_a_sub, "opinion",
                {"opinion": "object", "text": "无执法人员"}).status_code == 200
    approve = {"decision": "approve", "decision_no": "示县委〔2025〕3号", "legal_review": "passed"}
    response = post(scene, "office", scene.del_a_sub, "decide", approve)
    assert (response.status_code, response.json()["code"]) == (409, "objection_unanswered")
    assert post(scene, "dept_a", scene.del_a_sub, "respond",
                {"township": "990101101", "response": "x"}).status_code == 403
    response = post(scene, "office", scene.del_a_sub, "respond",
                    {"township": "990101101", "response": "县里将调剂2名编制"})
    assert response.status_code == 200, response.content
    assert response.json()["opinions"][0]["response"] == "县里将调剂2名编制"
    assert post(scene, "office", scene.del_a_sub, "decide", approve).status_code == 200


def test_a_revocation_needs_its_reason_and_document_number(scene):
    post(scene, "office", scene.del_a_sub, "decide",
         {"decision": "approve", "decision_no": "示县委〔2025〕3号", "legal_review": "passed"})
    response = post(scene, "office", scene.del_a_sub, "revoke", {})
    assert response.status_code == 400
    assert {"reason", "document_no"} <= set(response.json()["errors"])


def test_a_revocation_may_end_some_townships_only(scene):
    delegation = scene.del_a_sub
    delegation.townships.add(scene.w.township_b)
    post(scene, "office", delegation, "decide",
         {"decision": "approve", "decision_no": "示县委〔2025〕3号", "legal_review": "passed"})
    response = post(scene, "office", delegation, "revoke", {
        "reason": "西河乡撤并", "document_no": "示编〔2025〕3号", "townships": ["990101102"],
    })
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["state"], data["revoked_on"]) == ("approved", None)
    assert [(r["partial"], [t["code"] for t in r["townships"]]) for r in data["revocations"]] == [
        (True, ["990101102"])
    ]
    response = post(scene, "office", delegation, "revoke", {
        "reason": "x", "document_no": "y", "townships": ["990102101"],
    })
    assert response.status_code == 400
    assert "townships" in response.json()["errors"]


def test_a_request_text_over_its_limit_is_a_400_and_nothing_is_stored(scene):
    from config.limits import TEXT

    before = Delegation.objects.count()
    response = client_for(scene.w, "dept_a").post(
        url("delegations/"), body(reason="理" * (TEXT + 1)), format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["reason"]
    assert Delegation.objects.count() == before
