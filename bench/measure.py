"""The measurements behind ``manage.py bench`` (``make bench``).

Measurements are plain functions registered with ``@measurement``; each gets the shared
``Bench`` and returns a dict of numbers that goes into ``var/bench.json`` and the printed
table. To measure something new, add a function.

Two families: the engine (``FlagQuery``: every flag computed from the data, against the
hand-written SQL baseline) and the flag store (``StoredFlagQuery`` and the API reading it, the
case queue, the full rebuild, and the time a write adds to keep the store: an assignment, a
county-wide list entry, a county-wide approval — each measured inside a transaction that is
rolled back).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Callable

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.baseline import run_baseline
from bench.pages import bench_pages
from delegations.flags import RULES, FlagQuery, StoredFlagQuery, store

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
            "target": "< 0.3 s at province scale (the engine; the API reads the store)"}


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


# --------------------------------------------------------------------------- the store


@measurement("store_rebuild")
def measure_store_rebuild(bench: Bench) -> dict:
    """The whole store built from empty (every county, every rule, with the cases), against the
    SQL baseline; then the same refresh with nothing to change (what ``--verify`` costs)."""
    from delegations.models import Case, Finding

    with transaction.atomic():
        Finding.objects.all().delete()
        Case.objects.all().delete()
    with transaction.atomic():
        seconds, queries, changes = _timed(lambda: store.refresh(reason="基准测试"))
    with transaction.atomic():
        again, _q, unchanged = _timed(lambda: store.refresh(reason="基准测试"))
    base = bench.results.get("sql_baseline", {}).get("seconds")
    return {
        "seconds": round(seconds, 3),
        "queries": queries,
        "flags": len(changes.created),
        "ratio_to_sql_baseline": round(seconds / base, 2) if base else None,
        "note": f"a refresh with nothing to change: {round(again, 3)} s "
                f"({len(unchanged.changed)} changed); target ≤ 2× the SQL baseline",
        "cases": Case.objects.count(),
    }


def _stored(**filters):
    def page():
        query = StoredFlagQuery(**filters)
        return query.count(), query[0:50]

    return page


@measurement("store_first_page")
def measure_store_first_page(bench: Bench) -> dict:
    seconds, queries, (_n, flags) = _timed(_stored(), bench.repeat)
    return {"seconds": round(seconds, 3), "queries": queries, "flags": len(flags),
            "note": "target ≤ 0.1 s at province scale on PostgreSQL"}


@measurement("store_first_page_one_township")
def measure_store_township(bench: Bench) -> dict:
    seconds, queries, (_n, flags) = _timed(_stored(township=bench.township_code), bench.repeat)
    return {"seconds": round(seconds, 3), "queries": queries, "flags": len(flags)}


@measurement("store_summary")
def measure_store_summary(bench: Bench) -> dict:
    seconds, queries, summary = _timed(lambda: StoredFlagQuery().summary(), bench.repeat)
    return {"seconds": round(seconds, 3), "queries": queries,
            "flags": sum(summary["by_rule"].values()),
            "note": "target ≤ 0.2 s at province scale on PostgreSQL"}


def _write_cost(write, repeat=2) -> tuple[float, float, int]:
    """(seconds of the write with its store refresh, seconds of the refresh alone, queries of
    the refresh), the best of ``repeat`` runs (the first one compiles the rules' SQL for the
    write's filters, once per process): the write runs inside a batch whose refresh at the
    end is timed apart; everything is rolled back."""
    best = None
    for _ in range(repeat):
        with transaction.atomic():
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                with store.batch():
                    write()
                    wrote = time.perf_counter()
                    mark = len(captured.captured_queries)
                ended = time.perf_counter()
            refresh_queries = len(captured.captured_queries) - mark
            transaction.set_rollback(True)
        run = (ended - started, ended - wrote, refresh_queries)
        best = run if best is None or run[1] < best[1] else best
    return best


def _county_scene():
    from townships.models import County

    county = County.objects.order_by("code").first()
    department = county.departments.order_by("code").first()
    item = county.duty_items.filter(department=department).order_by("code").first()
    return county, department, item


@measurement("write_one_assignment")
def measure_write_assignment(bench: Bench) -> dict:
    """One assignment to one township: the store's refresh the assignment service runs
    (``store.assignment_recorded``: the assignment's own findings, and the township's
    duplicates), the best of three, rolled back."""

    from delegations.models import Assignment

    county, department, item = _county_scene()
    township = county.townships.order_by("code").first()
    best, queries = None, 0
    for _ in range(3):
        with transaction.atomic():
            assignment = Assignment.objects.create(
                department=department, title="基准测试交办", duty_item=item, channel="notice",
                assigned_on=timezone.localdate())
            assignment.townships.set([township])
            seconds, queries, _changes = _timed(
                lambda: store.assignment_recorded(assignment, [township], reason="基准测试"))
            transaction.set_rollback(True)
        best = seconds if best is None else min(best, seconds)
    return {"seconds": round(best, 3), "queries": queries,
            "note": "target ≤ 0.05 s at province scale"}


@measurement("write_county_list_entry")
def measure_write_entry(bench: Bench) -> dict:
    """A county-wide territorial entry with vague duties, as the admin saves one entry: the
    county's findings of the rules that read list entries refreshed."""
    import datetime

    from duties.models import ListEntry

    county, department, _item = _county_scene()
    item = county.duty_items.exclude(entries__kind="territorial").order_by("code").first()

    def write():
        entry = ListEntry(kind="territorial", item=item, all_townships=True,
                          effective_from=datetime.date(2024, 1, 1), lead_department=department,
                          department_duty="负责监管", township_duty="协调配合")
        entry.save()
        store.refresh(county=county, rules=store.list_rules(), reason="基准测试")

    total, extra, queries = _write_cost(write)
    return {"seconds": round(extra, 3), "queries": queries,
            "note": f"the write with it {round(total, 3)} s; target ≤ 0.5 s at province scale"}


@measurement("write_county_approval")
def measure_write_approval(bench: Bench) -> dict:
    """A request for one item to every township of a county, approved through the workflow."""
    import datetime

    from delegations import workflow
    from townships.models import Profile

    county, department, item = _county_scene()
    townships = list(county.townships.all())
    user = Profile.objects.filter(department=department, role="department").first().user

    def write():
        request = workflow.create_request(
            user, department=department, mode="assign", duty_items=[item], townships=townships,
            reason="基准测试", legal_basis="《基准测试条例》", staff_posts=1, funding_wan_yuan=1,
            effective_from=datetime.date(2024, 1, 1), submit=True,
        )
        workflow.decide_request(bench.office_user, request, "approve", "基准〔2026〕1号",
                                legal_review="passed", end_reclaimed_reason="基准测试")

    total, extra, queries = _write_cost(write)
    return {"seconds": round(extra, 3), "queries": queries,
            "note": f"the approval with it {round(total, 3)} s; target ≤ 0.5 s at province scale"}


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


@measurement("case_queue_api_first_page")
def measure_case_queue(bench: Bench) -> dict:
    return _api_get(bench, "/api/v1/cases/?limit=50")


@measurement("flags_api_one_township")
def measure_flags_api_township(bench: Bench) -> dict:
    return _api_get(bench, f"/api/v1/flags/?limit=50&township={bench.township_code}")


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


def run(scale: str, seed: int = 1, out=print, *, again=False) -> dict:
    """Generate ``scale`` into the current database (a throw-away one: see the bench command)
    and run every measurement; returns the results. ``again``: measure the data a former run
    kept (``--keep``), without generating it."""
    from django.contrib.auth import get_user_model

    from demo.synthetic import generate
    from townships.models import Profile, Township

    started = time.perf_counter()
    if again:
        from delegations.models import Assignment, Delegation
        from duties.models import ListEntry

        counts = {"list_entries": ListEntry.objects.count(),
                  "assignments": Assignment.objects.count(),
                  "delegations": Delegation.objects.count()}
    else:
        counts = generate(scale, seed=seed)
    results = {"scale": scale, "data": counts,
               "generate_seconds": round(time.perf_counter() - started, 1),
               "database": connection.vendor}
    out(f"generated {scale} in {results['generate_seconds']} s: {counts}")
    user, _created = get_user_model().objects.get_or_create(
        username="bench-office", defaults={"is_staff": True})
    Profile.objects.get_or_create(user=user, defaults={"role": Profile.Role.OFFICE})
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
            notes.append(f"{data['ratio_to_sql_baseline']}× SQL baseline")
        if data.get("target"):
            notes.append(f"target {data['target']}")
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
