"""The township's checker page and the mounted API read a whole notice task by task, and the
report form is prefilled with the department that issued the notice."""

import pytest
from django.urls import reverse

from duties import checker
from tests.factories_public import sample_lists
from tests.test_notice_checker import NOTICES

pytestmark = pytest.mark.django_db

FLOOD_NOTICE = NOTICES[0][1]  # issued by 示范县应急管理局 (YJJ), one unlisted task


@pytest.fixture
def lists(world):
    checker.clear_cache()
    return sample_lists(world.county)


def test_the_page_shows_a_verdict_per_task_of_a_whole_notice(client, world, lists):
    url = reverse("pages:township_check", args=[world.township_a.code])
    response = client.post(url, {"text": FLOOD_NOTICE})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-verdict="unlisted"' in page  # the notice's verdict: the worst task
    assert page.count('<tr data-verdict="') == 5
    assert 'data-issuer="YJJ"' in page
    assert "信访" not in page


def test_the_report_is_prefilled_with_the_notice_issuer_and_heading(client, world, lists):
    client.force_login(world.township_a_user)
    url = reverse("pages:township_check", args=[world.township_a.code])
    response = client.post(url, {"text": FLOOD_NOTICE})
    initial = response.context["report_form"].initial
    assert initial["department"] == "YJJ"
    assert initial["title"] == "关于开展2026年汛期安全隐患排查整治工作的通知"
    assert initial["duty_item"] == ""  # the worst task is on no list


def test_the_check_endpoint_is_served_under_the_api(client, world, lists):
    response = client.post(
        f"/api/v1/townships/{world.township_a.code}/check/",
        {"text": FLOOD_NOTICE},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "unlisted"
    assert body["issuer"]["code"] == "YJJ"
    assert [task["verdict"] for task in body["tasks"]] == [
        "power", "power", "territorial", "power", "unlisted"
    ]
