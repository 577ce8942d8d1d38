"""“Is this task on my list?”: verdicts for realistic task titles, long notices, the input
limit, the page and the report of pushed work."""

import datetime

import pytest
from django.urls import reverse

from delegations.flags import FlagQuery
from delegations.models import Assignment
from duties import checker
from duties.models import ListKind
from tests.factories import ListEntryFactory, TownshipFactory
from tests.factories_public import sample_lists

POWER, TERRITORIAL, ADMISSION, RECLAIMED, NONE = (
    checker.VERDICT_POWER,
    checker.VERDICT_TERRITORIAL,
    checker.VERDICT_ADMISSION,
    checker.VERDICT_RECLAIMED,
    checker.VERDICT_NONE,
)

# Task titles as townships receive them, with the verdict the sample lists call for.
TASKS = [
    ("开展辖区燃气安全隐患排查整治", TERRITORIAL, "T001"),
    ("秸秆禁烧巡查", TERRITORIAL, "T002"),
    ("特种设备安全检查", RECLAIMED, "R001"),
    ("农村公路日常养护", ADMISSION, "A001"),
    ("最低生活保障申请初审", POWER, "P003"),
    ("农村宅基地申请审核", POWER, "P002"),
    ("乡村建设规划许可证核发", POWER, "P001"),
    ("河道非法采砂巡查", TERRITORIAL, "T003"),
    ("食品生产企业许可现场核查", RECLAIMED, "R003"),
    ("建设项目环评文件审批", RECLAIMED, "R002"),
    ("春季重大动物疫病集中免疫", TERRITORIAL, "T004"),
    ("高龄津贴申请受理", ADMISSION, "A002"),
    ("地质灾害隐患点汛期巡查", POWER, "P009"),
    ("森林防火巡查", TERRITORIAL, "T006"),
    ("特困人员救助供养审核", POWER, "P004"),
    ("组织适龄青年兵役登记", POWER, "P007"),
    ("民间纠纷调解", POWER, "P008"),
    ("房屋建筑工程质量安全监督检查", RECLAIMED, "R004"),
    ("消防安全隐患排查", TERRITORIAL, "T007"),
    ("残疾人两项补贴初审", POWER, "P006"),
    ("生猪屠宰检疫", RECLAIMED, "R005"),
    ("药品零售企业监督检查", RECLAIMED, "R006"),
    ("耕地保护网格化巡查", ADMISSION, "A003"),
    ("开展全国经济普查入户登记", NONE, None),
    ("招商引资项目签约任务", NONE, None),
    ("创建国家卫生城市迎检材料报送", NONE, None),
    ("组织开展全民健身运动会", NONE, None),
    ("校外培训机构专项整治", NONE, None),
]


@pytest.fixture
def lists(world):
    checker.clear_cache()
    return sample_lists(world.county)


@pytest.mark.parametrize("title, verdict, code", TASKS, ids=[t[0] for t in TASKS])
def test_realistic_task_titles_get_the_verdict_of_their_list(world, lists, title, verdict, code):
    result = checker.check(world.township_a, title)
    assert result.verdict == verdict, [(m.entry.item.name, round(m.score, 2)) for m in result.matches]
    if code:
        assert result.best.entry.item.code == code


def test_the_checker_shows_best_matches_with_scores_best_first(world, lists):
    result = checker.check(world.township_a, "秸秆禁烧巡查")
    scores = [m.score for m in result.matches]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 1 for s in scores)
    assert 1 < len(result.matches) <= checker.TOP_N
    assert "秸秆" in result.best.terms


def test_a_long_notice_is_matched_sentence_by_sentence(world, lists):
    notice = (
        "关于做好今年秋冬季安全生产工作的通知\n各乡镇人民政府：\n"
        "为切实做好秋冬季各项工作，现将有关事项通知如下。"
        "一、各乡镇要高度重视，加强组织领导，层层压实责任，确保各项工作落到实处。" * 20
        + "二、请各乡镇于本月底前完成辖区内特种设备安全检查，并将检查台账报县局。"
        + "三、其他未尽事宜另行通知。" * 10
    )
    result = checker.check(world.township_a, notice)
    assert result.segments > 3
    assert result.verdict == RECLAIMED
    assert result.best.entry.item.code == "R001"
    assert "特种设备" in result.best.segment


def test_a_100_kb_notice_is_handled(world, lists):
    sentence = "请各乡镇认真落实秸秆禁烧巡查工作，发现火点及时处置。各村要加强宣传，营造良好氛围。"
    notice = (sentence * (checker.MAX_TEXT_BYTES // len(sentence.encode())))[: 34000]
    assert 90 * 1024 < checker.text_bytes(notice) <= checker.MAX_TEXT_BYTES
    result = checker.check(world.township_a, notice)
    assert result.verdict == TERRITORIAL


def test_a_text_above_the_limit_is_refused(world, lists):
    text = "秸" * (checker.MAX_TEXT_BYTES // 3 + 1)
    with pytest.raises(checker.TextTooLong):
        checker.check(world.township_a, text)


def test_the_checker_follows_a_change_of_the_lists(world, lists):
    assert checker.check(world.township_a, "城市内涝积水点巡查").verdict == NONE
    ListEntryFactory(
        item__county=world.county, item__name="城市内涝积水点巡查", kind=ListKind.POWER
    )
    assert checker.check(world.township_a, "城市内涝积水点巡查").verdict == POWER


def test_the_checker_ignores_other_townships_and_unpublished_entries(world, lists):
    ListEntryFactory(
        item__county=world.county, item__name="城市内涝积水点巡查", townships=[world.township_b]
    )
    ListEntryFactory(item__county=world.county, item__name="城市内涝积水点处置", status="draft")
    assert checker.check(world.township_a, "城市内涝积水点巡查").verdict == NONE
    assert checker.check(world.township_b, "城市内涝积水点巡查").verdict == POWER


def test_the_checker_page_shows_verdict_and_matches(client, world, lists):
    url = reverse("pages:township_check", args=[world.township_a.code])
    response = client.post(url, {"text": "秸秆禁烧巡查"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-verdict="territorial"' in html
    assert "开展秸秆禁烧巡查，发现焚烧行为及时劝阻制止并报告" in html  # the township's share
    assert "负责秸秆禁烧监督管理和行政执法" in html  # the department's duty
    assert "%" in html


def test_the_checker_page_handles_a_100_kb_notice(client, world, lists):
    url = reverse("pages:township_check", args=[world.township_a.code])
    notice = ("请于月底前完成辖区特种设备安全检查并报送台账。" * 5000)[: 34000]
    assert checker.text_bytes(notice) <= checker.MAX_TEXT_BYTES
    response = client.post(url, {"text": notice})
    assert response.status_code == 200
    assert 'data-verdict="reclaimed"' in response.content.decode()


def test_the_checker_page_refuses_a_text_above_the_limit_with_a_message(client, world, lists):
    url = reverse("pages:township_check", args=[world.township_a.code])
    response = client.post(url, {"text": "秸" * (checker.MAX_TEXT_BYTES // 3 + 10)})
    assert response.status_code == 400
    assert response.context["form"].errors["text"][0].startswith(
        "The text is too long"
    ) or "KB" in response.context["form"].errors["text"][0]
    assert response.context["result"] is None


def test_the_checker_page_escapes_the_pasted_text(client, world, lists):
    url = reverse("pages:township_check", args=[world.township_a.code])
    response = client.post(url, {"text": "<script>alert(1)</script>秸秆禁烧巡查"})
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_an_unknown_township_checker_is_404(client, world):
    response = client.get(reverse("pages:township_check", args=["999999999"]))
    assert response.status_code == 404


def test_the_report_form_is_offered_to_the_township_user_only(client, world, lists):
    url = reverse("pages:township_check", args=[world.township_a.code])
    assert client.post(url, {"text": "特种设备安全检查"}).context["report_form"] is None
    client.force_login(world.township_b_user)
    assert client.post(url, {"text": "特种设备安全检查"}).context["report_form"] is None
    client.force_login(world.township_a_user)
    form = client.post(url, {"text": "特种设备安全检查"}).context["report_form"]
    assert form is not None
    assert form.initial["duty_item"] == "R001"
    assert form.initial["department"] == "SCJ"
    assert form.initial["title"] == "特种设备安全检查"


def _report(client, world, **data):
    payload = {
        "department": "SCJ",
        "title": "特种设备安全检查",
        "channel": Assignment.Channel.NOTICE,
        "responsibility": Assignment.Responsibility.MAIN,
        "document_no": "示市监〔2025〕8号",
        "assigned_on": "2025-05-06",
        "duty_item": "R001",
        "description": "",
        **data,
    }
    return client.post(reverse("pages:township_report", args=[world.township_a.code]), payload)


def test_a_report_records_an_assignment_reported_by_the_township(client, world, lists):
    client.force_login(world.township_a_user)
    response = _report(client, world)
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert assignment.recorded_by == Assignment.RecordedBy.TOWNSHIP
    assert assignment.reporting_township == world.township_a
    assert list(assignment.townships.all()) == [world.township_a]
    assert assignment.department.code == "SCJ"
    assert assignment.duty_item.code == "R001"
    assert assignment.document_no == "示市监〔2025〕8号"
    assert assignment.assigned_on == datetime.date(2025, 5, 6)
    assert assignment.created_by == world.township_a_user


def test_a_report_of_a_reclaimed_item_raises_the_reclaimed_flag(client, world, lists):
    client.force_login(world.township_a_user)
    response = _report(client, world)
    assignment = Assignment.objects.get()
    found = [f for f in FlagQuery(township=world.township_a) if f.assignment == assignment.pk]
    assert "RECLAIMED_ITEM_ASSIGNED" in {f.rule for f in found}
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "RECLAIMED_ITEM_ASSIGNED" in {f.rule for f in page.context["flags"]}


def test_a_report_of_an_unlisted_task_raises_the_unlisted_flag(client, world, lists):
    client.force_login(world.township_a_user)
    result = checker.check(world.township_a, "创建国家卫生城市迎检材料报送")
    assert result.verdict == NONE
    _report(client, world, title=result.text, duty_item="", department="WJJ", channel="assessment")
    assignment = Assignment.objects.get()
    rules = {
        f.rule for f in FlagQuery(township=world.township_a) if f.assignment == assignment.pk
    }
    assert "UNLISTED_ASSIGNMENT" in rules


def test_a_report_of_main_duty_on_a_territorial_item_raises_main_duty_shifted(client, world, lists):
    client.force_login(world.township_a_user)
    _report(client, world, title="燃气安全隐患排查整治", duty_item="T001", department="ZJJ")
    assignment = Assignment.objects.get()
    rules = {
        f.rule for f in FlagQuery(township=world.township_a) if f.assignment == assignment.pk
    }
    assert "MAIN_DUTY_SHIFTED" in rules


def test_another_township_user_cannot_report_for_this_township(client, world, lists):
    client.force_login(world.township_b_user)
    response = _report(client, world)
    assert response.status_code == 403
    assert not Assignment.objects.exists()


def test_the_public_is_sent_to_log_in_before_reporting(client, world, lists):
    response = _report(client, world)
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert not Assignment.objects.exists()


def test_a_report_with_a_malformed_date_is_refused_with_a_message(client, world, lists):
    client.force_login(world.township_a_user)
    response = _report(client, world, assigned_on="2025-13-45")
    assert response.status_code == 400
    assert response.context["form"].errors["assigned_on"]
    assert not Assignment.objects.exists()


def test_a_report_with_an_unknown_item_code_is_refused(client, world, lists):
    client.force_login(world.township_a_user)
    response = _report(client, world, duty_item="NOPE")
    assert response.status_code == 400
    assert response.context["form"].errors["duty_item"]


def test_the_index_is_cached_per_township_and_data_version(world, lists, django_assert_max_num_queries):
    checker.check(world.township_a, "秸秆禁烧巡查")
    with django_assert_max_num_queries(1):
        checker.check(world.township_a, "特种设备安全检查")


def test_other_townships_do_not_share_an_index(world, lists):
    other = TownshipFactory(county=world.county)
    assert checker.index_for(other) is not checker.index_for(world.township_a)


def test_a_short_check_can_be_linked_with_get(client, world, lists):
    url = reverse("pages:township_check", args=[world.township_a.code])
    response = client.get(url, {"text": "特种设备安全检查"})
    assert response.status_code == 200
    assert response.context["result"].verdict == RECLAIMED
    assert client.get(url).context["result"] is None
    assert client.get(url, {"text": ""}).status_code == 400
