"""The benchmark behind ``manage.py bench`` (``make bench``).

Measurements are plain functions registered with ``@measurement``; each gets the shared
``Bench`` and returns a dict of numbers that goes into ``var/bench.json`` and the printed
table. To measure something new, add a function.

``BASELINE`` holds, per rule, hand-written SQL computing the same rows as the engine's rule
(one row per flag: the physical limit the engine is compared with). A test checks at tiny
scale that baseline and engine agree rule by rule.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from delegations.flags import RULES, FlagQuery
from delegations.flags.sources import (
    DUPLICATE_WINDOW_DAYS,
    JOINING_WORDS,
    TITLE_NOISE,
    VAGUE_SEPARATORS,
    VAGUE_WORDS,
    overdue_context,
)

# --- the SQL baseline ----------------------------------------------------------------------


def _replace_chain(sql: str, chars) -> str:
    for char in chars:
        sql = f"REPLACE({sql}, '{char}', '')"
    return sql


def _day_number(sql: str) -> str:
    if connection.vendor == "sqlite":
        return f"julianday({sql})"
    return f"({sql} - DATE '1970-01-01')"


def _in_force(d: str, day: str) -> str:
    return (
        f"({d}.state IN ('approved', 'revoked') AND {d}.effective_from <= {day}"
        f" AND ({d}.effective_to IS NULL OR {d}.effective_to >= {day})"
        f" AND ({d}.revoked_on IS NULL OR {d}.revoked_on > {day}))"
    )


def _live(d: str) -> str:
    return (
        f"({d}.state = 'submitted' OR ({d}.state = 'approved'"
        f" AND ({d}.effective_to IS NULL OR {d}.effective_to >= %(today)s)))"
    )


def _current(d: str) -> str:
    return f"({d}.state = 'approved' AND ({d}.effective_to IS NULL OR {d}.effective_to >= %(today)s))"


AT = (
    "delegations_assignment_townships at"
    " JOIN delegations_assignment a ON a.id = at.assignment_id"
    " JOIN townships_township t ON t.id = at.township_id"
)
DT = (
    "delegations_delegation_townships dt"
    " JOIN delegations_delegation d ON d.id = dt.delegation_id"
)
DTI = (
    "delegations_delegation_duty_items di"
    " JOIN delegations_delegation d ON d.id = di.delegation_id"
    " JOIN delegations_delegation_townships dt ON dt.delegation_id = d.id"
    " JOIN duties_dutyitem i ON i.id = di.dutyitem_id"
)


def _entries_on(kinds, item_condition: str, day: str = "a.assigned_on") -> str:
    kinds_sql = ", ".join(f"'{k}'" for k in kinds)
    return (
        "EXISTS (SELECT 1 FROM duties_listentry e JOIN duties_dutyitem ei ON ei.id = e.item_id"
        " LEFT JOIN delegations_delegation ed ON ed.id = e.delegation_id"
        f" WHERE {item_condition} AND (e.kind || '') IN ({kinds_sql}) AND (e.status || '') = 'published'"
        f" AND e.effective_from <= {day} AND (e.effective_to IS NULL OR e.effective_to >= {day})"
        " AND ((e.all_townships AND ei.county_id = t.county_id) OR EXISTS (SELECT 1 FROM"
        " duties_listentry_townships et WHERE et.listentry_id = e.id"
        " AND et.township_id = at.township_id))"
        f" AND (e.delegation_id IS NULL OR {_in_force('ed', day)}))"
    )


def _listed(kinds) -> str:
    return (
        f"((a.duty_item_id IS NOT NULL AND {_entries_on(kinds, 'e.item_id = a.duty_item_id')})"
        f" OR (a.duty_item_id IS NULL AND {_entries_on(kinds, 'ei.county_id = t.county_id AND ei.name = a.title')}))"
    )


def _delegations_for(extra: str = "") -> str:
    return (
        "EXISTS (SELECT 1 FROM delegations_delegation_duty_items cdi"
        " JOIN delegations_delegation cd ON cd.id = cdi.delegation_id"
        " JOIN delegations_delegation_townships cdt ON cdt.delegation_id = cd.id"
        " WHERE cdi.dutyitem_id = a.duty_item_id AND cdt.township_id = at.township_id"
        f" {extra})"
    )


HELD = ("power", "territorial", "admission")
NOT_IN_FORCE_DELEGATION = _delegations_for(
    f"AND cd.state <> 'draft' AND NOT {_in_force('cd', 'a.assigned_on')}"
)
OWN = ("power", "admission")
COVERED = _delegations_for(f"AND {_in_force('cd', 'a.assigned_on')}")


def _entry_township_rows(kinds_sql: str, where: str) -> str:
    """(entry, township) rows of published entries in force today, both scopes."""
    base = (
        "FROM duties_listentry e JOIN duties_dutyitem ei ON ei.id = e.item_id"
        " LEFT JOIN delegations_delegation ed ON ed.id = e.delegation_id"
    )
    common = (
        f"e.kind IN ({kinds_sql}) AND e.status = 'published' AND e.effective_from <= %(today)s"
        f" AND (e.effective_to IS NULL OR e.effective_to >= %(today)s) AND {where}"
    )
    return (
        f"SELECT e.id, t.id {base} JOIN townships_township t ON t.county_id = ei.county_id"
        f" WHERE e.all_townships AND {common}"
        f" UNION ALL SELECT e.id, et.township_id {base}"
        " JOIN duties_listentry_townships et ON et.listentry_id = e.id"
        f" WHERE NOT e.all_townships AND {common}"
    )


def baseline_sql() -> dict[str, str]:
    """Per rule, SQL returning one row per flag (pyformat params: today, cutoff)."""
    vague = f"TRIM({_replace_chain('e.township_duty', VAGUE_WORDS + JOINING_WORDS + VAGUE_SEPARATORS)})"
    norm = _replace_chain("a.title", TITLE_NOISE)
    frame = (
        f"ORDER BY {_day_number('a.assigned_on')} RANGE BETWEEN {DUPLICATE_WINDOW_DAYS} PRECEDING"
        f" AND {DUPLICATE_WINDOW_DAYS} FOLLOWING"
    )
    return {
        "UNLISTED_ASSIGNMENT": f"SELECT at.assignment_id, at.township_id FROM {AT}"
        f" WHERE NOT {_listed(HELD)} AND NOT {COVERED}",
        "RECLAIMED_ITEM_ASSIGNED": f"SELECT at.assignment_id, at.township_id FROM {AT}"
        " WHERE a.duty_item_id IN (SELECT item_id FROM duties_listentry WHERE kind = 'reclaimed')"
        f" AND {_entries_on(('reclaimed',), 'e.item_id = a.duty_item_id')}",
        "MAIN_DUTY_SHIFTED": f"SELECT at.assignment_id, at.township_id FROM {AT}"
        " WHERE a.responsibility = 'main' AND a.duty_item_id IS NOT NULL"
        f" AND {_entries_on(('territorial',), 'e.item_id = a.duty_item_id')}"
        f" AND NOT {_listed(OWN)} AND NOT {COVERED}",
        "LIABILITY_SHIFT_BY_ASSESSMENT": f"SELECT at.assignment_id, at.township_id FROM {AT}"
        f" WHERE a.channel IN ('pledge', 'assessment') AND NOT {_listed(OWN)} AND NOT {COVERED}",
        "ENTRUSTMENT_WITHOUT_AGREEMENT": f"SELECT d.id, dt.township_id FROM {DT}"
        f" WHERE d.mode = 'entrust' AND {_current('d')} AND (LENGTH(TRIM(d.agreement_scope)) = 0"
        " OR LENGTH(TRIM(d.agreement_powers)) = 0 OR d.agreement_term_end IS NULL"
        " OR d.published_on IS NULL)",
        "NON_DELEGABLE_POWER": f"SELECT d.id, dt.township_id, i.id FROM {DTI}"
        f" WHERE d.mode = 'entrust' AND {_live('d')} AND i.category = 'coercion'",
        "GRANT_WITHOUT_PROVINCIAL_DECISION": f"SELECT d.id, dt.township_id, i.id FROM {DTI}"
        f" WHERE d.mode = 'grant' AND {_live('d')} AND i.category = 'penalty'"
        " AND LENGTH(TRIM(d.provincial_decision)) = 0",
        "REDELEGATION": f"SELECT d.id, dt.township_id, i.id FROM {DTI}"
        " JOIN delegations_delegation p ON p.id = d.derived_from_id"
        f" WHERE {_live('d')} AND p.mode = 'entrust'",
        "DELEGATION_NOT_IN_FORCE": f"SELECT at.assignment_id, at.township_id FROM {AT}"
        f" WHERE a.duty_item_id IS NOT NULL AND NOT {_listed(HELD)} AND NOT {COVERED}"
        f" AND {NOT_IN_FORCE_DELEGATION}"
        " UNION ALL "
        + _entry_township_rows(
            "'power', 'territorial', 'admission'",
            f"e.delegation_id IS NOT NULL AND NOT {_in_force('ed', '%(today)s')}",
        ),
        "UNFUNDED_DELEGATION": f"SELECT d.id, dt.township_id FROM {DT}"
        f" WHERE {_current('d')} AND d.staff_posts = 0 AND d.funding_wan_yuan = 0",
        "OVERDUE_REVIEW": f"SELECT d.id, dt.township_id FROM {DT} WHERE d.state = 'submitted'"
        " AND (d.deadline < %(today)s OR (d.deadline IS NULL AND d.submitted_at < %(cutoff)s))",
        "NOT_OWNING_DEPARTMENT": f"SELECT d.id, dt.township_id FROM {DTI}"
        f" WHERE {_live('d')} AND i.department_id IS NOT NULL AND i.department_id <> d.department_id"
        f" UNION ALL SELECT at.assignment_id, at.township_id FROM {AT}"
        " JOIN duties_dutyitem i ON i.id = a.duty_item_id"
        " WHERE i.department_id IS NOT NULL AND i.department_id <> a.department_id",
        "VAGUE_COOPERATION": _entry_township_rows(
            "'territorial'",
            f"(LENGTH(TRIM(e.department_duty)) = 0 OR LENGTH({vague}) = 0)",
        ),
        "DUPLICATE_ASSIGNMENT": "SELECT assignment_id, township_id FROM (SELECT at.assignment_id,"
        " at.township_id, a.duty_item_id AS item,"
        " MIN(a.department_id) OVER wi AS il, MAX(a.department_id) OVER wi AS ih,"
        " MIN(a.department_id) OVER wt AS tl, MAX(a.department_id) OVER wt AS th"
        f" FROM {AT}"
        f" WINDOW wi AS (PARTITION BY at.township_id, a.duty_item_id {frame}),"
        f" wt AS (PARTITION BY at.township_id, {norm} {frame})) w"
        " WHERE (item IS NOT NULL AND il <> ih) OR tl <> th",
    }


def baseline_params(today=None) -> dict:
    today = today or timezone.localdate()
    return {"today": today, "cutoff": overdue_context(today).overdue_cutoff}


def run_baseline(today=None) -> dict[str, dict]:
    """Run every rule's SQL; per rule its row count and seconds."""
    params = baseline_params(today)
    result = {}
    with connection.cursor() as cursor:
        for code, sql in baseline_sql().items():
            started = time.perf_counter()
            cursor.execute(sql, params)
            rows = cursor.fetchall()
            result[code] = {"count": len(rows), "seconds": time.perf_counter() - started}
    return result


# --- measurements ---------------------------------------------------------------------------


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


def _api_available() -> bool:
    from django.urls import NoReverseMatch, Resolver404, resolve

    try:
        resolve("/api/v1/flags/")
        return True
    except (Resolver404, NoReverseMatch, ImportError, Exception):  # noqa: BLE001 - optional
        return False


def _api_get(bench: Bench, url: str) -> dict:
    if not _api_available():
        return {"skipped": "no /api/v1/ in this project yet"}
    from django.test import Client

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
    duties.web.bench builds that township and rolls it back."""
    from duties.web.bench import bench_pages

    pages = bench_pages()
    page = pages["township_page"]
    checker = pages["checker"]
    return {
        "seconds": round(page["median_ms"] / 1000, 3),
        "queries": page.get("queries"),
        "note": f"target < 0.3 s; checker median {checker['median_ms']} ms (target < 200 ms)",
        "detail": pages,
    }


def run(scale: str, seed: int = 1, out=print) -> dict:
    """Generate ``scale`` into the current database (a throw-away one: see the bench command)
    and run every measurement; returns the results."""
    from django.contrib.auth import get_user_model

    from delegations.flags.synthetic import generate
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
        if data.get("skipped"):
            notes.append(data["skipped"])
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


__all__ = ["MEASUREMENTS", "Bench", "baseline_sql", "format_table", "measurement", "run", "run_baseline"]
