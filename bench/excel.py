"""The measurements behind ``manage.py bench_excel``: Excel import and export speed.

Run inside a throw-away SQLite database (the command's child process). Times are CPU seconds
of the process (``time.process_time``): the import, the database work (SQLite runs in the
process) and the bare parse it is compared with all count, while other load on the machine
does not skew the ratio. The wall-clock import time is reported too.

- ``parse``: a bare openpyxl read-only parse of the file (every row's values), best of 3;
- ``import``: duties.excel's import of the same 20,000-row power list into an empty county
  (target ≤ 3× the parse), best of 2;
- ``import_library``: the same import writing new rows with django-simple-history's
  ``bulk_create_with_history`` instead of duties.excel.bulk's INSERTs — the measurement that
  keeps the fast path (duties/excel/list_writer.py says why);
- ``reimport``: the same file again (nothing changes);
- ``peak_memory_mb``: tracemalloc's peak during an import;
- ``export``: a county-wide export of 5,000 entries (target < 10 s).
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

from django.db import connection

IMPORT_RATIO_TARGET = 3.0
EXPORT_SECONDS_TARGET = 10.0

CATEGORIES = [
    "行政许可", "行政处罚（国办）", "行政强制", "行政征收", "行政给付", "行政检查类", "行政确认",
    "行政奖励", "行政裁决", "其它行政权力", "公共服务", "行政许可(省级)",
]
DEPARTMENTS = [
    "应急管理局", "自然资源局", "农业农村局", "市场监督管理局", "生态环境局", "住房和城乡建设局",
    "综合行政执法局", "卫生健康局", "教育局", "民政局", "人力资源和社会保障局", "交通运输局",
    "水利局", "林业局", "文化和旅游局", "商务局", "发展和改革局", "财政局", "司法局", "公安局",
    "退役军人事务局", "医疗保障局", "统计局", "审计局", "科技局", "工业和信息化局", "城市管理局",
    "气象局", "消防救援大队", "税务局",
]
TOWNSHIPS = [f"{name}镇" for name in (
    "东城", "西河", "南山", "北岭", "中和", "青石", "白沙", "黄河", "龙泉", "凤凰",
    "金桥", "银湖", "松林", "柏树", "桃源", "梨花", "杏坛", "梅岭", "兰亭", "竹溪",
)]
SOURCES = ["法定", "法定", "法定", "赋权", "委托"]


def generate_power_file(path: Path, rows: int, seed_prefix: str = "BENCH") -> None:
    """A power list shaped like a published one: a title line, then the header."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("权责清单")
    ws.append(["示范县乡镇（街道）权责清单"])
    ws.append(["序号", "事项编码", "权力类型", "职权名称", "子项", "权力依据", "责任事项", "追责情形",
               "承办机构", "主管部门", "来源", "适用乡镇", "备注"])
    for i in range(rows):
        scope = "全部" if i % 10 else f"{TOWNSHIPS[i % 20]}、{TOWNSHIPS[(i + 7) % 20]}"
        # Departments as lists print them: the full name without the county, or 县 + it.
        department = DEPARTMENTS[i % len(DEPARTMENTS)]
        ws.append([
            i + 1,
            f"{seed_prefix}-{i:06d}",
            CATEGORIES[i % len(CATEGORIES)],
            f"对生产经营单位第{i}类违法行为的处罚",
            f"子项{i % 3}" if i % 4 == 0 else None,
            f"《中华人民共和国安全生产法》第{i % 120 + 1}条；《某省安全生产条例》第{i % 60 + 1}条",
            "1.立案责任：发现违法行为及时立案。2.调查取证责任：全面、客观、公正调查。"
            "3.审理责任：审理案件调查报告。4.告知责任：告知当事人权利。5.决定责任：作出决定。",
            "因不履行或不正确履行行政职责，有下列情形的，行政机关及相关工作人员应承担相应责任：…",
            "综合行政执法队",
            department if i % 2 else f"县{department}",
            SOURCES[i % len(SOURCES)],
            scope,
            "备注" if i % 5 == 0 else None,
        ])
    workbook.save(path)


def bare_parse_seconds(path: Path, repeat: int = 3) -> float:
    """CPU seconds of a bare openpyxl read-only parse: every row's values, nothing else."""
    from openpyxl import load_workbook

    best = None
    for _attempt in range(repeat):
        start = time.process_time()
        workbook = load_workbook(path, read_only=True)
        for ws in workbook.worksheets:
            for _row in ws.iter_rows(values_only=True):
                pass
        workbook.close()
        elapsed = time.process_time() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


def make_county(code, name):
    from townships.models import County, Department, Township

    county = County.objects.create(code=code, name=name)
    Department.objects.bulk_create(
        Department(county=county, code=f"D{i:02d}", name=f"{name}{department}")
        for i, department in enumerate(DEPARTMENTS)
    )
    Township.objects.bulk_create(
        Township(county=county, code=f"{code}{101 + i:03d}", name=township)
        for i, township in enumerate(TOWNSHIPS)
    )
    return county


class _Counties:
    """A fresh county for each import (990101, 990102, …)."""

    def __init__(self):
        self.number = 0

    def __call__(self):
        self.number += 1
        return make_county(f"9901{self.number:02d}", f"示范{self.number}县")


def _library_import(data, file_name, county):
    """The import with new rows written by django-simple-history's bulk_create_with_history."""
    from simple_history.utils import bulk_create_with_history

    from duties.excel.list_writer import ListWriter
    from duties.excel.lists import ListImporter
    from duties.excel.reader import read_table
    from duties.excel.spec import SHEETS

    class LibraryWriter(ListWriter):
        def create(self, model, objs, ids, key):
            bulk_create_with_history(objs, model, batch_size=500, **self.history)

    class LibraryImporter(ListImporter):
        writer_class = LibraryWriter

    importer = LibraryImporter("power", county=county, file_name=file_name)
    return importer.run(read_table(data, file_name, SHEETS["power"]))


def _timed(func, repeat=1):
    """(best CPU seconds, best wall seconds, last result) over ``repeat`` runs of func()."""
    cpu, wall, result = [], [], None
    for _attempt in range(repeat):
        started, started_wall = time.process_time(), time.perf_counter()
        result = func()
        cpu.append(time.process_time() - started)
        wall.append(time.perf_counter() - started_wall)
    return min(cpu), min(wall), result


class Failed(Exception):
    """The benchmark's own import went wrong (a bug, not a slow run)."""


def run(tmp: Path, rows: int, export_rows: int) -> dict:
    from duties.excel import export_file, import_file

    def check(report, expected_created):
        if report.errors or report.created != expected_created:
            raise Failed(f"Import failed: {report.messages[:5]}")
        return report

    big = tmp / "power.xlsx"
    generate_power_file(big, rows)
    data = big.read_bytes()
    parse_seconds = bare_parse_seconds(big)
    county = _Counties()

    first = county()
    import_seconds, import_wall, _r = _timed(
        lambda: check(import_file("power", data, big.name, county=county()), rows), repeat=2
    )
    check(import_file("power", data, big.name, county=first), rows)
    reimport_seconds, _wall, again = _timed(lambda: import_file("power", data, big.name, county=first))
    if again.unchanged != rows:
        raise Failed("Importing the same file again changed something.")
    library_seconds, _wall, _r = _timed(lambda: check(_library_import(data, big.name, county()), rows))

    tracemalloc.start()
    import_file("power", data, big.name, county=county())
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    small = tmp / "power-export.xlsx"
    generate_power_file(small, export_rows, seed_prefix="EXPORT")
    exported_county = county()
    check(import_file("power", small.read_bytes(), small.name, county=exported_county), export_rows)
    export_seconds, _wall, exported = _timed(lambda: export_file("power", county=exported_county))

    ratio = import_seconds / parse_seconds if parse_seconds else 0.0
    library_ratio = library_seconds / parse_seconds if parse_seconds else 0.0
    return {
        "rows": rows,
        "file_bytes": len(data),
        "parse_seconds": round(parse_seconds, 3),
        "import_seconds": round(import_seconds, 3),
        "import_wall_seconds": round(import_wall, 3),
        "import_ratio": round(ratio, 2),
        "import_ratio_target": IMPORT_RATIO_TARGET,
        "import_library_seconds": round(library_seconds, 3),
        "import_library_ratio": round(library_ratio, 2),
        "reimport_seconds": round(reimport_seconds, 3),
        "peak_memory_mb": round(peak / 1024 / 1024, 1),
        "export_rows": export_rows,
        "export_bytes": len(exported),
        "export_seconds": round(export_seconds, 3),
        "export_seconds_target": EXPORT_SECONDS_TARGET,
        "targets_met": ratio <= IMPORT_RATIO_TARGET and export_seconds < EXPORT_SECONDS_TARGET,
        "database": f"{connection.vendor} (throw-away)",
        "clock": "process CPU time",
        "python": sys.version.split()[0],
    }


def report_lines(result: dict) -> list[str]:
    return [
        f"rows: {result['rows']}",
        f"bare openpyxl read-only parse: {result['parse_seconds']:.2f} s CPU",
        f"import: {result['import_seconds']:.2f} s CPU, {result['import_wall_seconds']:.2f} s wall "
        f"({result['import_ratio']:.2f}× the parse; target ≤ {IMPORT_RATIO_TARGET:g}×)",
        f"import writing with bulk_create_with_history: {result['import_library_seconds']:.2f} s CPU "
        f"({result['import_library_ratio']:.2f}× the parse)",
        f"import again (nothing changes): {result['reimport_seconds']:.2f} s CPU",
        f"peak Python memory of an import (tracemalloc): {result['peak_memory_mb']:.1f} MB",
        f"export of {result['export_rows']} rows: {result['export_seconds']:.2f} s CPU "
        f"(target < {EXPORT_SECONDS_TARGET:g} s)",
        f"targets met: {'yes' if result['targets_met'] else 'NO'}",
    ]
