"""“Is this notice's work on my lists?”: whole notices written as county departments write
them — heading, addressees, opening, numbered tasks, requirements, closing, contact,
signature, date, imprint — split into tasks with a verdict each, the notice's verdict the
worst of them, and the issuer found among the county's departments."""

import pytest

from duties import checker, notice_check, notices
from duties.notice_check import ADMISSION, POWER, RECLAIMED, TERRITORIAL, UNLISTED
from tests.factories import DepartmentFactory, ListEntryFactory
from tests.factories_public import sample_lists
from tests.test_checker import TASKS
from townships.models import DepartmentAlias

# (name, notice text, issuer code or None, [(a phrase of the task, verdict, item code)])
NOTICES = [
    (
        "flood_season_safety",
        """关于开展2026年汛期安全隐患排查整治工作的通知

各乡镇人民政府、街道办事处，县直有关单位：
    为切实做好2026年汛期安全防范工作，有效防范和遏制各类事故发生，根据省、市有关要求，经县人民政府同意，现将有关事项通知如下：
    一、开展地质灾害隐患点汛期巡查。各乡镇要组织群测群防员对辖区地质灾害隐患点开展汛期巡查监测，发现险情立即组织群众转移避险。
    二、开展小微企业安全生产监督检查。对辖区小微企业、小作坊、小场所逐一开展安全生产检查，建立问题隐患清单。
    三、开展燃气安全隐患排查整治。对辖区餐饮场所、农村集中供气点燃气使用安全开展排查，督促整改。
    四、做好防汛抗旱组织指挥和抢险救灾准备。落实防汛责任人，储备抢险物资，组织开展防汛应急演练。
    五、每周统计上报辖区企业复工复产和用工数据。
    请各乡镇于6月10日前将排查整治情况报县应急管理局。
    联系人：李明    联系电话：0871-6123456

示范县应急管理局
2026年5月20日
""",
        "YJJ",
        [
            ("地质灾害隐患点汛期巡查", POWER, "P009"),
            ("小微企业安全生产监督检查", POWER, "P012"),
            ("燃气安全隐患排查整治", TERRITORIAL, "T001"),
            ("防汛抗旱组织指挥", POWER, "P011"),
            ("复工复产和用工数据", UNLISTED, None),
        ],
    ),
    (
        "spring_animal_immunisation",
        """示范县农业农村局关于做好2026年春季重大动物疫病集中免疫工作的通知

各乡镇人民政府：
    根据《中华人民共和国动物防疫法》和省农业农村厅工作部署，为做好我县2026年春季重大动物疫病防控工作，现就有关事项通知如下：
    一、主要任务
    （一）组织开展春季集中免疫。各乡镇要组织村级防疫员对辖区存栏畜禽开展重大动物疫病强制免疫，做到应免尽免。
    （二）做好生猪屠宰检疫。各乡镇要安排专人负责辖区生猪定点屠宰场的屠宰检疫，出具检疫证明。
    （三）开展病死畜禽无害化处理收集转运。建立收集点，做好病死畜禽的收集、暂存和转运。
    二、工作要求
    （一）加强组织领导。各乡镇要高度重视，主要负责同志亲自抓。
    （二）及时报送信息。请各乡镇于每月5日前将免疫进度报县农业农村局畜牧兽医股。
    特此通知。

示范县农业农村局
2026年3月2日
（此件公开发布）
""",
        "NYJ",
        [
            ("春季集中免疫", TERRITORIAL, "T004"),
            ("生猪屠宰检疫", RECLAIMED, "R005"),
            ("病死畜禽无害化处理", UNLISTED, None),
        ],
    ),
    (
        "special_equipment_and_drugs",
        """示市监〔2026〕8号

关于开展特种设备和药品安全专项检查的通知

各乡镇（街道）：
    为进一步加强我县特种设备和药品安全监管，现将有关工作通知如下：
    1. 开展辖区特种设备安全检查。重点检查电梯、锅炉、压力容器使用单位的使用登记和定期检验情况。
    2. 组织开展药品零售企业监督检查。对辖区药店的药品购进、储存、销售记录进行检查。
    3. 协助开展食品安全宣传。利用赶集日、村广播宣传食品安全知识，发现问题线索及时报告。
    4. 开展电动自行车销售门店产品质量抽查。
    各乡镇要高度重视，于4月30日前完成检查并将检查台账报县市场监督管理局。

县市场监督管理局
2026年4月1日
""",
        "SCJ",
        [
            ("特种设备安全检查", RECLAIMED, "R001"),
            ("药品零售企业监督检查", RECLAIMED, "R006"),
            ("食品安全宣传", TERRITORIAL, "T005"),
            ("电动自行车", UNLISTED, None),
        ],
    ),
    (
        "social_assistance_imprint_only",
        """关于做好2026年度社会救助工作的通知

各乡镇人民政府、街道办事处：
    为进一步做好我县社会救助工作，切实保障困难群众基本生活，现将有关事项通知如下：
    一、做好最低生活保障申请受理和初审。对申请低保的家庭，乡镇要在规定时限内完成入户调查和初审。
    二、做好特困人员救助供养申请审核。
    三、做好高龄津贴申请受理。对年满80周岁的老年人及时受理高龄津贴申请。
    四、开展困难群众春节走访慰问，建立走访台账。
    请遵照执行。

抄送：县人民政府办公室，县财政局，县残疾人联合会。
示范县民政局办公室          2026年1月8日印发
""",
        "MZJ",
        [
            ("最低生活保障", POWER, "P003"),
            ("特困人员救助供养", POWER, "P004"),
            ("高龄津贴", ADMISSION, "A002"),
            ("走访慰问", UNLISTED, None),
        ],
    ),
    (
        "rural_building_and_farmland",
        """县自然资源局关于加强农村建房和耕地保护管理的通知

各乡镇人民政府：
    当前正值农村建房高峰期，为规范农村建房秩序，严守耕地保护红线，现就有关事项通知如下：
    （一）做好乡村建设规划许可证核发。对村民建房申请，乡镇要严格审查后核发乡村建设规划许可证。
    （二）对违反村庄规划擅自建设的行为依法予以处罚。
    （三）开展耕地保护网格化巡查，落实网格员巡查责任。
    （四）加强违法用地和违法建设治理，巡查发现违法用地行为及时制止并报告。
    （五）做好第三次全国国土调查成果年度变更调查数据核实。
    以上工作请各乡镇认真抓好落实。

示范县自然资源局
2026年4月15日
""",
        "ZRJ",
        [
            ("乡村建设规划许可证", POWER, "P001"),
            ("擅自建设", POWER, "P010"),
            ("耕地保护网格化巡查", ADMISSION, "A003"),
            ("违法用地和违法建设", TERRITORIAL, "T008"),
            ("国土调查", UNLISTED, None),
        ],
    ),
    (
        "straw_burning",
        """关于做好2026年夏季秸秆禁烧和综合利用工作的通知

各乡镇人民政府，县直有关单位：
    夏收在即，为切实做好秸秆禁烧工作，改善大气环境质量，现将有关事项通知如下：
    一、开展秸秆禁烧巡查。夏收期间，各乡镇要组织网格员对辖区农田开展全天候巡查，发现焚烧行为及时劝阻制止。
    二、做好辖区建设项目环境影响评价文件审批，对养殖场、砖厂等建设项目的环评文件进行审批。
    三、开展农村生活污水处理设施运行维护。
    特此通知。

示范县生态环境局
2026年5月25日
""",
        "STJ",
        [
            ("秸秆禁烧巡查", TERRITORIAL, "T002"),
            ("环境影响评价文件审批", RECLAIMED, "R002"),
            ("生活污水", UNLISTED, None),
        ],
    ),
    (
        "rivers_joint_notice",
        """示范县水利局 示范县应急管理局关于做好2026年河湖管护和防汛工作的通知

各乡镇人民政府：
    根据县委、县政府工作部署，现将2026年河湖管护和防汛有关工作通知如下：
    1、落实河长制，开展河湖日常巡查保洁，及时清理河道垃圾。
    2、开展河道非法采砂巡查，发现非法采砂行为及时报告县水利局。
    3、做好防汛抗旱组织指挥和抢险救灾，汛期实行24小时值班。
    请各乡镇结合实际认真贯彻执行。

示范县水利局          示范县应急管理局
2026年5月10日
""",
        "SLJ",
        [
            ("河湖日常巡查保洁", TERRITORIAL, "T009"),
            ("非法采砂巡查", TERRITORIAL, "T003"),
            ("防汛抗旱组织指挥", POWER, "P011"),
        ],
    ),
    (
        "construction_masthead",
        """示范县住房和城乡建设局文件

示住建〔2026〕15号

关于开展2026年城乡建设领域安全隐患大排查的通知

各乡镇人民政府、街道办事处：
    为深刻汲取近期事故教训，现将有关事项通知如下：
    一、排查重点
    （一）农村危房改造申请受理。对辖区农户危房改造申请及时受理，并组织初步核查。
    （二）房屋建筑工程质量安全监督检查。对辖区在建房屋建筑工程开展质量安全监督检查。
    （三）燃气安全宣传和日常巡查。
    （四）城市内涝积水点巡查，汛期每日巡查不少于一次。
    二、工作要求
    各乡镇要压实属地责任，建立排查整治台账，于6月30日前将排查情况报县住房和城乡建设局。
    联系人：王芳，电话：0871-6234567。

2026年5月18日
""",
        "ZJJ",
        [
            ("农村危房改造", POWER, "P013"),
            ("房屋建筑工程质量安全", RECLAIMED, "R004"),
            ("燃气安全宣传", TERRITORIAL, "T001"),
            ("内涝积水点", UNLISTED, None),
        ],
    ),
    (
        "health_county_review_alias",
        """关于做好国家卫生县城复审迎检工作的通知

各乡镇（街道），县直各部门：
    2026年国家卫生县城复审工作即将开始，为确保我县顺利通过复审，经县爱国卫生运动委员会研究，现将有关事项通知如下：
    一、报送创建国家卫生城市迎检材料。各乡镇按照复审标准整理迎检资料，5月31日前报送县爱卫办。
    二、开展职业病危害因素检测。对辖区企业作业场所职业病危害因素开展检测。
    三、组织开展全民健身运动会，营造全民参与的良好氛围。
    特此通知。

县卫健局
2026年5月6日
""",
        "WJJ",
        [
            ("迎检材料", UNLISTED, None),
            ("职业病危害因素检测", RECLAIMED, "R007"),
            ("全民健身运动会", UNLISTED, None),
        ],
    ),
    (
        "disputes_arabic_numbers",
        """县司法局关于开展矛盾纠纷排查化解专项行动的通知

各乡镇人民政府、街道办事处：
    为维护社会和谐稳定，县司法局决定在全县开展矛盾纠纷排查化解专项行动。现将有关事项通知如下：
    1.开展民间纠纷人民调解。各乡镇人民调解委员会要对排查出的婚姻家庭、邻里、土地等民间纠纷及时调解。
    2.开展社区矫正对象每月走访。
    3.开展“八五”普法宣传进村入户活动。
    联系人：赵强，联系电话：0871-6345678。

示范县司法局
2026年6月3日
""",
        "SFJ",
        [
            ("民间纠纷人民调解", POWER, "P008"),
            ("社区矫正", UNLISTED, None),
            ("普法宣传", UNLISTED, None),
        ],
    ),
    (
        "fire_prevention_plain_sentences",
        """关于做好今冬明春火灾防控工作的通知

各乡镇人民政府：
    今冬明春是火灾高发期，为有效防范火灾事故，请各乡镇开展辖区消防安全隐患排查，督促整改到位。同时，各乡镇要开展森林防火宣传和野外用火巡查，发现火情及时报告并组织先期处置。请于12月31日前将排查情况报县消防救援大队。
    特此通知。

示范县消防救援大队
2025年11月20日
""",
        "XFJ",
        [
            ("消防安全隐患排查", TERRITORIAL, "T007"),
            ("森林防火宣传", TERRITORIAL, "T006"),
        ],
    ),
    (
        "census_unknown_issuer",
        """关于开展全国经济普查入户登记工作的通知

各乡镇人民政府、街道办事处：
    根据《全国经济普查条例》，经县人民政府同意，现将有关事项通知如下：
    一、开展全国经济普查入户登记。各乡镇要组织普查员对辖区个体经营户逐户登记。
    二、做好招商引资项目签约任务有关事项的统计。
    三、未尽事宜另行通知。
    特此通知。

示范县统计局
2026年5月8日
""",
        None,
        [
            ("经济普查入户登记", UNLISTED, None),
            ("招商引资", UNLISTED, None),
        ],
    ),
]


@pytest.fixture
def lists(world):
    checker.clear_cache()
    entries = sample_lists(world.county)
    wjj = entries["R007"].receiving_department
    DepartmentAlias.objects.create(department=wjj, name="卫健局")
    return entries


def _explain(result):
    return [
        (
            task.text[:30],
            task.verdict,
            [(m.entry.item.code, round(m.score, 2)) for m in task.matches],
        )
        for task in result.tasks
    ]


@pytest.mark.parametrize("name, text, issuer, expected", NOTICES, ids=[n[0] for n in NOTICES])
def test_a_whole_notice_gets_a_verdict_per_task_and_its_issuer(
    world, lists, name, text, issuer, expected
):
    result = notice_check.check_notice(world.township_a, text)
    assert len(result.tasks) == len(expected), _explain(result)
    for task, (phrase, verdict, code) in zip(result.tasks, expected):
        assert phrase in task.text, _explain(result)
        assert task.verdict == verdict, _explain(result)
        if code:
            assert task.best.entry.item.code == code, _explain(result)
        else:
            assert task.best is None
    assert result.verdict == notice_check.worst(v for _p, v, _c in expected)
    assert (result.issuer.code if result.issuer else None) == issuer


def test_the_notice_verdict_is_the_worst_of_its_tasks(world, lists):
    text = NOTICES[0][1]  # power, territorial and one unlisted task
    result = notice_check.check_notice(world.township_a, text)
    assert {t.verdict for t in result.tasks} == {POWER, TERRITORIAL, UNLISTED}
    assert result.verdict == UNLISTED
    assert result.needs_report
    assert result.worst_task.text.startswith("每周统计上报")
    assert notice_check.worst([POWER, ADMISSION]) == ADMISSION
    assert notice_check.worst([ADMISSION, TERRITORIAL, POWER]) == TERRITORIAL
    assert notice_check.worst([TERRITORIAL, UNLISTED]) == UNLISTED
    assert notice_check.worst([UNLISTED, RECLAIMED, POWER]) == RECLAIMED


def test_a_notice_whose_tasks_are_all_listed_needs_no_report(world, lists):
    result = notice_check.check_notice(world.township_a, NOTICES[6][1])  # rivers
    assert result.verdict == TERRITORIAL
    assert not result.needs_report
    assert not any(task.needs_report for task in result.tasks)


def test_the_boilerplate_word_shixiang_no_longer_matches_an_item_named_with_it(world, lists):
    """Issue 13: "现将有关事项通知如下" matched 信访事项受理 on the word 事项."""
    ListEntryFactory(item__county=world.county, item__code="P099", item__name="信访事项受理")
    result = notice_check.check_notice(world.township_a, NOTICES[-1][1])
    assert result.verdict == UNLISTED, _explain(result)
    for task in result.tasks:
        assert all(m.entry.item.code != "P099" for m in task.matches), _explain(result)
    assert result.issuer is None
    # The item is still found when the task is about it.
    petition = notice_check.check_notice(world.township_a, "做好信访事项受理和办理")
    assert petition.tasks[0].best.entry.item.code == "P099"


def test_matches_are_shown_best_first_with_scores(world, lists):
    result = notice_check.check_notice(world.township_a, NOTICES[1][1])
    for task in result.tasks:
        scores = [m.score for m in task.matches]
        assert scores == sorted(scores, reverse=True)
        assert all(0 < s <= 1 for s in scores)
        assert len(task.matches) <= notice_check.MATCHES_PER_TASK
    assert result.tasks[0].matches[0].percent >= round(checker.MATCH_THRESHOLD * 100)


@pytest.mark.parametrize("title, verdict, code", TASKS, ids=[t[0] for t in TASKS])
def test_a_short_title_is_a_notice_of_one_task_with_the_checker_verdict(
    world, lists, title, verdict, code
):
    result = notice_check.check_notice(world.township_a, title)
    assert [task.text for task in result.tasks] == [title]
    expected = UNLISTED if verdict == checker.VERDICT_NONE else verdict
    assert result.verdict == result.tasks[0].verdict == expected, _explain(result)
    if code:
        assert result.tasks[0].best.entry.item.code == code
    assert result.issuer is None


def test_a_heading_alone_is_checked_on_its_subject(world, lists):
    result = notice_check.check_notice(world.township_a, "关于开展秸秆禁烧巡查工作的通知")
    assert [task.text for task in result.tasks] == ["开展秸秆禁烧巡查工作"]
    assert result.verdict == TERRITORIAL


def test_a_notice_pasted_on_one_line_is_still_split(world, lists):
    flat = (
        "关于开展特种设备安全专项检查的通知 各乡镇人民政府：为加强特种设备安全监管，现将有关事项"
        "通知如下：一、开展辖区特种设备安全检查。二、做好农村公路日常养护。三、开展校外培训机构专项"
        "整治。特此通知。示范县市场监督管理局 2026年4月1日"
    )
    result = notice_check.check_notice(world.township_a, flat)
    assert [t.verdict for t in result.tasks] == [RECLAIMED, ADMISSION, UNLISTED], _explain(result)
    assert result.issuer.code == "SCJ"


def test_a_text_above_the_limit_is_refused(world, lists):
    with pytest.raises(checker.TextTooLong):
        notice_check.check_notice(world.township_a, "秸" * (checker.MAX_TEXT_BYTES // 3 + 1))


def test_a_100_kb_notice_is_checked_on_its_distinct_tasks(world, lists):
    paragraph = "请各乡镇于月底前完成辖区特种设备安全检查，并将检查台账报县市场监督管理局。\n"
    text = (paragraph * (checker.MAX_TEXT_BYTES // len(paragraph.encode())))
    assert checker.text_bytes(text) <= checker.MAX_TEXT_BYTES
    result = notice_check.check_notice(world.township_a, text)
    assert len(result.tasks) == 1
    assert result.verdict == RECLAIMED


# --- Reading a notice (no database) ----------------------------------------------------------


def test_the_form_of_the_document_is_not_a_task():
    parsed = notices.parse_notice(NOTICES[1][1])
    assert parsed.title == "示范县农业农村局关于做好2026年春季重大动物疫病集中免疫工作的通知"
    joined = "".join(parsed.tasks)
    for form in ("各乡镇人民政府", "通知如下", "加强组织领导", "及时报送信息", "特此通知", "此件公开发布", "2026年3月2日"):
        assert form not in joined


def test_attachments_contacts_and_the_imprint_are_not_tasks():
    text = """关于开展燃气安全隐患排查的通知
各乡镇人民政府：
    一、开展燃气安全隐患排查整治。
    二、开展秸秆禁烧巡查。
    附件：1. 燃气安全隐患排查表
          2. 排查情况汇总表
    联系人：李明，电话：0871-6123456，邮箱：yjj@example.cn
示范县应急管理局
2026年5月20日
抄送：县住房和城乡建设局。
示范县应急管理局办公室    2026年5月20日印发
"""
    parsed = notices.parse_notice(text)
    assert parsed.tasks == ["开展燃气安全隐患排查整治。", "开展秸秆禁烧巡查。"]
    assert parsed.issuer_names[0] == "示范县应急管理局"
    assert "县住房和城乡建设局" not in parsed.issuer_names  # 抄送 names recipients


def test_the_issuer_is_read_from_heading_masthead_signature_then_imprint():
    body = "各乡镇人民政府：\n一、开展秸秆禁烧巡查。\n"
    assert notices.parse_notice("县林业局关于做好森林防火工作的通知\n" + body).issuer_names == ["县林业局"]
    assert notices.parse_notice(
        "示范县林业局文件\n示林〔2026〕3号\n关于做好森林防火工作的通知\n" + body
    ).issuer_names == ["示范县林业局"]
    assert notices.parse_notice(
        "关于做好森林防火工作的通知\n" + body + "县林业局\n2026年3月1日\n"
    ).issuer_names == ["县林业局"]
    assert notices.parse_notice(
        "关于做好森林防火工作的通知\n" + body + "示范县林业局办公室  2026年3月1日印发\n"
    ).issuer_names == ["示范县林业局办公室", "示范县林业局"]


def test_items_under_requirement_sections_are_not_tasks():
    text = """关于开展消防安全隐患排查的通知
各乡镇人民政府：
一、工作目标
全面排查整治辖区消防安全隐患。
二、主要任务
（一）开展消防安全隐患排查。
（二）开展森林防火宣传。
三、保障措施
（一）强化宣传引导。
（二）严格责任追究。
"""
    assert notices.parse_notice(text).tasks == ["开展消防安全隐患排查。", "开展森林防火宣传。"]


def test_enumerations_in_a_plain_paragraph_are_tasks():
    text = """关于做好秋冬季安全工作的通知
各乡镇人民政府：
    请各乡镇抓好以下工作：一是开展秸秆禁烧巡查；二是开展燃气安全隐患排查；三是加强组织领导。
    特此通知。
"""
    assert notices.parse_notice(text).tasks == ["开展秸秆禁烧巡查", "开展燃气安全隐患排查"]


def test_a_notice_keeps_at_most_max_tasks():
    items = "\n".join(f"{i}. 开展第{i}号片区燃气安全隐患排查整治。" for i in range(1, 80))
    parsed = notices.parse_notice("关于开展燃气安全隐患排查的通知\n各乡镇人民政府：\n" + items)
    assert len(parsed.tasks) == notices.MAX_TASKS
    assert parsed.skipped == 79 - notices.MAX_TASKS


def test_matching_text_masks_dates_names_and_generic_words():
    masked = notices.matching_text(
        "请各乡镇于2026年6月10日前开展辖区有关事项的燃气安全隐患排查工作，并将排查情况报县应急管理局。",
        names=["县应急管理局"],
    )
    for gone in ("2026", "6月", "事项", "工作", "有关", "应急", "各乡镇", "排查情况"):
        assert gone not in masked
    assert "燃气安全隐患排查" in masked


# --- The issuer among the county's departments ------------------------------------------------


@pytest.mark.parametrize(
    "written, code",
    [
        ("示范县应急管理局", "YJJ"),  # full name
        ("应急局", "YJJ"),  # short name
        ("县应急管理局", "YJJ"),  # county prefix removed
        ("应急管理局", "YJJ"),  # county name removed
        ("县卫健局", "WJJ"),  # alias, prefix removed
        ("YJJ", "YJJ"),  # code
        ("县信访局", None),  # not a department of the county
    ],
)
def test_the_issuer_is_found_by_name_short_name_alias_or_normalised_form(
    world, lists, written, code
):
    found = notice_check.find_issuer(world.county, [written])
    assert (found.code if found else None) == code


def test_the_first_issuer_name_that_resolves_wins(world, lists):
    found = notice_check.find_issuer(world.county, ["县爱卫办", "示范县水利局", "示范县应急管理局"])
    assert found.code == "SLJ"


@pytest.mark.parametrize(
    "prefix, code",
    [
        ("示应急", "YJJ"),  # 应急管理局
        ("示市监", "SCJ"),  # 市场监督管理局: the characters in order
        ("示住建", "ZJJ"),  # 住房和城乡建设局
        ("示林", "LYJ"),
        ("示交通", "JTJ"),  # 交通运输局
        ("示民发", "MZJ"),  # 发 ends the prefix, not the department
        ("示范应急", "YJJ"),  # the county's stem written out
        ("示人社", None),  # no 人力资源和社会保障局 in this county
        ("示水", None),  # 水利局 and 水务局: two answer, none is chosen
        ("云应急", None),  # another county's number
    ],
)
def test_a_document_number_prefix_names_the_one_department_it_abbreviates(
    world, lists, prefix, code
):
    DepartmentFactory(county=world.county, code="SWJ", name="示范县水务局")
    found = notice_check.find_issuer(world.county, [], prefixes=[prefix])
    assert (found.code if found else None) == code


def test_a_notice_signed_only_by_its_document_number_gets_its_issuer(world, lists):
    text = """示应急〔2026〕8号

关于开展汛期安全巡查的通知

各乡镇（街道）：
    根据《关于做好自建房安全工作的通知》（示住建〔2025〕3号）精神，现将有关工作通知如下：
    一、开展辖区汛期安全隐患排查。
    二、及时报送排查台账。
"""
    parsed = notices.parse_notice(text)
    assert parsed.issuer_names == [] and parsed.document_prefixes == ["示应急"]
    assert notice_check.check_notice(world.township_a, text).issuer.code == "YJJ"
    # A name written out wins over the number.
    signed = text + "\n示范县水利局\n2026年6月1日\n"
    assert notice_check.check_notice(world.township_a, signed).issuer.code == "SLJ"


# --- The page partial ------------------------------------------------------------------------


def test_the_notice_partial_shows_each_task_its_verdict_and_the_issuer(world, lists):
    from django.template.loader import render_to_string

    text = NOTICES[1][1].replace("病死畜禽无害化处理收集转运", "病死畜禽无害化处理收集转运<script>x</script>")
    result = notice_check.check_notice(world.township_a, text)
    html = render_to_string(
        "public/_notice_result.html", {"notice": result, "threshold_percent": 33}
    )
    assert 'data-verdict="reclaimed"' in html  # the notice
    assert html.count("<tr data-verdict=") == 3
    assert '<tr data-verdict="territorial">' in html and '<tr data-verdict="unlisted">' in html
    assert 'data-issuer="NYJ"' in html and "示范县农业农村局" in html
    assert "T004" in html and "R005" in html
    assert "<script>x" not in html and "&lt;script&gt;x" in html
