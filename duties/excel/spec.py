"""The six sheets of docs/contracts.md §1: canonical columns, their aliases, and the Chinese labels
of every choice.

Column headers, aliases, choice labels and the column notes of the blank templates are part
of the file format (what counties publish and what the 说明 sheet of a template says), so they
are Chinese constants here, not translatable strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TOWNSHIPS = "townships"
DEPARTMENTS = "departments"
POWER = "power"
TERRITORIAL = "territorial"
ADMISSION = "admission"
RECLAIMED = "reclaimed"
LIST_KINDS = (POWER, TERRITORIAL, ADMISSION, RECLAIMED)
DIRECTORY_KINDS = (TOWNSHIPS, DEPARTMENTS)
# The past-work sheets live with the delegations app (delegations.excel); their kinds:
ASSIGNMENTS = "assignments"
DELEGATIONS = "delegations"
PAST_WORK_KINDS = (ASSIGNMENTS, DELEGATIONS)
KINDS = (TOWNSHIPS, DEPARTMENTS, *LIST_KINDS, *PAST_WORK_KINDS)

# Headers that are never data: the running number of a row.
IGNORED_HEADERS = frozenset({"序号", "序", "编号序号", "No", "No.", "NO", "NO."})

_HEADER_TRANSLATION = str.maketrans(
    {
        "（": "(",
        "）": ")",
        "【": "[",
        "】": "]",
        "［": "[",
        "］": "]",
        "＊": "*",
        "：": ":",
        "／": "/",
    }
)
_WHITESPACE_RE = re.compile(r"\s+")
_REQUIRED_MARK_RE = re.compile(r"\((必填|选填|可选|必填项|选填项)\)$")


def normalise_header(value) -> str:
    """Header text as it is matched: no spaces or line breaks, half-width brackets, no ``*``,
    no trailing colon and no trailing "(必填)" mark."""
    if value is None:
        return ""
    text = str(value).translate(_HEADER_TRANSLATION)
    text = _WHITESPACE_RE.sub("", text).replace("*", "")
    text = text.rstrip(":")
    text = _REQUIRED_MARK_RE.sub("", text)
    return text


@dataclass(frozen=True)
class Column:
    """One canonical column of a sheet."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False  # the column must be in the file
    width: int = 16
    note: str = ""
    example: object = ""


@dataclass(frozen=True)
class Sheet:
    kind: str
    title: str  # 权责清单 …; the export title is built around it
    columns: tuple[Column, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(key)

    def lookup(self) -> dict[str, str]:
        """normalised header or alias -> column key."""
        table = {}
        for column in self.columns:
            for name in (column.header, *column.aliases):
                table.setdefault(normalise_header(name), column.key)
        return table


# --------------------------------------------------------------------------- choices

CATEGORY_LABELS = {
    "licensing": "行政许可",
    "penalty": "行政处罚",
    "coercion": "行政强制",
    "levy": "行政征收",
    "payment": "行政给付",
    "inspection": "行政检查",
    "confirmation": "行政确认",
    "reward": "行政奖励",
    "adjudication": "行政裁决",
    "other_power": "其他行政权力",
    "public_service": "公共服务",
    "other": "其他",
}
SOURCE_LABELS = {"statutory": "法定", "granted": "赋权", "entrusted": "委托"}
ADMISSION_MODE_LABELS = {"assign": "交办", "entrust": "委托", "grant": "赋权"}
TOWNSHIP_KIND_LABELS = {"town": "镇", "township": "乡", "subdistrict": "街道", "sumu": "苏木"}
TOWNSHIP_CATEGORY_LABELS = {"general": "一般", "large": "较大", "extra_large": "特大"}
DEPARTMENT_KIND_LABELS = {
    "government": "政府工作部门",
    "stationed": "派驻机构",
    "vertical": "垂直管理部门",
    "other": "其他",
}

# Extra spellings accepted on import (after whitespace is removed and brackets normalised;
# 权力类型 is read by rules, duties.excel.categories).
SOURCE_VARIANTS = {
    "法定职权": "statutory", "法定职责": "statutory", "自有": "statutory",
    "赋予": "granted", "下放": "granted", "赋权下放": "granted", "放权": "granted", "授权": "granted",
    "委托实施": "entrusted", "委托下放": "entrusted",
}
ADMISSION_MODE_VARIANTS = {"准入": "assign", "交办事项": "assign"}
TOWNSHIP_KIND_VARIANTS = {"街道办事处": "subdistrict", "民族乡": "township", "建制镇": "town"}
# 一类 / 二类 / 三类 (used by some provinces) map largest-first.
TOWNSHIP_CATEGORY_VARIANTS = {
    "一类": "extra_large",
    "二类": "large",
    "三类": "general",
    "一类乡镇": "extra_large",
    "二类乡镇": "large",
    "三类乡镇": "general",
    "特大镇": "extra_large",
}
DEPARTMENT_KIND_VARIANTS = {
    "政府部门": "government",
    "工作部门": "government",
    "派驻": "stationed",
    "派出机构": "stationed",
    "垂管部门": "vertical",
    "垂直管理": "vertical",
    "垂直管理单位": "vertical",
    "其它": "other",
}

# 适用乡镇 meaning every township of the county.
ALL_TOWNSHIPS_WORDS = frozenset(
    {"全部", "全部乡镇", "全部乡镇(街道)", "所有乡镇", "所有乡镇(街道)", "全县", "全县乡镇", "全县各乡镇", "各乡镇", "各乡镇(街道)"}
)
ALL_TOWNSHIPS_EXPORT = "全部"
SCOPE_SEPARATORS_RE = re.compile(r"[、,，;；\n\r]+")

# --------------------------------------------------------------------------- columns

_SCOPE_NOTE = (
    "本行适用的乡镇（街道）。留空或填“全部”表示本县所有乡镇（街道）；"
    "否则填写乡镇名称或9位乡镇代码，多个之间用“、”“，”“；”或换行分隔。"
)
_CODE_NOTE = (
    "事项的唯一编码。填写时按编码识别事项；不填时按“事项名称+子项”在本县内识别，"
    "新事项由系统生成固定编码（同一事项重复导入编码不变）。"
)
_NOTES_NOTE = "备注，可不填。"


def _code(**kwargs):
    return Column(
        "code",
        "事项编码",
        ("项目编码", "权力编码", "编码", "事项代码", "权力事项编码"),
        width=18,
        note=_CODE_NOTE,
        **kwargs,
    )


def _scope():
    return Column("scope", "适用乡镇", ("适用范围", "适用乡镇（街道）", "实施乡镇"), width=20, note=_SCOPE_NOTE, example="全部")


def _remarks():
    return Column("notes", "备注", ("说明",), width=20, note=_NOTES_NOTE)


_EFFECTIVE_FROM_NOTE = (
    "本行开始生效（施行）的日期，如 2024-06-14。不填时：准入清单按批准日期，其次按导入时指定的生效日期，"
    "都没有的按导入当日（预览和命令输出会写明）。填写的日期也会更正已有条目的生效日期。"
)


def _effective_from(example="2024-06-14"):
    return Column("effective_from", "生效日期", ("施行日期", "实施日期", "起始日期", "生效时间", "执行日期", "起始时间"),
                  width=12, note=_EFFECTIVE_FROM_NOTE, example=example)


SHEETS: dict[str, Sheet] = {
    TOWNSHIPS: Sheet(
        TOWNSHIPS,
        "乡镇（街道）名录",
        (
            Column("county_code", "区县代码", ("县区代码", "区县行政区划代码", "县代码"), width=12,
                   note="6位区县行政区划代码；导入时指定了区县的可不填。", example="990101"),
            Column("county_name", "区县名称", ("县区名称", "区县", "县区"), width=14,
                   note="区县名称；区县不存在时用来新建区县。", example="示范县"),
            Column("code", "乡镇代码", ("乡镇（街道）代码", "行政区划代码", "区划代码"), required=True, width=14,
                   note="9位乡镇（街道）行政区划代码，以区县代码开头。必填。", example="990101101"),
            Column("name", "乡镇名称", ("乡镇（街道）名称", "乡镇", "乡镇（街道）", "名称"), required=True, width=16,
                   note="乡镇（街道）名称，本县内不重复。必填。", example="东城镇"),
            Column("kind", "类型", ("乡镇类型",), width=10,
                   note="镇、乡、街道或苏木；不填为“镇”。", example="镇"),
            Column("category", "类别", ("乡镇类别", "分类"), width=10,
                   note="一般、较大或特大（也可填一类、二类、三类，分别对应特大、较大、一般）；不填为“一般”。",
                   example="一般"),
            Column("population", "人口", ("人口（人）", "户籍人口"), width=10,
                   note="人口数（人），整数，可不填。", example=35000),
            Column("area_km2", "面积（平方公里）", ("面积", "面积（km2）", "面积（km²）", "国土面积（平方公里）"), width=14,
                   note="面积（平方公里），大于0，最多两位小数，可不填。", example=120.5),
        ),
    ),
    DEPARTMENTS: Sheet(
        DEPARTMENTS,
        "部门名录",
        (
            Column("county_code", "区县代码", ("县区代码", "区县行政区划代码", "县代码"), width=12,
                   note="6位区县行政区划代码；导入时指定了区县的可不填。", example="990101"),
            Column("code", "部门代码", ("部门编码", "单位代码", "单位编码"), required=True, width=12,
                   note="部门代码，本县内不重复。必填。", example="YJJ"),
            Column("name", "部门名称", ("单位名称", "部门全称"), required=True, width=24,
                   note="部门全称，本县内不重复。必填。", example="示范县应急管理局"),
            Column("short_name", "简称", ("别名", "部门简称", "简称（别名）"), width=20,
                   note="简称；有多个别名时用“、”分隔，第一个为简称，其余登记为别名（导入清单时可用它们找到部门）。",
                   example="应急局、县应急局"),
            Column("kind", "类型", ("部门类型", "单位类型"), width=14,
                   note="政府工作部门、派驻机构、垂直管理部门或其他；不填为“政府工作部门”。",
                   example="政府工作部门"),
        ),
    ),
    POWER: Sheet(
        POWER,
        "权责清单",
        (
            _code(example="QZ-990101-001"),
            Column("category", "权力类型", ("职权类型", "事项类型", "事项类别", "类别", "权力类别", "职权类别"),
                   required=True, width=12,
                   note="行政许可、行政处罚、行政强制、行政征收、行政给付、行政检查、行政确认、行政奖励、行政裁决、"
                        "其他行政权力、公共服务或其他；“行政许可类”“行政许可（国办）”“其它行政权力”“行政备案”等写法"
                        "按规则归入对应类别；单元格不填为“其他”。此列必须有。",
                   example="行政处罚"),
            Column("name", "事项名称", ("权力名称", "职权名称", "项目名称", "主项名称", "事项", "权力事项名称"),
                   required=True, width=30, note="事项（主项）名称。必填。",
                   example="对生产经营单位未按规定开展安全生产检查的处罚"),
            Column("sub_item", "子项", ("子项名称",), width=20, note="子项名称，没有子项的不填。"),
            Column("legal_basis", "实施依据", ("设定依据", "权力依据", "职权依据", "依据", "法律依据", "设定和实施依据"),
                   width=40, note="法律、法规、规章依据。", example="《中华人民共和国安全生产法》第九十七条"),
            Column("responsibility_stages", "责任事项", ("责任事项内容",), width=40,
                   note="各环节责任，如：受理→审查→决定→送达→事后监管。",
                   example="1.立案责任…2.调查取证责任…3.审理责任…4.告知责任…5.决定责任…6.送达责任…7.执行责任…"),
            Column("accountability_cases", "追责情形", ("问责情形", "追责情形及依据", "问责依据"), width=40,
                   note="应当追究责任的情形。", example="因不履行或不正确履行行政职责，有下列情形的，行政机关及相关工作人员应承担相应责任：…"),
            Column("handling_office", "承办机构", ("实施机构", "承办科室", "承办机构（科室）", "责任科室"), width=16,
                   note="乡镇（街道）内部承办机构。", example="综合行政执法队"),
            Column("department", "主管部门", ("业务指导部门", "县级主管部门", "对应部门", "县级业务主管部门"), width=18,
                   note="县级主管（业务指导）部门，填部门代码、全称、简称或已登记的别名；不填表示乡镇自有事项。",
                   example="应急局"),
            Column("source", "来源", ("权力来源", "事项来源"), width=8,
                   note="法定、赋权或委托；不填为“法定”。", example="赋权"),
            _scope(),
            _effective_from(),
            _remarks(),
        ),
    ),
    TERRITORIAL: Sheet(
        TERRITORIAL,
        "属地管理清单",
        (
            _code(example="SD-990101-001"),
            Column("domain", "领域", ("所属分类", "类别", "所属领域", "行业领域"), width=12,
                   note="所属领域或分类，如：安全生产、生态环境。", example="安全生产"),
            Column("name", "事项名称", ("具体事项", "事项", "属地管理事项", "事项内容"), required=True, width=30,
                   note="事项名称。必填。", example="非煤矿山安全生产监管"),
            Column("lead_department", "主体责任部门", ("牵头部门", "对应上级部门", "责任部门", "县级部门", "主责部门"),
                   required=True, width=18,
                   note="承担主体责任的县级部门，填部门代码、全称、简称或已登记的别名。必填。", example="应急局"),
            Column("department_duty", "部门职责", ("县级部门职责", "上级部门职责", "主体责任", "职责边界划分/县级部门",
                                                "主体责任部门职责", "部门主体责任"),
                   width=40, note="县级部门承担的主体责任。", example="负责行业监管，组织开展检查执法"),
            Column("township_duty", "乡镇（街道）配合职责", ("乡镇职责", "乡镇（街道）职责", "镇街配合职责", "配合责任",
                                                      "职责边界划分/乡镇（街道）", "职责边界划分/乡镇", "乡镇配合职责",
                                                      "乡镇（街道）配合责任"),
                   width=40, note="乡镇（街道）承担的配合责任，应具体写明（如巡查、发现、劝阻、报告、协助）。",
                   example="开展日常巡查，发现问题及时劝阻并报告"),
            Column("cooperating_departments", "协同部门", ("配合部门", "协同配合部门"), width=20,
                   note="协同（配合）部门，照原文记录。", example="自然资源局、公安局"),
            Column("legal_basis", "依据", ("法律依据", "实施依据", "政策依据"), width=40,
                   note="法律、法规、政策依据。留空不会清除事项已有的依据。",
                   example="《中华人民共和国安全生产法》"),
            _scope(),
            _effective_from(),
            _remarks(),
        ),
    ),
    ADMISSION: Sheet(
        ADMISSION,
        "准入清单",
        (
            _code(example="ZR-990101-001"),
            Column("name", "事项名称", ("准入事项", "事项", "准入事项名称"), required=True, width=30,
                   note="准入事项名称。必填。", example="农村人居环境整治日常巡查"),
            Column("requesting_department", "申请部门", ("交办部门", "部门", "申请单位"), width=18,
                   note="申请准入（交办）的县级部门，填部门代码、全称、简称或已登记的别名。", example="农业农村局"),
            Column("admission_mode", "准入方式", ("交办方式",), width=10, note="交办、委托或赋权。", example="交办"),
            Column("approval_document", "批准文号", ("文号", "批准文件", "审批文号"), required=True, width=22,
                   note="批准准入的文件文号。必填。", example="示办发〔2025〕3号"),
            Column("approved_on", "批准日期", ("批准时间",), width=12,
                   note="批准日期，如 2025-03-01。", example="2025-03-01"),
            _effective_from(example="2025-03-01"),
            Column("effective_to", "有效期至", ("截止日期", "有效期", "期限至"), width=12,
                   note="准入有效期截止日期；留空表示长期有效。", example="2027-12-31"),
            Column("staff_posts", "保障编制", ("人员编制", "编制", "保障编制（名）"), width=10,
                   note="随事项下沉的编制数（整数）。", example=1),
            Column("funding_wan_yuan", "保障经费（万元）", ("保障经费", "经费（万元）", "经费"), width=12,
                   note="随事项下拨的经费（万元），最多两位小数。", example=5),
            Column("legal_basis", "依据", ("法律依据", "实施依据", "政策依据"), width=40,
                   note="法律、法规、政策依据。留空不会清除事项已有的依据。"),
            _scope(),
            _remarks(),
        ),
    ),
    RECLAIMED: Sheet(
        RECLAIMED,
        "收回清单",
        (
            _code(example="SH-990101-001"),
            Column("name", "事项名称", ("收回事项", "事项", "收回事项名称"), required=True, width=30,
                   note="收回的事项名称。必填。", example="特种设备安全监督检查"),
            Column("receiving_department", "承接部门", ("收回部门", "上级部门", "承接单位"), required=True, width=18,
                   note="收回（承接）该事项的县级部门，填部门代码、全称、简称或已登记的别名。必填。",
                   example="市场监管局"),
            Column("working_method", "工作方式", ("履职方式", "工作机制"), width=40,
                   note="收回后的工作方式。", example="由县级部门直接实施，乡镇发现问题及时报告"),
            Column("legal_basis", "依据", ("法律依据", "实施依据", "政策依据"), width=40,
                   note="法律、法规、政策依据。留空不会清除事项已有的依据。"),
            _scope(),
            _effective_from(),
            _remarks(),
        ),
    ),
}

# The past-work sheets (交办事项, 赋权委托) are defined next to the concept they serve.
from delegations.excel.sheets import PAST_WORK_SHEETS  # noqa: E402

SHEETS.update(PAST_WORK_SHEETS)

GENERAL_NOTES = (
    "1. 表头写本表的列名或别名最稳妥；各地清单的写法（如“赋权事项”“事项依据”“职权类别”）也按列名的意思识别。"
    "列的顺序可以调整；识别不了的列不会导入，并在预览中列出。",
    "2. 示例行仅作说明，导入前请删除。",
    "3. 同一文件中同一事项只能出现一次；文件中任何一行有错误时，整个文件都不会导入。",
    "4. 请直接填写数值，不要使用公式。",
    "5. 也可以导入相同表头的 CSV 文件（UTF-8 或 GB18030 编码）。",
)
