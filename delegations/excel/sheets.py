"""The two sheets of past work (docs/contracts.md §1): the assignments register (交办事项) and
the decided delegations (赋权委托). Headers, aliases and notes are part of the file format,
hence Chinese constants (like duties.excel.spec, whose Column and Sheet they use)."""

from __future__ import annotations

from duties.excel.spec import Column, Sheet

ASSIGNMENTS = "assignments"
DELEGATIONS = "delegations"

_SCOPE_NOTE = (
    "交办给哪些乡镇（街道）。留空或填“全部”表示本县所有乡镇（街道）；否则填写乡镇名称或9位乡镇代码，"
    "多个之间用“、”“，”“；”或换行分隔。"
)
_ITEM_CODE_NOTE = "清单事项的编码；填写时按编码找到事项，不填时按“事项名称”在本县内查找。"

ASSIGNMENTS_SHEET = Sheet(
    ASSIGNMENTS,
    "交办事项",
    (
        Column("department", "交办部门", ("部门", "交办单位", "责任部门"), required=True, width=18,
               note="交办工作的县级部门，填部门代码、全称、简称或已登记的别名。必填。", example="应急局"),
        Column("townships", "乡镇", ("适用乡镇", "乡镇（街道）", "承接乡镇", "交办乡镇"), width=20,
               note=_SCOPE_NOTE, example="全部"),
        Column("title", "任务名称", ("标题", "任务", "工作任务", "交办任务"), required=True, width=30,
               note="交给乡镇做的工作。必填。", example="开展汛期地质灾害隐患排查"),
        Column("item_code", "事项编码", ("清单事项编码",), width=18, note=_ITEM_CODE_NOTE),
        Column("item_name", "事项名称", ("清单事项", "涉及事项"), width=24,
               note="涉及的清单事项名称，可不填。", example="地质灾害隐患巡查"),
        Column("channel", "交办方式", ("方式", "交办渠道"), required=True, width=12,
               note="通知、文件、会议、责任状、考核、工作专班或其他。必填。", example="通知"),
        Column("responsibility", "责任类型", ("责任", "乡镇责任"), width=10,
               note="主体或配合：乡镇被要求承担主体责任，还是配合部门；不填为“配合”。", example="配合"),
        Column("document_no", "文号", ("交办文号", "文件文号"), width=20,
               note="通知、文件的文号，可不填。", example="示应急〔2025〕12号"),
        Column("assigned_on", "交办日期", ("日期", "发文日期", "交办时间"), required=True, width=12,
               note="交办的日期，如 2025-06-01。必填：按这一天在册的清单判断。", example="2025-06-01"),
        Column("description", "说明", ("备注", "工作要求"), width=30, note="其他说明，可不填。"),
    ),
)

DELEGATIONS_SHEET = Sheet(
    DELEGATIONS,
    "赋权委托",
    (
        Column("department", "部门", ("申请部门", "赋权部门", "委托部门", "县级部门"), required=True, width=18,
               note="把权力交给乡镇的县级部门，填部门代码、全称、简称或已登记的别名。必填。", example="应急局"),
        Column("mode", "方式", ("下放方式", "赋权方式", "准入方式"), required=True, width=8,
               note="赋权、委托或交办。必填。", example="委托"),
        Column("item_code", "事项编码", ("权力编码", "编码"), width=18, note=_ITEM_CODE_NOTE),
        Column("item_name", "事项名称", ("权力名称", "事项"), width=30,
               note="下放的事项名称（事项编码、事项名称至少填一个）。", example="对未按规定开展安全检查的处罚"),
        Column("townships", "适用乡镇", ("乡镇", "承接乡镇"), width=20, note=_SCOPE_NOTE, example="全部"),
        Column("decision_no", "批准文号", ("决定文号", "文号"), required=True, width=22,
               note="县里批准的文件文号。必填。", example="示政发〔2024〕8号"),
        Column("decided_on", "批准日期", ("决定日期",), required=True, width=12,
               note="批准的日期，如 2024-05-20。必填。", example="2024-05-20"),
        Column("effective_from", "生效日期", ("施行日期", "实施日期"), width=12,
               note="开始生效的日期；不填为批准日期。", example="2024-06-01"),
        Column("effective_to", "有效期至", ("截止日期", "期限至"), width=12,
               note="有效期截止日期；留空表示长期有效。"),
        Column("agreement_scope", "委托事项范围", ("委托范围",), width=30, note="委托书写明的事项范围（委托必填）。"),
        Column("agreement_powers", "委托权限", ("权限",), width=30, note="委托书写明的权限（委托必填）。"),
        Column("agreement_term_end", "委托期限", ("委托期限至",), width=12, note="委托书写明的期限截止日期（委托必填）。"),
        Column("published_on", "公布日期", ("向社会公布日期",), width=12, note="向社会公布的日期（赋权、委托必填）。"),
        Column("provincial_decision", "省级决定文号", ("省级文件",), width=22,
               note="行政处罚权赋权所依据的省级决定文号（赋权行政处罚权必填）。"),
        Column("staff_posts", "保障编制", ("人员编制", "编制"), width=10, note="随事项下沉的编制数（整数）。", example=1),
        Column("funding_wan_yuan", "保障经费（万元）", ("保障经费", "经费"), width=12,
               note="随事项下拨的经费（万元），最多两位小数。", example=5),
        Column("legal_basis", "依据", ("法律依据", "实施依据"), width=30, note="法律、法规、政策依据。"),
        Column("notes", "备注", ("说明",), width=20, note="备注，可不填。"),
    ),
)

PAST_WORK_SHEETS = {ASSIGNMENTS: ASSIGNMENTS_SHEET, DELEGATIONS: DELEGATIONS_SHEET}
