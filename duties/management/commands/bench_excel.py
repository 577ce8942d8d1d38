"""manage.py bench_excel: how fast Excel import and export are (a benchmark, not a test).

Generates a power list of --rows rows (default 20,000), imports it into a throw-away SQLite
database (a temporary file, in a child process started with its own DATABASE_URL: never the
database of this installation), and reports
- the import time against a bare openpyxl read-only parse of the same file (target ≤ 4×),
- the time of importing the same file again (nothing changes),
- the peak Python memory of an import (tracemalloc, measured in a separate run),
- the time of a county-wide export of --export-rows rows (target < 10 s).
Results are printed and written to var/bench_excel.json.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

IMPORT_RATIO_TARGET = 4.0
EXPORT_SECONDS_TARGET = 10.0

CATEGORIES = [
    "行政许可", "行政处罚（国办）", "行政强制", "行政征收", "行政给付", "行政检查", "行政确认",
    "行政奖励", "行政裁决", "其他行政权力", "公共服务", "行政许可(省级)",
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
            DEPARTMENTS[i % len(DEPARTMENTS)],
            SOURCES[i % len(SOURCES)],
            scope,
            "备注" if i % 5 == 0 else None,
        ])
    workbook.save(path)


def bare_parse_seconds(path: Path) -> float:
    """A bare openpyxl read-only parse: every row's values, nothing else."""
    from openpyxl import load_workbook

    best = None
    for _attempt in range(2):
        start = time.perf_counter()
        workbook = load_workbook(path, read_only=True)
        for ws in workbook.worksheets:
            for _row in ws.iter_rows(values_only=True):
                pass
        workbook.close()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best


class Command(BaseCommand):
    help = "Benchmark Excel import and export on a throw-away database (see the module doc)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=20_000)
        parser.add_argument("--export-rows", type=int, default=5_000)
        parser.add_argument("--output", default=None, help="default: var/bench_excel.json")
        parser.add_argument("--strict", action="store_true", help="exit non-zero when a target is missed")
        parser.add_argument("--child", default=None, help="(internal) the temporary directory of a child run")

    def handle(self, *args, rows, export_rows, output=None, strict=False, child=None, **options):
        if child:
            self._child(Path(child), rows, export_rows)
            return
        with tempfile.TemporaryDirectory(prefix="qingdan-bench-") as tmp:
            env = dict(os.environ)
            env["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            env["QINGDAN_VAR_DIR"] = tmp
            env.setdefault("SECRET_KEY", "bench-only-secret-key")
            manage = Path(settings.BASE_DIR) / "manage.py"
            self.stdout.write(f"Generating {rows} rows and importing them into a temporary database…")
            completed = subprocess.run(
                [sys.executable, str(manage), "bench_excel", "--child", tmp,
                 "--rows", str(rows), "--export-rows", str(export_rows)],
                env=env, capture_output=True, text=True, check=False,
            )
            if completed.returncode != 0:
                raise CommandError(f"The benchmark failed:\n{completed.stderr[-4000:]}")
            result = json.loads(completed.stdout.strip().splitlines()[-1])
        target = Path(output) if output else Path(settings.BASE_DIR) / "var" / "bench_excel.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        self.stdout.write(
            f"rows: {result['rows']}\n"
            f"bare openpyxl read-only parse: {result['parse_seconds']:.2f} s\n"
            f"import: {result['import_seconds']:.2f} s "
            f"({result['import_ratio']:.2f}× the parse; target ≤ {IMPORT_RATIO_TARGET:g}×)\n"
            f"import again (nothing changes): {result['reimport_seconds']:.2f} s\n"
            f"peak Python memory of an import (tracemalloc): {result['peak_memory_mb']:.1f} MB\n"
            f"export of {result['export_rows']} rows: {result['export_seconds']:.2f} s "
            f"(target < {EXPORT_SECONDS_TARGET:g} s)\n"
            f"targets met: {'yes' if result['targets_met'] else 'NO'}\n"
            f"written to {target}"
        )
        if strict and not result["targets_met"]:
            raise CommandError("A benchmark target was missed.")

    # -- the child, on the throw-away database

    def _child(self, tmp: Path, rows: int, export_rows: int):
        from django.db import connection

        database = str(connection.settings_dict.get("NAME", ""))
        if connection.vendor != "sqlite" or not database.startswith(str(tmp)):
            raise CommandError("The benchmark runs only on its own temporary SQLite database.")
        call_command("migrate", verbosity=0, interactive=False)

        from duties.excel import export_file, import_file
        from townships.models import County, Department, Township

        def county(code, name):
            county = County.objects.create(code=code, name=name)
            Department.objects.bulk_create(
                Department(county=county, code=f"D{i:02d}", name=name_) for i, name_ in enumerate(DEPARTMENTS)
            )
            Township.objects.bulk_create(
                Township(county=county, code=f"{code}{101 + i:03d}", name=name_)
                for i, name_ in enumerate(TOWNSHIPS)
            )
            return county

        big = tmp / "power.xlsx"
        generate_power_file(big, rows)
        parse_seconds = bare_parse_seconds(big)
        data = big.read_bytes()

        first = county("990101", "示范县")
        start = time.perf_counter()
        report = import_file("power", data, big.name, county=first)
        import_seconds = time.perf_counter() - start
        if report.errors or report.created != rows:
            raise CommandError(f"Import failed: {report.messages[:5]}")
        start = time.perf_counter()
        again = import_file("power", data, big.name, county=first)
        reimport_seconds = time.perf_counter() - start
        if again.unchanged != rows:
            raise CommandError("Importing the same file again changed something.")

        second = county("990102", "对照县")
        tracemalloc.start()
        import_file("power", data, big.name, county=second)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        small = tmp / "power-export.xlsx"
        generate_power_file(small, export_rows, seed_prefix="EXPORT")
        third = county("990103", "导出县")
        report = import_file("power", small.read_bytes(), small.name, county=third)
        if report.errors:
            raise CommandError(f"Import failed: {report.messages[:5]}")
        start = time.perf_counter()
        exported = export_file("power", county=third)
        export_seconds = time.perf_counter() - start

        ratio = import_seconds / parse_seconds if parse_seconds else 0.0
        result = {
            "rows": rows,
            "file_bytes": len(data),
            "parse_seconds": round(parse_seconds, 3),
            "import_seconds": round(import_seconds, 3),
            "import_ratio": round(ratio, 2),
            "import_ratio_target": IMPORT_RATIO_TARGET,
            "reimport_seconds": round(reimport_seconds, 3),
            "peak_memory_mb": round(peak / 1024 / 1024, 1),
            "export_rows": export_rows,
            "export_bytes": len(exported),
            "export_seconds": round(export_seconds, 3),
            "export_seconds_target": EXPORT_SECONDS_TARGET,
            "targets_met": ratio <= IMPORT_RATIO_TARGET and export_seconds < EXPORT_SECONDS_TARGET,
            "database": "sqlite (temporary)",
            "python": sys.version.split()[0],
        }
        self.stdout.write(json.dumps(result, ensure_ascii=False))
