"""Timings of the township pages and the task checker, for ``make bench``.

``bench_pages()`` builds a county whose township has ``entries`` list entries (default 1,000,
spread over the four lists like real lists), measures the pages with the test client and the
checker directly, and rolls everything back: the database is left as it was. Targets (issue
6): township page < 300 ms with a query count that does not grow with the entries; checker
< 200 ms against a 1,000-entry township.
"""

from __future__ import annotations

import datetime
import random
import statistics
import time

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

FIELDS = (
    "燃气 秸秆 森林 河道 地质灾害 消防 食品 药品 特种设备 农村公路 宅基地 耕地 养老 医疗 教育 "
    "文物 旅游 电力 气象 动物疫病 危险化学品 建设工程 生态环境 安全生产 防汛 民政 救助 残疾人 "
    "退役军人 就业 社会保险 户籍 流动人口 信访 人民调解 村务 集体资产 农产品 畜禽养殖"
).split()
ACTIONS = (
    "监督检查 日常巡查 隐患排查 审核确认 申请受理 登记 行政处罚 宣传教育 信息报告 应急处置 "
    "许可核发 备案 协助调查 统计上报 台账管理"
).split()
KIND_SHARES = (("power", 0.4), ("territorial", 0.3), ("admission", 0.1), ("reclaimed", 0.2))

TASKS = [
    "开展辖区燃气安全隐患排查整治",
    "秸秆禁烧巡查",
    "特种设备安全检查",
    "农村公路日常养护",
    "创建国家卫生城市迎检材料报送",
]


class _Rollback(Exception):
    pass


def build_township(entries: int, seed: int):
    from simple_history.utils import bulk_create_with_history

    from duties.models import DutyItem, ListEntry
    from townships.models import County, Department, Township

    rng = random.Random(seed)
    county = County.objects.create(code="999990", name="基准县")
    township = Township.objects.create(county=county, code="999990101", name="基准镇")
    Township.objects.create(county=county, code="999990102", name="对照乡")
    departments = [
        Department.objects.create(county=county, code=f"B{i:02d}", name=f"基准县第{i}局")
        for i in range(30)
    ]
    items = []
    for n in range(entries):
        field, action = rng.choice(FIELDS), rng.choice(ACTIONS)
        items.append(
            DutyItem(
                county=county,
                code=f"BENCH{n:05d}",
                name=f"{field}{action}（{n}）",
                category=rng.choice(["inspection", "penalty", "licensing", "public_service"]),
                legal_basis=f"《{field}管理条例》第{rng.randint(1, 80)}条",
                department=rng.choice(departments),
            )
        )
    items = bulk_create_with_history(items, DutyItem, batch_size=500)
    items = list(DutyItem.objects.filter(county=county).order_by("code"))
    rows = []
    start = 0
    for kind, share in KIND_SHARES:
        count = round(entries * share) if kind != "reclaimed" else entries - start
        for item in items[start : start + count]:
            department = item.department
            rows.append(
                ListEntry(
                    kind=kind,
                    item=item,
                    effective_from=datetime.date(2024, 1, 1),
                    source="statutory" if kind == "power" else "",
                    lead_department=department if kind == "territorial" else None,
                    department_duty="负责行业监管和执法" if kind == "territorial" else "",
                    township_duty="开展日常巡查，发现问题及时劝阻并报告" if kind == "territorial" else "",
                    requesting_department=department if kind == "admission" else None,
                    admission_mode="assign" if kind == "admission" else "",
                    approval_document="基县委办〔2024〕1号" if kind == "admission" else "",
                    receiving_department=department if kind == "reclaimed" else None,
                    working_method="由县级部门统一实施" if kind == "reclaimed" else "",
                )
            )
        start += count
    bulk_create_with_history(rows, ListEntry, batch_size=500)
    return township


def _time(fn, repeat: int) -> dict:
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - began) * 1000)
    return {"median_ms": round(statistics.median(timings), 1), "max_ms": round(max(timings), 1)}


def _notice(size_bytes: int, seed: int) -> str:
    rng = random.Random(seed)
    sentences = []
    total = 0
    while total < size_bytes - 200:
        sentence = (
            f"请各乡镇于{rng.randint(1, 12)}月底前完成辖区{rng.choice(FIELDS)}"
            f"{rng.choice(ACTIONS)}工作，并将结果报{rng.choice(['县局', '办公室', '指挥部'])}。"
        )
        sentences.append(sentence)
        total += len(sentence.encode())
    return "".join(sentences)


def bench_pages(entries: int = 1000, repeat: int = 5, seed: int = 6) -> dict:
    """Timings (ms) and query counts of the township page, its exports and history views,
    the county page and the checker, on a township with ``entries`` entries. Leaves no data."""
    from duties import checker

    from django.core.signals import request_started
    from django.db import reset_queries

    results: dict = {"entries": entries}
    # A request normally empties the query log; keep it so that the queries can be counted.
    request_started.disconnect(reset_queries)
    try:
        with transaction.atomic():
            township = build_township(entries, seed)
            client = Client()
            base = f"/townships/{township.code}/"

            def page(params=""):
                response = client.get(base + params)
                assert response.status_code == 200, response.status_code
                return response

            page()  # warm the template cache
            with CaptureQueriesContext(connection) as queries:
                page()
            count = len(queries.captured_queries)
            results["township_page"] = {**_time(page, repeat), "queries": count}
            results["township_page_territorial"] = _time(lambda: page("?list=territorial"), repeat)
            results["township_page_search"] = _time(lambda: page("?q=巡查&category=inspection"), repeat)
            today = timezone.localdate().isoformat()
            results["township_page_as_of"] = _time(lambda: page(f"?as_of={today}"), repeat)
            results["changes_page"] = _time(
                lambda: page(f"changes/?start=2024-01-01&end={today}"), repeat
            )
            results["export_xlsx"] = _time(lambda: page("export.xlsx?list=power"), repeat)
            results["county_page"] = _time(
                lambda: client.get(f"/counties/{township.county.code}/"), repeat
            )

            began = time.perf_counter()
            checker.tokens("预热分词")  # loads jieba's dictionary once per process
            results["segmenter_load_ms"] = round((time.perf_counter() - began) * 1000, 1)
            checker.clear_cache()
            began = time.perf_counter()
            checker.check(township, TASKS[0])
            results["checker_index_build_ms"] = round((time.perf_counter() - began) * 1000, 1)
            per_task = []
            for task in TASKS:
                per_task.append(_time(lambda task=task: checker.check(township, task), repeat)["median_ms"])
            results["checker"] = {"median_ms": round(statistics.median(per_task), 1), "max_ms": max(per_task)}
            notice = _notice(checker.MAX_TEXT_BYTES, seed)
            results["checker_100kb_notice"] = _time(lambda: checker.check(township, notice), 2)
            results["checker_page"] = _time(
                lambda: client.post(base + "check/", {"text": TASKS[1]}), repeat
            )
            raise _Rollback
    except _Rollback:
        pass
    finally:
        request_started.connect(reset_queries)
        checker.clear_cache()
    results["targets"] = {
        "township_page_ms": 300,
        "checker_ms": 200,
        "township_page_ok": results["township_page"]["median_ms"] < 300,
        "checker_ok": results["checker"]["max_ms"] < 200,
    }
    return results
