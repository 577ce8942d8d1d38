"""Error pages: Chinese, never a bare 500 for what is not a bug."""

import json

import pytest
from django.db import OperationalError
from django.test import override_settings

from config.views import server_error

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=False)
def test_a_page_the_user_may_not_open_gives_the_403_page_in_chinese(client, world):
    client.force_login(world.township_a_user)
    response = client.get("/dashboard/")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def raised(exception, view, request):
    try:
        raise exception
    except type(exception):
        return view(request)


@pytest.mark.parametrize(
    "message", ["database is locked", "database table is locked"]
)
def test_a_busy_database_is_a_503_page_in_chinese_with_retry_after(rf, message):
    response = raised(OperationalError(message), server_error, rf.get("/requests/"))
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "请稍后重试" in response.content.decode()


def test_a_busy_database_under_the_api_is_a_503_in_json(rf):
    response = raised(OperationalError("database is locked"), server_error, rf.get("/api/v1/delegations/"))
    assert response.status_code == 503
    assert json.loads(response.content)["code"] == "busy"


def test_any_other_database_error_stays_a_server_error(rf):
    response = raised(OperationalError("no such column: x"), server_error, rf.get("/api/v1/delegations/"))
    assert response.status_code == 500
    assert json.loads(response.content)["detail"] == "服务器错误。"
