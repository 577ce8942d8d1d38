"""The two sheets of past work (docs/contracts.md §1): the assignments register (交办事项) and
the decided delegations (赋权委托). Headers, aliases, notes and the Chinese labels of their
choices are part of the file format, hence Chinese constants (like duties.excel.spec, whose
Column and Sheet they use)."""

from __future__ import annotations

from duties.excel.spec import Column, Sheet

ASSIGNMENTS = "assignments"
DELEGATIONS = "delegations"

# --------------------------------------------------------------------------- choices
# Labels written on export (and read back); variants are further spellings read on import
# (after spaces are removed and brackets normalised; 其它 reads as 其他).

CHANNEL_LABELS = {
    "notice": "通知",
    "document": "文件",
    "meeting": "会议",
    "pledge": "责任状",
    "assessment": "考核",
    "task_force": "工作专班",
    "other": "其他",
}
CHANNEL_VARIANTS = {
    **dict.fromkeys(
        ("下发通知", "印发通知", "通知要求", "电话通知", "口头通知", "微信通知", "工作通知"), "notice"
    ),
    **dict.fromkeys(
        ("发文", "发函", "函", "转发文件", "印发文件", "文件要求", "红头文件", "公文", "文件通知"), "document"
    ),
    **dict.fromkeys(
        ("会议纪要", "会议决定", "会议部署", "会议要求", "会议安排", "会议精神", "专题会议"), "meeting"
    ),
    **dict.fromkeys(
        ("责任书", "目标责任书", "目标责任状", "签订责任状", "签订责任书", "承诺书", "军令状"), "pledge"
    ),
    **dict.fromkeys(
        ("考核指标", "考核验收", "考核评比", "考评", "督查考核", "一票否决", "分解指标", "考核任务", "绩效考核"),
        "assessment",
    ),
    **dict.fromkeys(
        ("专班", "工作专班/临时机构", "临时机构", "专项机制", "领导小组", "指挥部", "专项工作组", "工作组"),
        "task_force",
    ),
}
RESPONSIBILITY_LABELS = {"main": "主体", "cooperate": "配合"}
RESPONSIBILITY_VARIANTS = {
    **dict.fromkeys(("主体责任", "主责", "牵头", "负责", "属地主体责任", "承担主体责任"), "main"),
    **dict.fromkeys(("配合责任", "协助", "协同", "配合履职", "协助配合", "承担配合责任"), "cooperate"),
}
MODE_LABELS = {"grant": "赋权", "entrust": "委托", "assign": "交办"}
MODE_VARIANTS = {
    **dict.fromkeys(("赋予", "下放", "赋权下放", "放权", "授权"), "grant"),
    **dict.fromkeys(("委托实施", "委托下放", "委托执法", "委托行使"), "entrust"),
    **dict.fromkeys(("准入", "交办事项", "职责准入", "准入交办"), "assign"),
}

# --------------------------------------------------------------------------- sheets

_SCOPE_NOTE = (
    "交办给哪些乡镇（街道）。留空或填“全部”表示本县所有乡镇（街道）；否则填写乡镇名称或9位乡镇代码，"
    "多个之间用“、”“，”“；”或换行分隔。"
)
_ITEM_CODE_NOTE = "清单事项的编码；填写时按编码找到事项，不填时按“事项名称”在本县内查找（重名的请填编码）。"
_DEPARTMENT_NOTE = "填部门代码、全称、简称或已登记的别名（“县应急局”一类的写法也能识别）。必填。"

ASSIGNMENTS_SHEET = Sheet(
    ASSIGNMENTS,
    "交办事项",
    (
        Column("department", "交办部门", ("部门", "交办单位", "责任部门"), required=True, width=18,
               note="交办工作的县级部门。" + _DEPARTMENT_NOTE, example="应急局"),
        Column("townships", "乡镇", ("适用乡镇", "乡镇（街道）", "承接乡镇", "交办乡镇"), width=20,
               note=_SCOPE_NOTE, example="全部"),
        Column("title", "任务名称", ("标题", "事项", "任务", "工作任务", "交办任务"), required=True, width=30,
               note="交给乡镇做的工作（通知、文件的标题或任务本身）。必填。", example="开展汛期地质灾害隐患排查"),
        Column("item_code", "事项编码", ("清单事项编码",), width=18, note=_ITEM_CODE_NOTE),
        Column("item_name", "事项名称", ("清单事项", "涉及事项"), width=24,
               note="任务涉及的清单事项名称，可不填（不填时按任务名称判断是否在清单内）。本县没有的事项会报错。",
               example="地质灾害隐患巡查"),
        Column("channel", "交办方式", ("方式", "交办渠道"), required=True, width=12,
               note="通知、文件、会议、责任状、考核、工作专班或其他（“会议纪要”“目标责任书”“考核指标”“一票否决”"
                    "“领导小组”等写法也能识别）。必填。",
               example="通知"),
        Column("responsibility", "责任类型", ("责任", "乡镇责任"), width=10,
               note="主体或配合：乡镇被要求承担主体责任，还是配合部门；不填为“配合”。", example="配合"),
        Column("document_no", "文号", ("交办文号", "文件文号"), width=20,
               note="通知、文件的文号，可不填。", example="示应急〔2025〕12号"),
        Column("assigned_on", "交办日期", ("日期", "发文日期", "交办时间"), required=True, width=12,
               note="交办的日期，如 2025-06-01，不能晚于今天。必填：按这一天有效的清单判断是否清单外交办。",
               example="2025-06-01"),
        Column("description", "说明", ("备注", "工作要求"), width=30, note="其他说明，可不填。"),
    ),
    notes=(
        "1. 每行登记一次交办：哪个部门、哪天、以什么方式、把什么工作交给哪些乡镇（街道）。",
        "2. 示例行仅作说明，导入前请删除。",
        "3. 与已登记的交办完全相同（部门、乡镇、任务名称、事项、方式、责任类型、文号、交办日期都相同）的行不会重复登记，"
        "所以同一文件可以重复导入；同一文件中相同的行只能出现一次。",
        "4. 文件中任何一行有错误时，整个文件都不会导入。请直接填写数值，不要使用公式。",
    ),
)

DELEGATIONS_SHEET = Sheet(
    DELEGATIONS,
    "赋权委托",
    (
        Column("department", "部门", ("申请部门", "赋权部门", "委托部门", "县级部门"), required=True, width=18,
               note="把事项交给乡镇的县级部门。" + _DEPARTMENT_NOTE, example="应急局"),
        Column("mode", "方式", ("下放方式", "赋权方式", "准入方式"), required=True, width=8,
               note="赋权、委托或交办（准入后交办）。必填。", example="委托"),
        Column("item_code", "事项编码", ("权力编码", "编码"), width=18, note=_ITEM_CODE_NOTE),
        Column("item_name", "事项名称", ("权力名称", "事项"), width=30,
               note="下放的事项（事项编码、事项名称至少填一个；事项须已在本县事项目录或清单中）。每行一个事项。",
               example="对未按规定开展安全检查的处罚"),
        Column("townships", "适用乡镇", ("乡镇", "承接乡镇"), width=20, note=_SCOPE_NOTE, example="全部"),
        Column("decision_no", "批准文号", ("决定文号", "文号"), required=True, width=22,
               note="县里批准的文件文号。必填；同一文件批准的多个事项各占一行，文号相同。", example="示政发〔2024〕8号"),
        Column("decided_on", "批准日期", ("决定日期",), required=True, width=12,
               note="批准的日期，如 2024-05-20，不能晚于今天。必填。", example="2024-05-20"),
        Column("effective_from", "生效日期", ("施行日期", "实施日期"), width=12,
               note="开始生效的日期；不填为批准日期。事项从这一天起列入乡镇的清单。", example="2024-06-01"),
        Column("effective_to", "有效期至", ("截止日期", "期限至"), width=12,
               note="有效期截止日期；留空表示长期有效。"),
        Column("agreement_scope", "委托事项范围", ("委托范围",), width=30,
               note="委托书写明的事项范围（委托必填，行政处罚法第二十条）。", example="本辖区内的安全检查"),
        Column("agreement_powers", "委托权限", ("权限",), width=30,
               note="委托书写明的权限（委托必填）。", example="检查、责令改正、当场处罚"),
        Column("agreement_term_end", "委托期限", ("委托期限至",), width=12,
               note="委托书写明的期限截止日期（委托必填）。", example="2026-12-31"),
        Column("published_on", "公布日期", ("向社会公布日期",), width=12,
               note="向社会公布的日期。赋权、委托应当公布；委托没有公布日期会被标记为问题。", example="2024-06-01"),
        Column("provincial_decision", "省级决定文号", ("省级文件",), width=22,
               note="行政处罚权赋权所依据的省级决定文号（赋权行政处罚事项必填，行政处罚法第二十四条）。"),
        Column("staff_posts", "保障编制", ("人员编制", "编制"), width=10, note="随事项下沉的编制数（整数）。", example=1),
        Column("funding_wan_yuan", "保障经费（万元）", ("保障经费", "经费"), width=12,
               note="随事项下拨的经费（万元），最多两位小数。", example=5),
        Column("legal_basis", "依据", ("法律依据", "实施依据"), width=30, note="法律、法规、政策依据。"),
        Column("reason", "备注", ("说明", "理由", "下放理由"), width=20,
               note="下放的理由或其他说明；下放其他部门的事项时必须写明理由。"),
    ),
    notes=(
        "1. 每行记录一项已经批准的赋权、委托或准入交办（书面决定），与在 qingdan 中录入书面决定的效果相同："
        "事项自生效日期起列入乡镇的权责清单（赋权、委托）或准入清单（交办）。",
        "2. 示例行仅作说明，导入前请删除。",
        "3. 违法的行不会导入，并说明原因：委托行政强制事项（行政强制法第十七条）、委托缺少委托书的范围/权限/期限、"
        "赋权行政处罚事项没有省级决定文号、事项在有效期内已列入收回清单等。",
        "4. 已记录过的（同一部门、批准文号、方式和事项）不会重复记录，所以同一文件可以重复导入；"
        "已记录的决定与文件不同时报错，请在 qingdan 中修改（如撤销后重新录入）。",
        "5. 文件中任何一行有错误时，整个文件都不会导入。请直接填写数值，不要使用公式。",
    ),
)

PAST_WORK_SHEETS = {ASSIGNMENTS: ASSIGNMENTS_SHEET, DELEGATIONS: DELEGATIONS_SHEET}
