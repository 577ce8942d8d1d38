"""A representative set of township lists (real-looking Chinese items) for the public pages
and the task checker tests: ``sample_lists(county)`` puts about forty items on the four lists
of every township of ``county``."""

import datetime

from duties.models import AdmissionMode, Category, ListKind, PowerSource
from tests.factories import DepartmentFactory, DutyItemFactory, ListEntryFactory
from townships.models import Department

DEPARTMENTS = {
    "YJJ": "应急管理局",
    "NYJ": "农业农村局",
    "ZJJ": "住房和城乡建设局",
    "SCJ": "市场监督管理局",
    "STJ": "生态环境局",
    "ZRJ": "自然资源局",
    "SLJ": "水利局",
    "MZJ": "民政局",
    "JTJ": "交通运输局",
    "LYJ": "林业局",
    "WJJ": "卫生健康局",
    "XFJ": "消防救援大队",
    "SFJ": "司法局",
    "RWB": "人民武装部",
    "CLJ": "残疾人联合会",
}

# (code, name, category, department, source, legal basis)
POWER = [
    ("P001", "乡村建设规划许可证核发", Category.LICENSING, "ZRJ", PowerSource.GRANTED, "《中华人民共和国城乡规划法》第四十一条"),
    ("P002", "农村村民宅基地申请审核", Category.CONFIRMATION, "NYJ", PowerSource.STATUTORY, "《中华人民共和国土地管理法》第六十二条"),
    ("P003", "最低生活保障申请受理和初审", Category.PAYMENT, "MZJ", PowerSource.STATUTORY, "《社会救助暂行办法》第十一条"),
    ("P004", "特困人员救助供养申请审核", Category.PAYMENT, "MZJ", PowerSource.STATUTORY, "《社会救助暂行办法》第十四条"),
    ("P005", "临时救助申请审批", Category.PAYMENT, "MZJ", PowerSource.STATUTORY, "《社会救助暂行办法》第四十七条"),
    ("P006", "残疾人两项补贴申请初审", Category.PAYMENT, "CLJ", PowerSource.STATUTORY, "《国务院关于全面建立困难残疾人生活补贴和重度残疾人护理补贴制度的意见》"),
    ("P007", "适龄青年兵役登记", Category.OTHER_POWER, "RWB", PowerSource.STATUTORY, "《中华人民共和国兵役法》第十五条"),
    ("P008", "民间纠纷人民调解", Category.PUBLIC_SERVICE, "SFJ", PowerSource.STATUTORY, "《中华人民共和国人民调解法》"),
    ("P009", "地质灾害隐患点巡查监测", Category.INSPECTION, "ZRJ", PowerSource.STATUTORY, "《地质灾害防治条例》第十八条"),
    ("P010", "对违反村庄规划擅自建设行为的处罚", Category.PENALTY, "ZRJ", PowerSource.GRANTED, "《中华人民共和国城乡规划法》第六十五条"),
    ("P011", "防汛抗旱组织指挥和抢险救灾", Category.OTHER_POWER, "SLJ", PowerSource.STATUTORY, "《中华人民共和国防洪法》"),
    ("P012", "小微企业安全生产监督检查", Category.INSPECTION, "YJJ", PowerSource.ENTRUSTED, "《中华人民共和国安全生产法》第九条"),
    ("P013", "农村危房改造申请受理", Category.PUBLIC_SERVICE, "ZJJ", PowerSource.STATUTORY, "《农村危房改造基本安全技术导则》"),
    ("P014", "村民委员会换届选举指导", Category.OTHER_POWER, "MZJ", PowerSource.STATUTORY, "《中华人民共和国村民委员会组织法》"),
]

# (code, name, domain, lead, department duty, township duty)
TERRITORIAL = [
    ("T001", "燃气安全监管", "安全生产", "ZJJ", "负责燃气行业安全监管，组织开展燃气安全隐患排查整治和执法", "开展辖区燃气使用安全宣传和日常巡查，发现隐患及时劝阻并报告住建部门"),
    ("T002", "秸秆禁烧监管", "生态环境", "STJ", "负责秸秆禁烧监督管理和行政执法，组织火点监测", "开展秸秆禁烧巡查，发现焚烧行为及时劝阻制止并报告"),
    ("T003", "河道非法采砂监管", "水利", "SLJ", "负责河道采砂许可和非法采砂执法", "巡查发现河道非法采砂行为，及时报告并协助查处"),
    ("T004", "重大动物疫病强制免疫", "农业农村", "NYJ", "负责动物防疫监督管理，提供疫苗和技术指导", "组织村级防疫员开展春秋季集中免疫，发现疫情及时报告"),
    ("T005", "食品安全监督管理", "市场监管", "SCJ", "负责食品生产经营监督检查和执法", "协助开展食品安全宣传，发现问题线索及时报告"),
    ("T006", "森林草原防火", "应急", "LYJ", "负责森林草原防火监督检查和火灾预防", "开展森林防火宣传和野外用火巡查，发现火情及时报告并组织先期处置"),
    ("T007", "消防安全监管", "应急", "XFJ", "负责消防监督检查和火灾事故调查", "开展消防安全宣传和隐患排查，督促整改并报告"),
    ("T008", "违法用地和违法建设治理", "自然资源", "ZRJ", "负责违法用地违法建设的查处", "巡查发现违法用地违法建设行为，及时制止并报告"),
    ("T009", "河湖日常管护", "水利", "SLJ", "负责河湖管理保护的监督指导", "落实河长制，开展河湖日常巡查保洁"),
]

# (code, name, requesting department, document, approved on, staff, funding)
ADMISSION = [
    ("A001", "农村公路日常养护", "JTJ", "示县委办〔2024〕12号", datetime.date(2024, 3, 1), 2, 30),
    ("A002", "高龄津贴申请受理", "MZJ", "示县委办〔2024〕15号", datetime.date(2024, 4, 10), 1, 5),
    ("A003", "耕地保护网格化巡查", "ZRJ", "示县委办〔2025〕3号", datetime.date(2025, 1, 20), 1, 10),
]

# (code, name, receiving department, working method)
RECLAIMED = [
    ("R001", "特种设备安全监督检查", "SCJ", "由县市场监督管理局统一实施，乡镇不再承担"),
    ("R002", "建设项目环境影响评价文件审批", "STJ", "由县生态环境局受理审批"),
    ("R003", "食品生产许可现场核查", "SCJ", "由县市场监督管理局组织核查"),
    ("R004", "房屋建筑工程质量安全监督", "ZJJ", "由县住建局质量安全监督站实施"),
    ("R005", "生猪屠宰检疫", "NYJ", "由县动物卫生监督所派驻官方兽医实施"),
    ("R006", "药品零售企业监督检查", "SCJ", "由县市场监督管理局实施"),
    ("R007", "职业病危害因素检测", "WJJ", "由县卫生健康局委托检测机构实施"),
]

ALL_CODES = {
    ListKind.POWER: [row[0] for row in POWER],
    ListKind.TERRITORIAL: [row[0] for row in TERRITORIAL],
    ListKind.ADMISSION: [row[0] for row in ADMISSION],
    ListKind.RECLAIMED: [row[0] for row in RECLAIMED],
}


def departments_of(county) -> dict:
    departments = {}
    for code, name in DEPARTMENTS.items():
        department = Department.objects.filter(county=county, code=code).first()
        if department is None:
            department = DepartmentFactory(county=county, code=code, name=f"{county.name}{name}")
        departments[code] = department
    return departments


def sample_lists(county, effective_from=datetime.date(2024, 1, 1)) -> dict:
    """Put the sample items on the county-wide lists; returns {item code: entry}."""
    depts = departments_of(county)
    entries = {}

    def item(code, name, category, department, basis="《中华人民共和国地方各级人民代表大会和地方各级人民政府组织法》"):
        return DutyItemFactory(
            county=county, code=code, name=name, category=category,
            department=depts[department], legal_basis=basis,
        )

    for code, name, category, dept, source, basis in POWER:
        entries[code] = ListEntryFactory(
            kind=ListKind.POWER, item=item(code, name, category, dept, basis), source=source,
            handling_office="综合办公室", effective_from=effective_from,
        )
    for code, name, domain, lead, dept_duty, township_duty in TERRITORIAL:
        entries[code] = ListEntryFactory(
            kind=ListKind.TERRITORIAL, item=item(code, name, Category.OTHER, lead), domain=domain,
            lead_department=depts[lead], department_duty=dept_duty, township_duty=township_duty,
            effective_from=effective_from,
        )
    for code, name, dept, document, approved_on, staff, funding in ADMISSION:
        entries[code] = ListEntryFactory(
            kind=ListKind.ADMISSION, item=item(code, name, Category.PUBLIC_SERVICE, dept),
            requesting_department=depts[dept], admission_mode=AdmissionMode.ASSIGN,
            approval_document=document, approved_on=approved_on, staff_posts=staff,
            funding_wan_yuan=funding, effective_from=effective_from,
        )
    for code, name, dept, method in RECLAIMED:
        entries[code] = ListEntryFactory(
            kind=ListKind.RECLAIMED, item=item(code, name, Category.INSPECTION, dept),
            receiving_department=depts[dept], working_method=method,
            effective_from=effective_from,
        )
    return entries
