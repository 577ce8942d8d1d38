"""A county moving in, as docs/onboarding.md walks it: 青山县 (990500) and its own workbook.

The workbook is shaped like what a county office has: its sheets named the way the county
named them ("乡镇（街道）名录", "附件1 青山县乡镇权责清单", "交办事项登记"…), a title line above
each table, its lists published on 2024-06-14 (生效日期), the work its departments handed to
the townships in 2025, and one power granted on paper in 2024. ``VERDICTS`` says what the flags
must make of each piece of past work, judged by the lists in force on its date.
"""

import io

COUNTY_CODE = "990500"
COUNTY_NAME = "青山县"
PUBLISHED = "2024-06-14"

TOWNSHIPS = [
    ("990500101", "东岭镇", "镇"),
    ("990500102", "西溪乡", "乡"),
    ("990500001", "城关街道", "街道"),
]
DEPARTMENTS = [
    ("YJJ", "青山县应急管理局", "应急局"),
    ("ZJJ", "青山县住房和城乡建设局", "住建局"),
    ("SCJ", "青山县市场监督管理局", "市场监管局"),
    ("NYJ", "青山县农业农村局", "农业农村局"),
    ("MZJ", "青山县民政局", "民政局"),
]

# Task title -> the flag rules it must raise (empty: none), by the lists in force on its date.
VERDICTS = {
    "开展低保对象年度复核": set(),  # the township's own power item
    "非煤矿山汛期安全巡查": set(),  # cooperation on a territorial item
    "人居环境整治日常巡查": set(),  # admitted on 2024-07-01
    "燃气违法行为查处": set(),  # granted on paper in 2024 (赋权委托)
    "非煤矿山安全生产执法检查": {"MAIN_DUTY_SHIFTED"},  # the department's main duty pushed down
    # taken back in 2024 and pushed back: reclaimed, and on none of the lists it holds
    "电梯等特种设备安全检查": {"RECLAIMED_ITEM_ASSIGNED", "UNLISTED_ASSIGNMENT"},
    "自建房安全排查整治台账报送": {"UNLISTED_ASSIGNMENT"},  # on no list at all
}


def _sheet(workbook, name, title, header, rows):
    ws = workbook.create_sheet(name)
    ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append(row)


def county_workbook() -> bytes:
    """青山县's workbook (.xlsx bytes)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _sheet(wb, "乡镇（街道）名录", "青山县乡镇（街道）名录",
           ["区县代码", "区县名称", "乡镇代码", "乡镇名称", "类型"],
           [[COUNTY_CODE, COUNTY_NAME, code, name, kind] for code, name, kind in TOWNSHIPS])
    _sheet(wb, "部门名录", "青山县县直部门名录",
           ["区县代码", "部门代码", "部门名称", "简称"],
           [[COUNTY_CODE, code, name, short] for code, name, short in DEPARTMENTS])
    _sheet(wb, "附件1 青山县乡镇权责清单", "青山县乡镇（街道）权责清单",
           ["序号", "事项编码", "权力类型", "事项名称", "实施依据", "主管部门", "来源", "适用乡镇", "生效日期"],
           [[1, "QS-001", "公共服务", "最低生活保障申请受理", "《社会救助暂行办法》第十一条", "民政局", "法定", "全部", PUBLISHED],
            [2, "QS-002", "行政处罚", "对违反燃气安全管理规定的处罚", "《城镇燃气管理条例》第四十五条", "住建局", "赋权", "全部", PUBLISHED]])
    _sheet(wb, "属地管理事项清单", "青山县乡镇（街道）属地管理事项主体责任和配合责任清单",
           ["事项编码", "领域", "事项名称", "主体责任部门", "部门职责", "乡镇（街道）配合职责", "依据", "适用乡镇", "生效日期"],
           [["SD-001", "安全生产", "非煤矿山安全生产监管", "应急局", "负责非煤矿山安全生产监管执法",
             "开展日常巡查，发现问题及时劝阻并报告", "《中华人民共和国安全生产法》", "全部", PUBLISHED]])
    _sheet(wb, "准入清单", "青山县乡镇（街道）职责准入清单",
           ["事项编码", "事项名称", "申请部门", "准入方式", "批准文号", "批准日期", "适用乡镇"],
           [["ZR-001", "农村人居环境整治日常巡查", "农业农村局", "交办", "青编委〔2024〕5号", "2024-07-01", "全部"]])
    _sheet(wb, "收回事项清单", "青山县收回事项清单",
           ["事项编码", "事项名称", "承接部门", "工作方式", "适用乡镇", "生效日期"],
           [["SH-001", "特种设备安全监督检查", "市场监管局", "由县级部门直接实施，乡镇发现问题及时报告", "全部", PUBLISHED]])
    _sheet(wb, "交办事项登记", "2025年县直部门交办乡镇（街道）事项登记",
           ["交办部门", "乡镇", "任务名称", "事项编码", "交办方式", "责任类型", "文号", "交办日期"],
           [["民政局", "全部", "开展低保对象年度复核", "QS-001", "通知", "主体", "青民〔2025〕3号", "2025-02-10"],
            ["应急局", "全部", "非煤矿山汛期安全巡查", "SD-001", "通知", "配合", "青应急〔2025〕8号", "2025-05-20"],
            ["应急局", "东岭镇", "非煤矿山安全生产执法检查", "SD-001", "文件", "主体", "青应急〔2025〕9号", "2025-06-03"],
            ["农业农村局", "全部", "人居环境整治日常巡查", "ZR-001", "通知", "配合", "", "2025-03-01"],
            ["市场监管局", "西溪乡", "电梯等特种设备安全检查", "SH-001", "通知", "主体", "青市监〔2025〕2号", "2025-04-01"],
            ["住建局", "全部", "自建房安全排查整治台账报送", "", "会议", "主体", "", "2025-05-10"],
            ["住建局", "东岭镇", "燃气违法行为查处", "QS-002", "文件", "主体", "青建〔2025〕6号", "2025-06-01"]])
    _sheet(wb, "赋权委托事项", "青山县向乡镇（街道）赋权事项",
           ["部门", "方式", "事项编码", "适用乡镇", "批准文号", "批准日期", "生效日期", "公布日期",
            "省级决定文号", "保障编制", "保障经费（万元）", "依据"],
           [["住建局", "赋权", "QS-002", "全部", "青政发〔2024〕12号", "2024-06-01", PUBLISHED, "2024-06-05",
             "某政发〔2023〕7号", 2, 10, "《城镇燃气管理条例》"]])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def verdicts(flags, titles) -> dict:
    """Task title -> the rules of the flags (API rows) that name its assignment; ``titles``
    maps assignment ids to titles."""
    found = {title: set() for title in VERDICTS}
    for flag in flags:
        title = titles.get(flag.get("assignment"))
        if title in found:
            found[title].add(flag["rule"])
    return found
