"""The public pages and the task checker against the demo county (云岭县 999001).

The demo is loaded once for the module inside a transaction that is rolled back at the end,
so the other test modules never see it."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from duties import checker
from townships.models import Township

DEMO_TOWNSHIP = "999001101"  # 青石镇


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("load_demo", verbosity=0)
            checker.clear_cache()
            yield Township.objects.select_related("county").get(code=DEMO_TOWNSHIP)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            checker.clear_cache()


@pytest.fixture
def township(demo, db):
    return demo


# Task titles a township receives, with the verdict the demo lists call for and the item.
TASKS = [
    ("开展辖区燃气安全隐患排查整治", "territorial", "QT004"),
    ("秸秆禁烧巡查", "territorial", "QT002"),
    ("特种设备安全检查", "reclaimed", "JC004"),
    ("最低生活保障审核确认", "power", "JF001"),
    ("特困人员救助供养审核", "power", "JF002"),
    ("高龄津贴申请受理", "power", "JF005"),
    ("农村供水工程日常管护", "admission", "GG009"),
    ("高标准农田建后管护", "admission", "GG010"),
    ("农村公益性公墓管理", "admission", "GG040"),
    ("城乡居民医保参保登记代办", "admission", "GG002"),
    ("退役军人信息采集和走访慰问", "admission", "GG006"),
    ("森林防火巡查", "territorial", "QT001"),
    ("地质灾害隐患点巡查监测", "territorial", "QT006"),
    ("违法用地违法建设巡查", "territorial", "QT007"),
    ("河道日常巡查保洁", "territorial", "QT008"),
    ("动物疫病春秋两季集中免疫", "territorial", "QT010"),
    ("九小场所消防安全巡查", "territorial", "QT015"),
    ("危险化学品企业执法检查", "reclaimed", "JC021"),
    ("建设工程质量安全监督检查", "reclaimed", "JC007"),
    ("排污单位现场检查", "reclaimed", "JC009"),
    ("生猪屠宰监督检查", "reclaimed", "JC011"),
    ("燃气经营许可证核发", "reclaimed", "XK012"),
    ("医疗机构执业监督检查", "reclaimed", "JC013"),
    ("农村宅基地审批", "power", "XK002"),
    ("对露天焚烧秸秆的处罚", "power", "CF003"),
    ("村民委员会选举指导", "power", "QL001"),
    ("就业失业登记", "power", "GG003"),
    ("信访事项办理", "power", "QL023"),
    ("创建国家卫生城市迎检材料报送", "none", None),
    ("招商引资项目签约任务", "none", None),
    ("开展全国经济普查入户登记", "none", None),
    ("校外培训机构专项整治", "none", None),
]


@pytest.mark.parametrize("title, verdict, code", TASKS, ids=[t[0] for t in TASKS])
def test_demo_task_titles_get_the_verdict_of_their_list(township, title, verdict, code):
    result = checker.check(township, title)
    assert result.verdict == verdict, [(m.entry.item.code, round(m.score, 2)) for m in result.matches[:3]]
    if code:
        assert result.best.entry.item.code == code


def test_the_demo_township_page_shows_the_four_lists(client, township):
    url = reverse("pages:township", args=[township.code])
    response = client.get(url)
    assert response.status_code == 200
    counts = {tab["kind"]: tab["count"] for tab in response.context["tabs"]}
    assert all(counts[kind] > 0 for kind in ("power", "territorial", "admission", "reclaimed"))
    expected = {
        "power": "最低生活保障审核确认",
        "territorial": "城镇燃气安全管理",
        "admission": "农村供水工程日常管护",
        "reclaimed": "特种设备安全监督检查",
    }
    for kind, name in expected.items():
        html = client.get(url, {"list": kind}).content.decode()
        assert name in html
    assert "青石镇" in response.content.decode()


def test_the_demo_township_page_searches_and_filters(client, township):
    url = reverse("pages:township", args=[township.code])
    response = client.get(url, {"list": "territorial", "q": "燃气"})
    assert [e.item.code for e in response.context["entries"]] == ["QT004"]
    response = client.get(url, {"list": "power", "category": "payment"})
    entries = response.context["entries"]
    assert entries and all(e.item.category == "payment" for e in entries)
    assert "JF001" in [e.item.code for e in entries]


def test_the_demo_county_page_lists_its_townships(client, township):
    response = client.get(reverse("pages:county", args=[township.county.code]))
    assert response.status_code == 200
    assert len(response.context["rows"]) == 14
