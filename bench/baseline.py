"""The SQL baseline of ``manage.py bench``: per flag rule, hand-written SQL computing the same
rows as the engine's rule (one row per flag: the physical limit the engine is compared with).
A test checks at tiny scale that baseline and engine agree rule by rule.
"""

from __future__ import annotations

import time

from django.db import connection
from django.utils import timezone

from delegations.flags.sources import (
    DUPLICATE_WINDOW_DAYS,
    JOINING_WORDS,
    TITLE_NOISE,
    VAGUE_SEPARATORS,
    VAGUE_WORDS,
    overdue_context,
)


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
