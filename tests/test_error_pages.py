import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=False)
def test_a_page_the_user_may_not_open_gives_the_403_page_in_chinese(client, world):
    client.force_login(world.township_a_user)
    response = client.get("/dashboard/")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
