"""The notice checker against the demo county (云岭县), where issue 13 was seen: a notice's
"现将有关事项通知如下" matched 信访事项受理、办理 (QL023, power list) on the word 事项, and the
report was prefilled with 信访局."""

import pytest

from duties import notice_check
from duties.notice_check import TERRITORIAL, UNLISTED
from tests.test_public_demo import TASKS, demo  # noqa: F401  (demo: the module-scoped county)

ISSUE_NOTICE = """关于做好2026年全国文明城市创建迎检工作的通知

各乡镇人民政府、街道办事处：
    为确保我县顺利通过2026年全国文明城市创建测评，经县委、县政府研究同意，决定开展创建迎检专项行动。现将有关事项通知如下：
    一、组织志愿者在主要路口开展文明交通劝导。
    二、报送创建工作台账和迎检资料。
    三、开展“文明家庭”评选表彰。
    其他未尽事项另行通知。
    联系人：陈红，电话：0871-6456789。

县城管局
2026年5月12日
"""

FLOOD_NOTICE = """关于开展2026年汛期安全隐患排查整治工作的通知

各乡镇人民政府、街道办事处，县直有关单位：
    为切实做好2026年汛期安全防范工作，根据上级有关要求，现将有关事项通知如下：
    一、开展地质灾害隐患点巡查。各乡镇要对辖区地质灾害隐患点开展汛期巡查，落实监测责任人。
    二、做好防汛值班值守。严格执行24小时值班和领导带班制度。
    三、开展燃气安全隐患排查。对辖区餐饮场所燃气使用情况进行检查。
    四、工作要求
    （一）加强组织领导。各乡镇要高度重视。
    （二）及时报送信息。请各乡镇于6月10日前将排查情况报县应急管理局。
    附件：1.汛期安全隐患排查表
          2.联系人回执
    联系人：张三  电话：0871-1234567

县应急局
2026年5月20日

抄送：县委办，县政府办，县信访局。
云岭县应急管理局办公室    2026年5月20日印发
"""


@pytest.fixture
def township(demo, db):  # noqa: F811
    return demo


def test_the_boilerplate_of_the_issue_notice_no_longer_matches_the_petition_item(township):
    result = notice_check.check_notice(township, ISSUE_NOTICE)
    assert [t.verdict for t in result.tasks] == [UNLISTED, UNLISTED, UNLISTED]
    assert result.verdict == UNLISTED
    assert all(m.entry.item.code != "QL023" for t in result.tasks for m in t.matches)
    assert result.issuer.code == "CGJ"  # 县城管局: an alias, not 信访局


def test_a_demo_notice_gets_its_tasks_and_the_issuer_of_its_signature(township):
    result = notice_check.check_notice(township, FLOOD_NOTICE)
    assert [(t.verdict, t.best.entry.item.code if t.best else None) for t in result.tasks] == [
        (TERRITORIAL, "QT006"), (UNLISTED, None), (TERRITORIAL, "QT004"),
    ]
    assert result.verdict == UNLISTED
    assert result.issuer.code == "YJJ"  # the signature, not the 抄送 line's 信访局


@pytest.mark.parametrize("title, verdict, code", TASKS, ids=[t[0] for t in TASKS])
def test_demo_task_titles_get_the_same_verdict_as_one_task_notices(township, title, verdict, code):
    result = notice_check.check_notice(township, title)
    expected = UNLISTED if verdict == "none" else verdict
    scores = [(m.entry.item.code, round(m.score, 2)) for m in result.tasks[0].matches]
    assert result.verdict == expected, scores
    if code:
        assert result.tasks[0].best.entry.item.code == code
