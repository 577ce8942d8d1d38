"""REST API: OpenAPI schema, offline Swagger UI, token command, token and session auth."""

import datetime
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.api_helpers import SIGNED_IN, client_for, scene, url  # noqa: F401  (scene: fixture)

pytestmark = pytest.mark.django_db

CONTRACT_PATHS = [
    "/api/v1/counties/",
    "/api/v1/townships/",
    "/api/v1/departments/",
    "/api/v1/duty-items/",
    "/api/v1/townships/{code}/lists/",
    "/api/v1/delegations/",
    "/api/v1/delegations/{id}/submit/",
    "/api/v1/delegations/{id}/withdraw/",
    "/api/v1/delegations/{id}/opinion/",
    "/api/v1/delegations/{id}/decide/",
    "/api/v1/delegations/{id}/revoke/",
    "/api/v1/assignments/",
    "/api/v1/flags/",
    "/api/v1/flags/summary/",
]


def test_the_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target), "--validate", "--fail-on-warn")
    text = target.read_text()
    for path in CONTRACT_PATHS:
        assert f"  {path}:" in text, path


def test_the_schema_is_served_and_lists_every_contract_endpoint(db):
    response = APIClient().get(url("schema/?format=json"))
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(CONTRACT_PATHS) <= set(schema["paths"])
    assert {"cookieAuth", "tokenAuth"} <= set(schema["components"]["securitySchemes"])


def test_the_docs_page_loads_only_local_static_files(db):
    response = APIClient().get(url("docs/"))
    assert response.status_code == 200
    page = response.content.decode()
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", page)
    assert references, "the page loads Swagger UI"
    assert all(ref.startswith(("/static/", "/api/v1/docs/?script")) for ref in references), references
    assert "http://" not in page and "https://" not in page and "//cdn" not in page
    script = next(ref for ref in references if ref.endswith("swagger-ui-bundle.js"))
    assert APIClient().get(script).status_code == 200
    # No inline script (the Content-Security-Policy allows none): the start-up script is a file.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    start_up = APIClient().get(next(ref for ref in references if "?script" in ref))
    assert start_up["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in start_up.content.decode()


def test_create_api_token_prints_a_new_working_token_stored_only_hashed(world, capsys):
    call_command("create_api_token", "dept_a")
    first = capsys.readouterr().out.strip()
    call_command("create_api_token", "dept_a")
    second = capsys.readouterr().out.strip()
    assert first != second and len(first) == 64
    stored = AuthToken.objects.filter(user=world.dept_a_user)
    assert stored.count() == 2
    assert not stored.filter(digest__in=[first, second]).exists()  # only the hash is kept
    for key in (first, second):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert client.get(url("delegations/")).status_code == 200


def test_a_token_expires_after_the_days_given(world, capsys):
    call_command("create_api_token", "dept_a", "--days", "7")
    key = capsys.readouterr().out.strip()
    token = AuthToken.objects.get(user=world.dept_a_user)
    assert token.expiry - timezone.now() == pytest.approx(datetime.timedelta(days=7), abs=datetime.timedelta(minutes=1))
    AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(url("delegations/"))
    assert response.status_code == 401
    assert "过期" in response.json()["detail"]


def test_create_api_token_refuses_an_unknown_user(world):
    with pytest.raises(CommandError, match="nobody"):
        call_command("create_api_token", "nobody")


def test_a_script_authenticates_with_its_token(world):
    _token, key = AuthToken.objects.create(user=world.dept_a_user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(url("delegations/"))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "header",
    ["Token not-a-token", "Token " + "0" * 64, "Token", "Token a b", "Token \x00", "Token " + "a" * 5000,
     ],
)
def test_a_refused_token_is_a_401_in_chinese_even_on_public_endpoints(world, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    for path in ("delegations/", "counties/"):
        response = client.get(url(path))
        assert response.status_code == 401, (header, path, response.content)
        assert response["WWW-Authenticate"] == "Token"
        assert response.json()["detail"]
        assert re.search(r"[\u4e00-\u9fff]", response.json()["detail"])


def test_a_token_of_an_inactive_account_is_refused(world):
    _token, key = AuthToken.objects.create(user=world.dept_a_user)
    world.dept_a_user.is_active = False
    world.dept_a_user.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get(url("delegations/")).status_code == 401


def test_credentials_of_another_scheme_are_a_401_where_sign_in_is_needed(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer abc")
    assert client.get(url("delegations/")).status_code == 401
    assert client.get(url("counties/")).status_code == 200  # public: the header is not ours


def test_no_credentials_where_sign_in_is_needed_stays_a_403(world):
    response = APIClient().get(url("delegations/"))
    assert response.status_code == 403
    assert "WWW-Authenticate" not in response


def test_a_browser_session_authenticates(world):
    client = APIClient()
    client.force_login(world.township_a_user)
    assert client.get(url("flags/")).status_code == 200


def test_a_session_post_needs_the_csrf_token(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.dept_a_user)
    response = client.post(url("assignments/"), {}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def served_schema():
    response = APIClient().get(url("schema/?format=json"))
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_documents_the_errors_it_can_give_in_one_error_shape(db):
    schema = served_schema()
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        expected = {"401", "414", "503"}
        if "{" in path:
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"400", "413"}
        if method != "get":
            expected |= {"403", "409"}
        assert expected <= set(responses), (method, path, sorted(responses))
        for status, response in responses.items():
            if status.startswith(("4", "5")) and status != "414":
                assert response["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }, (method, path, status)


def test_page_parameters_state_their_minimum_and_query_values_may_be_empty(db):
    for path, method, operation in operations(served_schema()):
        parameters = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}
        if "limit" in parameters:
            assert parameters["limit"]["schema"]["minimum"] == 1
            assert parameters["offset"]["schema"]["minimum"] == 0
        assert all(p["allowEmptyValue"] for p in parameters.values()), path


@pytest.mark.parametrize("persona", ["office", "anonymous"])
def test_every_query_parameter_may_be_sent_empty(scene, persona):
    client = client_for(scene.w, persona)
    for path, method, operation in operations(served_schema()):
        if method != "get" or "{" in path:
            continue
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        response = client.get(path, {name: "" for name in names})
        assert response.status_code in (200, 403), (path, response.content[:300])


def body_operations(schema):
    for path, method, operation in operations(schema):
        if "requestBody" in operation:
            yield path, method, operation


def test_request_bodies_are_closed_and_the_api_refuses_unknown_fields(scene):
    """What the schema says (additionalProperties: false) is what the API does: for each
    operation with a body, the persona allowed to post it gets a 400 naming the unknown field."""
    schema = served_schema()
    components = schema["components"]["schemas"]
    bodies = list(body_operations(schema))
    assert bodies
    for path, method, operation in bodies:
        for media in operation["requestBody"]["content"].values():
            name = media["schema"]["$ref"].rsplit("/", 1)[1]
            assert components[name]["additionalProperties"] is False, name
        target = path.replace("{id}", str(scene.del_a_sub.pk))
        refusals = []
        for persona in SIGNED_IN:
            response = client_for(scene.w, persona).generic(
                method.upper(), target, '{"no_such_field": 1}', content_type="application/json"
            )
            assert response.status_code >= 400, (persona, path, response.content[:300])
            if response.status_code == 400:
                refusals.append(response.json()["errors"])
        assert any("no_such_field" in errors for errors in refusals), (path, refusals)
