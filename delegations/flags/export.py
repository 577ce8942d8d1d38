"""The flag list as an .xlsx file: one row per flag with its case, written by the Excel
exporter's formula-safe writer (``duties.excel.exporters``: every text a text cell, a value
that looks like a formula quoted), so a message quoting "=…" from a notice opens as text."""

from __future__ import annotations

from duties.excel import exporters, spec

SHEET = spec.Sheet(
    kind="flags",
    title="预警",
    columns=tuple(
        spec.Column(key, header, width=width)
        for key, header, width in (
            ("case", "问题件编号", 10),
            ("status", "办理状态", 10),
            ("severity", "严重程度", 10),
            ("rule", "问题类型", 28),
            ("township_code", "乡镇代码", 12),
            ("township", "乡镇（街道）", 14),
            ("department", "部门", 22),
            ("item_code", "事项编码", 14),
            ("item", "事项名称", 28),
            ("message", "说明", 60),
            ("source", "依据", 40),
            ("deadline", "整改期限", 12),
        )
    ),
)
SEVERITY_LABELS = {"error": "违规", "warning": "提醒"}


def flags_xlsx(flags, cases: dict, *, title: str) -> bytes:
    """``flags`` (from the store) with ``cases`` ({id: Case}) as an .xlsx file."""
    rows = []
    for flag in flags:
        case = cases.get(flag.case)
        rows.append([
            flag.case,
            case.get_status_display() if case else "",
            SEVERITY_LABELS.get(flag.severity, flag.severity),
            flag.title,
            flag.township.code,
            flag.township.name,
            flag.department.name if flag.department else "",
            flag.duty_item.code if flag.duty_item else "",
            flag.duty_item.name if flag.duty_item else "",
            flag.message,
            flag.source,
            case.due_on if case else None,
        ])
    return exporters._xlsx(SHEET, title, rows)
