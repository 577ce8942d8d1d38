"""``POST /api/v1/townships/{code}/check/``: a title or a whole notice checked against the
township's lists — the same answer as ``duties.notice_check`` — for anonymous callers too,
with a 400 for a bad body or an oversized text and a 404 for an unknown township.

The view is called through ``APIRequestFactory`` (with the API's settings: parsers, error
handler, versioning), so these tests do not depend on where the URL conf mounts it.
"""

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIRequestFactory, force_authenticate

from duties import checker, notice_check
from duties.api.check import TownshipCheckView
from tests.factories_public import sample_lists
from tests.test_notice_checker import NOTICES

FLOOD_NOTICE = NOTICES[0][1]


@pytest.fixture
def lists(world):
    checker.clear_cache()
    return sample_lists(world.county)


def post(code, body, user=None, raw=False, ascii=False):
    factory = APIRequestFactory()
    data = body if raw else json.dumps(body, ensure_ascii=ascii)
    request = factory.post(
        f"/api/v1/townships/{code}/check/", data, content_type="application/json"
    )
    if user is not None:
        force_authenticate(request, user=user)
    response = TownshipCheckView.as_view()(request, version="v1", code=code)
    response.render()
    response.json = lambda: json.loads(response.content)
    return response


def test_an_anonymous_caller_gets_the_verdict_of_every_task_and_the_issuer(world, lists):
    response = post(world.township_a.code, {"text": FLOOD_NOTICE})
    assert response.status_code == 200, response.content
    data = response.json()
    assert set(data) == {"verdict", "issuer", "tasks"}
    assert data["verdict"] == "unlisted"
    assert data["issuer"] == {"code": "YJJ", "name": "示范县应急管理局"}
    assert [t["verdict"] for t in data["tasks"]] == [
        "power", "power", "territorial", "power", "unlisted",
    ]
    first = data["tasks"][0]
    assert first["text"].startswith("开展地质灾害隐患点汛期巡查")
    assert first["matches"][0] == {
        "code": "P009", "name": "地质灾害隐患点巡查监测", "list": "power",
        "score": first["matches"][0]["score"],
    }
    assert 0.33 <= first["matches"][0]["score"] <= 1
    scores = [m["score"] for m in first["matches"]]
    assert scores == sorted(scores, reverse=True)


def test_the_api_gives_the_same_answer_as_the_service(world, lists):
    for _name, text, _issuer, _expected in NOTICES:
        data = post(world.township_a.code, {"text": text}).json()
        result = notice_check.check_notice(world.township_a, text)
        assert data["verdict"] == result.verdict
        assert [t["verdict"] for t in data["tasks"]] == [t.verdict for t in result.tasks]
        assert [[m["code"] for m in t["matches"]] for t in data["tasks"]] == [
            [m.entry.item.code for m in t.matches] for t in result.tasks
        ]
        assert (data["issuer"] or {}).get("code") == (result.issuer.code if result.issuer else None)


def test_a_short_title_is_one_task_without_issuer(world, lists):
    data = post(world.township_a.code, {"text": "  特种设备安全检查 "}).json()
    assert data["verdict"] == "reclaimed"
    assert data["issuer"] is None
    assert [t["text"] for t in data["tasks"]] == ["特种设备安全检查"]
    assert data["tasks"][0]["matches"][0]["code"] == "R001"


def test_a_signed_in_caller_gets_the_same_answer(world, lists):
    anonymous = post(world.township_a.code, {"text": "秸秆禁烧巡查"}, user=AnonymousUser()).json()
    township_user = post(
        world.township_a.code, {"text": "秸秆禁烧巡查"}, user=world.township_b_user
    ).json()
    assert anonymous == township_user
    assert anonymous["verdict"] == "territorial"


def test_a_text_above_100_kb_is_refused_with_a_chinese_message(world, lists):
    response = post(world.township_a.code, {"text": "秸" * (checker.MAX_TEXT_BYTES // 3 + 10)})
    assert response.status_code == 400
    data = response.json()
    assert "文字太长" in data["errors"]["text"][0]
    assert "100 KB" in data["errors"]["text"][0]


def test_a_100_kb_notice_is_accepted_even_sent_as_escaped_json(world, lists):
    """The limit is on the text (UTF-8), not on the body: "\\u79f8" escapes make it 2× longer."""
    paragraph = "请各乡镇于月底前完成辖区特种设备安全检查，并将检查台账报县市场监督管理局。\n"
    text = paragraph * (checker.MAX_TEXT_BYTES // len(paragraph.encode()))
    response = post(world.township_a.code, {"text": text}, ascii=True)
    assert response.status_code == 200
    assert response.json()["verdict"] == "reclaimed"


def test_an_unknown_township_is_404_with_a_chinese_message(world, lists):
    response = post("999999999", {"text": "秸秆禁烧巡查"})
    assert response.status_code == 404
    assert response.json()["detail"] == "没有代码为“999999999”的乡镇。"


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": None}, "text"),
        ({"text": ["秸秆禁烧巡查"]}, "text"),
        ({"text": "秸秆禁烧巡查", "township": "990101101"}, "township"),
        (["秸秆禁烧巡查"], "non_field_errors"),
    ],
    ids=["missing", "empty", "blank", "null", "list", "unknown-field", "not-an-object"],
)
def test_a_malformed_body_is_a_400_naming_the_field(world, lists, body, field):
    response = post(world.township_a.code, body)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_malformed_body_is_a_400_even_for_an_unknown_township(world):
    response = post("999999999", {"no_such_field": 1})
    assert response.status_code == 400
    assert "no_such_field" in response.json()["errors"]


def test_invalid_json_is_a_400(world, lists):
    response = post(world.township_a.code, b'{"text": ', raw=True)
    assert response.status_code == 400


def test_only_post_is_offered(world, lists):
    request = APIRequestFactory().get(f"/api/v1/townships/{world.township_a.code}/check/")
    response = TownshipCheckView.as_view()(request, version="v1", code=world.township_a.code)
    assert response.status_code == 405


def test_the_schema_documents_the_body_and_the_answer():
    import config.schema  # noqa: F401  (the token scheme)

    generator = SchemaGenerator(
        patterns=[path("api/v1/townships/<str:code>/check/", TownshipCheckView.as_view())]
    )
    schema = generator.get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/townships/{code}/check/"]["post"]
    components = schema["components"]["schemas"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = body.rsplit("/", 1)[1]
    assert components[body]["required"] == ["text"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    result = components[answer.rsplit("/", 1)[1]]
    assert set(result["properties"]) == {"verdict", "issuer", "tasks"}
    verdicts = json.dumps(components, ensure_ascii=False)
    for verdict in ("power", "territorial", "admission", "reclaimed", "unlisted"):
        assert verdict in verdicts
    assert operation["security"][-1] == {}  # anonymous allowed


@pytest.mark.parametrize("text", [0, 1.5, True])
def test_a_number_or_boolean_for_the_text_is_a_400_naming_it(world, lists, text):
    response = post(world.township_a.code, {"text": text})
    assert response.status_code == 400
    assert "text" in response.json()["errors"]
