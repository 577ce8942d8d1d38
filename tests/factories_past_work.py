"""Spreadsheets of past work (交办事项, 赋权委托) as counties keep them, and the catalog items
they name, for tests/test_excel_past_work.py."""

import datetime
from types import SimpleNamespace

from delegations.models import Assignment, Delegation
from duties.models import Category, DutyItem, ListEntry
from tests.factories import DutyItemFactory
from tests.factories_excel import xlsx_bytes

D = datetime.date

ASSIGNMENT_HEADER = ["序号", "交办部门", "乡镇", "任务名称", "事项编码", "事项名称", "交办方式", "责任类型",
                     "文号", "交办日期", "说明"]
DELEGATION_HEADER = ["部门", "方式", "事项编码", "事项名称", "适用乡镇", "批准文号", "批准日期", "生效日期",
                     "有效期至", "委托事项范围", "委托权限", "委托期限", "公布日期", "省级决定文号", "保障编制",
                     "保障经费（万元）", "依据", "备注"]


def assignment_row(number, title, **values):
    """A row of ASSIGNMENT_HEADER; keywords: department, townships, code, name, channel,
    responsibility, document_no, day, description."""
    row = {
        "department": "应急局", "townships": "全部", "code": "", "name": "", "channel": "通知",
        "responsibility": "配合", "document_no": "", "day": "2025-03-01", "description": "",
    }
    row.update(values)
    return [number, row["department"], row["townships"], title, row["code"], row["name"],
            row["channel"], row["responsibility"], row["document_no"], row["day"], row["description"]]


def assignments_file(*rows, header=ASSIGNMENT_HEADER):
    return xlsx_bytes([["示范县向乡镇（街道）交办事项登记表"], header, *rows])


def delegation_row(**values):
    """A row of DELEGATION_HEADER: by default a 委托 of JC-001 to every township, with its
    written agreement, published."""
    row = {
        "department": "应急局", "mode": "委托", "code": "JC-001", "name": "", "townships": "全部",
        "decision_no": "示政发〔2024〕8号", "decided_on": "2024-05-20", "effective_from": "2024-06-01",
        "effective_to": "", "scope": "本辖区内生产经营单位的安全检查", "powers": "检查、责令改正",
        "term": "2026-12-31", "published_on": "2024-05-25", "provincial": "", "staff": 1,
        "funding": 5, "basis": "《中华人民共和国安全生产法》", "reason": "",
    }
    row.update(values)
    return [row[k] for k in (
        "department", "mode", "code", "name", "townships", "decision_no", "decided_on",
        "effective_from", "effective_to", "scope", "powers", "term", "published_on", "provincial",
        "staff", "funding", "basis", "reason",
    )]


def delegations_file(*rows, header=DELEGATION_HEADER):
    return xlsx_bytes([["示范县赋权委托事项"], header, *rows])


def catalog(world):
    """Items of the county's catalog owned by 应急局: an inspection, a penalty and a coercion."""
    def item(code, name, category):
        return DutyItemFactory(county=world.county, code=code, name=name, category=category,
                               department=world.dept_a)

    return SimpleNamespace(
        inspection=item("JC-001", "安全生产日常检查", Category.INSPECTION),
        penalty=item("CF-001", "对未开展安全检查的处罚", Category.PENALTY),
        coercion=item("QZ-001", "查封违法生产经营场所", Category.COERCION),
    )


def snapshot():
    """Everything a past-work import can touch, to prove that nothing changed."""
    return (
        list(Assignment.objects.order_by("pk").values()),
        list(Assignment.townships.through.objects.order_by("pk").values()),
        list(Delegation.objects.order_by("pk").values()),
        list(Delegation.duty_items.through.objects.order_by("pk").values()),
        list(ListEntry.objects.order_by("pk").values()),
        list(DutyItem.objects.order_by("pk").values()),
        Assignment.history.count(),
        Delegation.history.count(),
        ListEntry.history.count(),
    )
