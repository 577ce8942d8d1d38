"""Timing of the notice checker, for ``make bench``.

``bench_notice()`` builds the 1,000-entry township of ``bench.pages`` and checks a notice of
20 numbered tasks written as a county department writes one (heading, addressees, opening,
tasks, requirements, contact, signature, date), then rolls everything back. Target (issue 13):
under 200 ms per notice, warm (the township's index built, jieba loaded).
"""

from __future__ import annotations

import random
import statistics
import time

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bench.pages import ACTIONS, FIELDS, build_township

TARGET_MS = 200
_CN_NUMBERS = "一二三四五六七八九十"


class _Rollback(Exception):
    pass


def _cn(n: int) -> str:
    """1..99 in Chinese numerals (一, 十, 十一, 二十三)."""
    tens, units = divmod(n, 10)
    return (("" if tens == 1 else _CN_NUMBERS[tens - 1]) + "十" if tens else "") + (
        _CN_NUMBERS[units - 1] if units else ""
    )


def notice_text(tasks: int = 20, seed: int = 13) -> str:
    """A notice of ``tasks`` numbered tasks, half of them worded like list entries."""
    rng = random.Random(seed)
    lines = [
        "基准县第1局关于开展2026年度重点领域安全隐患排查整治工作的通知",
        "各乡镇人民政府、街道办事处，县直有关单位：",
        "    为切实做好全县重点领域安全防范工作，根据上级有关要求，经县人民政府同意，现将有关事项通知如下：",
        "    一、主要任务",
    ]
    for n in range(1, tasks + 1):
        field, action = rng.choice(FIELDS), rng.choice(ACTIONS)
        if n % 2:
            body = f"开展辖区{field}{action}。各乡镇要组织力量对辖区{field}领域逐一开展{action}，建立工作台账。"
        else:
            body = f"做好{field}领域群众来信来访的登记和回访，{rng.randint(1, 12)}月底前完成。"
        lines.append(f"    （{_cn(n)}）{body}")
    lines += [
        "    二、工作要求",
        "    （一）加强组织领导。各乡镇要高度重视，主要负责同志亲自抓。",
        "    （二）及时报送信息。请各乡镇于6月10日前将排查整治情况报县第1局。",
        "    联系人：李明    联系电话：0871-6123456",
        "基准县第1局",
        "2026年5月20日",
    ]
    return "\n".join(lines)


def bench_notice(entries: int = 1000, tasks: int = 20, repeat: int = 5, seed: int = 6) -> dict:
    """Timings (ms) and query count of ``check_notice`` for a ``tasks``-task notice against a
    township of ``entries`` entries. Leaves no data."""
    from duties import checker
    from duties.notice_check import check_notice

    results: dict = {"entries": entries, "tasks": tasks}
    text = notice_text(tasks)
    try:
        with transaction.atomic():
            township = build_township(entries, seed)
            checker.clear_cache()
            began = time.perf_counter()
            first = check_notice(township, text)  # builds the index, loads jieba if needed
            results["first_ms"] = round((time.perf_counter() - began) * 1000, 1)
            results["tasks_found"] = len(first.tasks)
            results["verdicts"] = {v: sum(t.verdict == v for t in first.tasks) for v in
                                   {t.verdict for t in first.tasks}}
            timings = []
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as queries:
                    began = time.perf_counter()
                    check_notice(township, text)
                    timings.append((time.perf_counter() - began) * 1000)
            results["median_ms"] = round(statistics.median(timings), 1)
            results["max_ms"] = round(max(timings), 1)
            results["queries"] = len(queries.captured_queries)
            raise _Rollback
    except _Rollback:
        pass
    finally:
        checker.clear_cache()
    results["target_ms"] = TARGET_MS
    results["ok"] = results["max_ms"] < TARGET_MS
    return results
