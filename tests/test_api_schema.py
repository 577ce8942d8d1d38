"""REST API: OpenAPI schema, offline Swagger UI, token command, token and session auth."""

import re

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api_helpers import url

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
    assert all(ref.startswith("/static/") for ref in references), references
    assert "http://" not in page and "https://" not in page and "//cdn" not in page
    assert "/api/v1/schema/" in page
    script = next(ref for ref in references if ref.endswith("swagger-ui-bundle.js"))
    assert APIClient().get(script).status_code == 200


def test_create_api_token_prints_the_same_token_each_time(world, capsys):
    call_command("create_api_token", "dept_a")
    first = capsys.readouterr().out.strip()
    call_command("create_api_token", "dept_a")
    assert capsys.readouterr().out.strip() == first
    assert Token.objects.get(user=world.dept_a_user).key == first


def test_create_api_token_refuses_an_unknown_user(world):
    with pytest.raises(CommandError, match="nobody"):
        call_command("create_api_token", "nobody")


def test_a_script_authenticates_with_its_token(world):
    key = Token.objects.create(user=world.dept_a_user).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.get(url("delegations/"))
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get(url("delegations/")).status_code in (401, 403)


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
