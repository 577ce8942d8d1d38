"""The measurements behind ``manage.py bench`` (``make bench``).

Measurements are plain functions registered with ``@measurement``; each gets the shared
``Bench`` and returns a dict of numbers that goes into ``var/bench.json`` and the printed
table. To measure something new, add a function.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.baseline import run_baseline
from bench.pages import bench_pages
from delegations.flags import RULES, FlagQuery

@dataclass
class Bench:
    scale: str
    office_user: object = None
    township_code: str = ""
    results: dict = field(default_factory=dict)
    repeat: int = 3


MEASUREMENTS: list[tuple[str, Callable[[Bench], dict]]] = []


def measurement(name: str):
    def register(func):
        MEASUREMENTS.append((name, func))
        return func

    return register


def _timed(func, repeat=1):
    """(best seconds, query count, result) over ``repeat`` runs."""
    times, result, queries = [], None, 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = func()
            times.append(time.perf_counter() - started)
        queries = len(captured.captured_queries)
    return min(times), queries, result


@measurement("sql_baseline")
def measure_baseline(bench: Bench) -> dict:
    per_rule = run_baseline()
    total = sum(r["seconds"] for r in per_rule.values())
    return {
        "seconds": round(total, 3),
        "queries": len(per_rule),
        "flags": sum(r["count"] for r in per_rule.values()),
        "per_rule": {c: {"count": r["count"], "seconds": round(r["seconds"], 3)} for c, r in per_rule.items()},
    }


@measurement("full_scan")
def measure_full_scan(bench: Bench) -> dict:
    """Every flag of every county materialised as Flag objects (one query)."""
    seconds, queries, flags = _timed(lambda: list(FlagQuery()))
    base = bench.results.get("sql_baseline", {}).get("seconds")
    by_rule = {code: 0 for code in RULES}
    for flag in flags:
        by_rule[flag.rule] += 1
    return {
        "seconds": round(seconds, 3),
        "queries": queries,
        "flags": len(flags),
        "ratio_to_sql_baseline": round(seconds / base, 2) if base else None,
        "target": "≤ 3× the SQL baseline",
        "per_rule": by_rule,
    }


@measurement("count")
def measure_count(bench: Bench) -> dict:
    seconds, queries, n = _timed(lambda: FlagQuery().count())
    return {"seconds": round(seconds, 3), "queries": queries, "flags": n}


@measurement("first_page")
def measure_first_page(bench: Bench) -> dict:
    """What a paginated list does: count, then flags 0–50."""

    def page():
        query = FlagQuery()
        return query.count(), query[0:50]

    seconds, queries, (_n, flags) = _timed(page, bench.repeat)
    return {"seconds": round(seconds, 3), "queries": queries, "flags": len(flags),
            "target": "< 0.3 s at province scale"}


@measurement("first_page_one_township")
def measure_township_page(bench: Bench) -> dict:
    def page():
        query = FlagQuery(township=bench.township_code)
        return query.count(), query[0:50]

    seconds, queries, (_n, flags) = _timed(page, bench.repeat)
    return {"seconds": round(seconds, 3), "queries": queries, "flags": len(flags)}


@measurement("summary")
def measure_summary(bench: Bench) -> dict:
    seconds, queries, summary = _timed(lambda: FlagQuery().summary())
    return {"seconds": round(seconds, 3), "queries": queries,
            "flags": sum(summary["by_rule"].values())}


def _api_get(bench: Bench, url: str) -> dict:
    client = Client()
    client.force_login(bench.office_user)
    response = None

    def get():
        nonlocal response
        response = client.get(url, HTTP_ACCEPT="application/json")
        return response

    seconds, queries, _r = _timed(get, bench.repeat)
    return {"url": url, "status": response.status_code, "seconds": round(seconds, 3),
            "queries": queries}


@measurement("flags_api_first_page")
def measure_flags_api(bench: Bench) -> dict:
    return _api_get(bench, "/api/v1/flags/?limit=50")


@measurement("township_lists_api")
def measure_lists_api(bench: Bench) -> dict:
    return _api_get(bench, f"/api/v1/townships/{bench.township_code}/lists/")


@measurement("township_page_1000_entries")
def measure_township_pages(bench: Bench) -> dict:
    """The township page and the task checker against a 1,000-entry township (issue 6);
    bench.pages builds that township and rolls it back."""
    pages = bench_pages()
    page = pages["township_page"]
    checker = pages["checker"]
    return {
        "seconds": round(page["median_ms"] / 1000, 3),
        "queries": page.get("queries"),
        "note": f"target < 0.3 s; checker median {checker['median_ms']} ms (target < 200 ms)",
        "detail": pages,
    }


@measurement("notice_checker_20_tasks")
def measure_notice(bench: Bench) -> dict:
    """A whole notice of 20 tasks checked against a 1,000-entry township (issue 13)."""
    from bench.notice import bench_notice

    result = bench_notice()
    return {
        "seconds": round(result["median_ms"] / 1000, 3),
        "queries": result["queries"],
        "note": f"target < {result['target_ms']} ms (max {result['max_ms']} ms)",
        "detail": result,
    }


def run(scale: str, seed: int = 1, out=print) -> dict:
    """Generate ``scale`` into the current database (a throw-away one: see the bench command)
    and run every measurement; returns the results."""
    from django.contrib.auth import get_user_model

    from demo.synthetic import generate
    from townships.models import Profile, Township

    started = time.perf_counter()
    counts = generate(scale, seed=seed)
    results = {"scale": scale, "data": counts,
               "generate_seconds": round(time.perf_counter() - started, 1),
               "database": connection.vendor}
    out(f"generated {scale} in {results['generate_seconds']} s: {counts}")
    user = get_user_model().objects.create_user("bench-office", password=None, is_staff=True)
    Profile.objects.create(user=user, role=Profile.Role.OFFICE)
    township = Township.objects.order_by("code").first()
    bench = Bench(scale=scale, office_user=user, township_code=township.code if township else "",
                  results=results)
    connection.features.supports_json_field  # Django checks JSON support once per connection
    for name, func in MEASUREMENTS:
        out(f"measuring {name} …")
        results[name] = func(bench)
    return results


def format_table(results: dict) -> str:
    lines = [f"{'measurement':<26} {'seconds':>9} {'queries':>8} {'flags':>9}  notes"]
    for name, data in results.items():
        if not isinstance(data, dict) or name in ("scale", "data"):
            continue
        notes = []
        if data.get("ratio_to_sql_baseline") is not None:
            notes.append(f"{data['ratio_to_sql_baseline']}× SQL baseline (target ≤ 3×)")
        if data.get("note"):
            notes.append(data["note"])
        if data.get("status"):
            notes.append(f"HTTP {data['status']}")
        lines.append(
            f"{name:<26} {data.get('seconds', ''):>9} {data.get('queries', ''):>8}"
            f" {data.get('flags', ''):>9}  {'; '.join(notes)}"
        )
    return "\n".join(lines)


def dumps(results: dict) -> str:
    return json.dumps(results, ensure_ascii=False, indent=2, default=str)


__all__ = ["MEASUREMENTS", "Bench", "dumps", "format_table", "measurement", "run"]
