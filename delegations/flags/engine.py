"""The flag engine: runs the rules of ``rules.py`` as SQL and turns their rows into ``Flag``s.

A rule returns ``Rows``: one or more querysets (``Part``s) whose every row is one flag, plus the
paths that name the flag's township, department, item, assignment, delegation and list entry,
and the facts that become its evidence. The engine never loops over data in Python to decide
whether a flag exists; it only assembles the rules' SQL:

- ``count()``   one query: ``SELECT (SELECT COUNT(*) FROM rule 1), (… rule 2), …``;
- a page        one query for the keys of the page (each rule ordered and cut with
                LIMIT/OFFSET inside the database, only the rules the page touches) and one
                query for the facts of just those rows; a large slice (a full export) fetches
                keys and facts in one pass instead;
- ``summary()`` one query grouping every rule's rows by rule, department and township;
- iterating     one query for every flag with its facts.

Filters (county, township, department) are pushed into every rule's SQL before anything is
counted or materialised, so a township user's request only touches that township's rows.
Flags are ordered by rule (registry order), then township code, department code, item code,
assignment id, delegation id and list entry id: stable and the same for count and pages.
"""

from __future__ import annotations

import json
from typing import Iterable

from django.db import connection
from django.db.models import (
    BigIntegerField,
    CharField,
    Expression,
    F,
    IntegerField,
    Model,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, JSONObject
from django.utils import timezone
from django.utils.translation import gettext

from delegations.flags.registry import (
    RULES,
    SEVERITIES,
    Context,
    Flag,
    FlagFilterError,
    Part,
    Ref,
    Rule,
)

# A slice longer than this is fetched in one pass (keys and facts together).
TWO_STEP_PAGE_LIMIT = 1000


def _path(value) -> Expression | None:
    if value is None:
        return None
    return F(value) if isinstance(value, str) else value

# Columns every rule part yields, in this order (ids are 0 and codes '' where absent, so that
# ordering is identical on every database).
KEY_COLUMNS = (
    "f_township",
    "f_tcode",
    "f_department",
    "f_dcode",
    "f_item",
    "f_icode",
    "f_assignment",
    "f_delegation",
    "f_entry",
)
ORDER_COLUMNS = ("f_tcode", "f_dcode", "f_icode", "f_assignment", "f_delegation", "f_entry")
ID_KEYS = ("f_township", "f_department", "f_item", "f_assignment", "f_delegation", "f_entry")
DETAIL_COLUMNS = ("f_tname", "f_dname", "f_iname", "f_facts")


def _id(path):
    if path is None:
        return Value(0, output_field=BigIntegerField())
    return Coalesce(_path(path), Value(0), output_field=BigIntegerField())


def _code(path, attr="code"):
    if path is None:
        return Value("", output_field=CharField())
    return Coalesce(F(f"{path}__{attr}"), Value(""), output_field=CharField())


class _Filters:
    """County / township / department filters, as instances or codes."""

    def __init__(self, county=None, township=None, department=None):
        from townships.models import County, Department, Township

        self.county = self._check("county", county, County)
        self.township = self._check("township", township, Township)
        self.department = self._check("department", department, Department)

    @staticmethod
    def _check(param, value, model):
        if value is None or value == "":
            return None
        if isinstance(value, model):
            return value
        if isinstance(value, str):
            return value.strip()
        raise FlagFilterError(
            param,
            gettext("Parameter “%(param)s” must be a %(model)s or its code.")
            % {"param": param, "model": model._meta.verbose_name},
        )

    def signature(self) -> tuple:
        def sig(value):
            if isinstance(value, Model):
                return (value._meta.label, value.pk)
            return value

        return (sig(self.county), sig(self.township), sig(self.department))

    def late(self, part: Part) -> list[tuple[str, list]]:
        """Conditions applied around a ``late_filters`` part: (column, allowed values)."""
        if self.department is None or not part.late_filters:
            return []
        if part.department is None:
            return [("f_department", [])]
        if isinstance(self.department, Model):
            return [("f_department", [self.department.pk])]
        return [("f_dcode", [self.department])]

    def apply(self, qs: QuerySet, part: Part) -> QuerySet:
        if self.township is not None:
            if isinstance(self.township, Model):
                qs = qs.filter(f_township=self.township.pk)
            else:
                qs = qs.filter(f_tcode=self.township)
        if self.county is not None:
            if isinstance(self.county, Model):
                qs = qs.alias(f_county=F(f"{part.township}__county")).filter(f_county=self.county.pk)
            else:
                qs = qs.alias(f_ccode=F(f"{part.township}__county__code")).filter(
                    f_ccode=self.county
                )
        if self.department is not None and not part.late_filters:
            if part.department is None:
                return qs.none()
            if isinstance(self.department, Model):
                qs = qs.filter(f_department=self.department.pk)
            else:
                qs = qs.filter(f_dcode=self.department)
        return qs


def _compile(qs: QuerySet, columns: Iterable[str], where=()) -> tuple[str, list]:
    """SQL selecting ``columns`` (annotation names) in that order from ``qs``, keeping only
    rows whose ``where`` columns have one of the given values."""
    from django.core.exceptions import EmptyResultSet

    columns = list(columns)
    present = set(qs.query.annotations)
    missing = {c for c in columns if c not in present}
    inner = list(dict.fromkeys([c for c in columns if c in present] + [c for c, _v in where]))
    try:
        sql, params = qs.values_list(*inner).query.get_compiler(using=qs.db).as_sql()
    except EmptyResultSet:
        # A filter that matches nothing (e.g. an empty IN list): keep the column shape.
        empty = ", ".join(f"NULL AS {c}" for c in columns)
        return f"SELECT {empty} FROM (SELECT 1 AS x) AS nothing WHERE 1 = 0", []
    params = list(params)
    conditions = []
    for column, values in where:
        if not values:
            conditions.append("1 = 0")
            continue
        conditions.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
        params.extend(values)
    # Absent parts (no department, no item…) are constants: 0 for ids, '' for codes and names.
    cols = ", ".join(
        (f"{0 if c in ID_KEYS else chr(39) * 2} AS {c}" if c in missing else c) for c in columns
    )
    clause = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return f"SELECT {cols} FROM ({sql}) AS q{clause}", params


def _union(pieces: list[tuple[str, list]]) -> tuple[str, list]:
    sql = " UNION ALL ".join(s for s, _p in pieces)
    params = [p for _s, ps in pieces for p in ps]
    return sql, params


def _json(value) -> dict:
    if value is None:
        return {}
    if isinstance(value, (dict, list)):
        return value
    return json.loads(value)


_SQL_CACHE: dict[tuple, tuple[str, list]] = {}


class _Params(dict):
    """Message placeholders: the given names, else the facts (lists joined, None blank),
    looked up only for the placeholders the message uses."""

    def __init__(self, facts: dict):
        super().__init__()
        self.facts = facts

    def __missing__(self, key):
        value = self.facts[key]
        if value is None:
            return ""
        if isinstance(value, list):
            return "、".join(str(x) for x in value)
        return value


class FlagQuery:
    """The flags of the current data, filtered; count it, slice it, summarise it.

    ``county``, ``township``, ``department``: a model instance or its code (a department code
    matches that code in every county unless ``county`` is given too); ``rules``: rule codes
    (a list or a comma-separated string) or ``Rule`` objects; ``severity``: ``"error"`` or
    ``"warning"`` (or a list of them); ``today``: the day flags are computed for (default:
    today in the project's time zone). Unknown rules or severities raise ``FlagFilterError``
    naming the parameter (``rule`` / ``severity``).
    """

    def __init__(
        self, county=None, township=None, department=None, rules=None, severity=None, today=None
    ):
        self.filters = _Filters(county, township, department)
        self.severities = self._parse_severity(severity)
        self.rules = [
            r for r in self._parse_rules(rules) if not self.severities or r.severity in self.severities
        ]
        self.today = today or timezone.localdate()
        self.rules_by_index = {r.index: r for r in self.rules}
        self._ctx = None
        self._counts: dict[str, int] | None = None

    # --- parameters --------------------------------------------------------------------
    @staticmethod
    def _as_list(value) -> list:
        if value is None or value == "":
            return []
        if isinstance(value, (str, Rule)):
            value = [value]
        items = []
        for item in value:
            if isinstance(item, str):
                items.extend(part.strip() for part in item.split(",") if part.strip())
            else:
                items.append(item)
        return items

    def _parse_rules(self, rules) -> list[Rule]:
        wanted = self._as_list(rules)
        if not wanted:
            return list(RULES.values())
        codes = {(r.code if isinstance(r, Rule) else str(r).upper()) for r in wanted}
        unknown = sorted(c for c in codes if c not in RULES)
        if unknown:
            raise FlagFilterError(
                "rule",
                gettext("Unknown rule for parameter “rule”: %(codes)s. Known rules: %(known)s.")
                % {"codes": ", ".join(unknown), "known": ", ".join(RULES)},
            )
        return [r for code, r in RULES.items() if code in codes]

    def _parse_severity(self, severity) -> set[str]:
        wanted = {str(s).lower() for s in self._as_list(severity)}
        unknown = sorted(wanted - set(SEVERITIES))
        if unknown:
            raise FlagFilterError(
                "severity",
                gettext("Unknown value for parameter “severity”: %(values)s. Use “error” or “warning”.")
                % {"values": ", ".join(unknown)},
            )
        return wanted

    # --- SQL building ------------------------------------------------------------------
    @property
    def ctx(self) -> Context:
        if self._ctx is None:
            ctx = Context(today=self.today)
            if "OVERDUE_REVIEW" in {r.code for r in self.rules}:
                from delegations.flags.sources import overdue_context

                ctx = overdue_context(self.today)
            self._ctx = ctx
        return self._ctx

    def _keyed(self, part: Part, *, codes=True, details=False, extra=None) -> QuerySet:
        """The part's queryset with the key columns (and codes, names, facts) annotated and
        the filters applied. Without ``codes`` (counting) no joins are made for codes unless
        a filter by code needs them."""
        keys = {
            "f_department": part.department,
            "f_item": part.duty_item,
            "f_assignment": part.assignment,
            "f_delegation": part.delegation,
            "f_entry": part.entry,
        }
        qs = part.queryset.order_by().annotate(
            f_township=F(part.township),
            **{name: _id(path) for name, path in keys.items() if path is not None},
        )
        if codes or isinstance(self.filters.township, str):
            qs = qs.annotate(f_tcode=F(f"{part.township}__code"))
        if part.department and (codes or isinstance(self.filters.department, str)):
            qs = qs.annotate(f_dcode=_code(part.department))
        if codes and part.duty_item:
            qs = qs.annotate(f_icode=_code(part.duty_item))
        if details:
            facts = {name: _path(expr) for name, expr in part.facts.items()} or {
                "none": Value(None, output_field=IntegerField())
            }
            qs = qs.annotate(f_tname=F(f"{part.township}__name"), f_facts=JSONObject(**facts))
            if part.department:
                qs = qs.annotate(f_dname=_code(part.department, "name"))
            if part.duty_item:
                qs = qs.annotate(f_iname=_code(part.duty_item, "name"))
        if extra:
            qs = qs.annotate(**extra)
        return self.filters.apply(qs, part)

    def _rule_sql(self, rule: Rule, columns, *, details=False, extra=None, key_filter=None,
                  count_only=False):
        """SQL and params of one rule's rows (all its parts), with ``columns`` selected.

        Building and compiling the querysets costs more than running small queries, so the
        result is cached per rule, shape, filters and day (never the data: only SQL text)."""
        if key_filter is not None:
            return self._build_rule_sql(rule, columns, details=details, extra=extra,
                                        key_filter=key_filter, count_only=count_only)
        key = (rule.code, tuple(columns), details, bool(extra), count_only,
               self.filters.signature(), self.ctx.signature(), connection.vendor)
        cached = _SQL_CACHE.get(key)
        if cached is None:
            cached = self._build_rule_sql(rule, columns, details=details, extra=extra,
                                          count_only=count_only)
            if len(_SQL_CACHE) > 512:
                _SQL_CACHE.clear()
            _SQL_CACHE[key] = cached
        return cached[0], list(cached[1])

    def _build_rule_sql(
        self, rule: Rule, columns, *, details=False, extra=None, key_filter=None, count_only=False
    ):
        pieces = []
        for part in rule.rows(self.ctx).parts:
            qs = self._keyed(part, codes=not count_only, details=details, extra=extra)
            where = self.filters.late(part)
            if key_filter:
                # Absent columns are the constant 0 in every row: nothing to filter there.
                wanted = {c: v for c, v in key_filter.items() if c in qs.query.annotations}
                if part.late_filters:
                    where += list(wanted.items())
                else:
                    qs = qs.filter(**{f"{c}__in": v for c, v in wanted.items()})
            pieces.append(_compile(qs, columns, where))
        sql, params = _union(pieces)
        if count_only:
            return sql, params
        cols = ", ".join(columns)
        return f"SELECT {rule.index} AS f_rule, {cols} FROM ({sql}) AS r{rule.index}", params

    @staticmethod
    def _run(sql, params) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    # --- counting ----------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Flags per rule code (selected rules only, registry order); one query, cached."""
        if self._counts is None:
            if not self.rules:
                self._counts = {}
            else:
                selects, params = [], []
                for rule in self.rules:
                    sql, ps = self._rule_sql(rule, ("f_township",), count_only=True)
                    selects.append(f"(SELECT COUNT(*) FROM ({sql}) AS c{rule.index})")
                    params.extend(ps)
                row = self._run("SELECT " + ", ".join(selects), params)[0]
                self._counts = {rule.code: int(n) for rule, n in zip(self.rules, row)}
        return self._counts

    def count(self) -> int:
        return sum(self.counts().values())

    # --- pages -------------------------------------------------------------------------
    def _windows(self, start: int, stop: int) -> list[tuple[Rule, int, int]]:
        """(rule, offset within rule, limit) for the rules the slice [start, stop) touches."""
        windows, position = [], 0
        counts = self.counts()
        for rule in self.rules:
            n = counts[rule.code]
            lo, hi = max(start, position), min(stop, position + n)
            if lo < hi:
                windows.append((rule, lo - position, hi - lo))
            position += n
        return windows

    def _ordered_sql(self, windows, columns, *, details):
        order = ", ".join(ORDER_COLUMNS)
        pieces, params = [], []
        for rule, offset, limit in windows:
            sql, ps = self._rule_sql(rule, columns, details=details)
            pieces.append(f"SELECT * FROM ({sql} ORDER BY {order} LIMIT %s OFFSET %s) AS w{rule.index}")
            params.extend([*ps, limit, offset])
        return " UNION ALL ".join(pieces) + f" ORDER BY f_rule, {order}", params

    def __getitem__(self, item):
        if isinstance(item, int):
            if item < 0:
                item += self.count()
            result = self[item : item + 1]
            if not result:
                raise IndexError("flag index out of range")
            return result[0]
        if not isinstance(item, slice) or item.step not in (None, 1):
            raise TypeError("FlagQuery supports integer indexes and slices without step")
        total = self.count()
        start, stop, _step = item.indices(total)
        if start >= stop:
            return []
        windows = self._windows(start, stop)
        if stop - start > TWO_STEP_PAGE_LIMIT:
            sql, params = self._ordered_sql(windows, KEY_COLUMNS + DETAIL_COLUMNS, details=True)
            return [self._flag(dict(zip(("f_rule",) + KEY_COLUMNS + DETAIL_COLUMNS, row)))
                    for row in self._run(sql, params)]
        sql, params = self._ordered_sql(windows, KEY_COLUMNS, details=False)
        keys = [dict(zip(("f_rule",) + KEY_COLUMNS, row)) for row in self._run(sql, params)]
        details = self._details(keys)
        flags = []
        for key in keys:
            row = details.get(tuple(key[c] for c in ("f_rule",) + ID_KEYS))
            if row is not None:
                flags.append(self._flag(row))
        return flags

    def _details(self, keys: list[dict]) -> dict[tuple, dict]:
        """Names and facts of the given rows: one query, each rule limited to its keys."""
        by_rule: dict[int, list[dict]] = {}
        for key in keys:
            by_rule.setdefault(key["f_rule"], []).append(key)
        rules = {r.index: r for r in self.rules}
        pieces, params = [], []
        columns = KEY_COLUMNS + DETAIL_COLUMNS
        for index, rule_keys in by_rule.items():
            wanted = {c: sorted({k[c] for k in rule_keys}) for c in ID_KEYS}
            sql, ps = self._rule_sql(rules[index], columns, details=True, key_filter=wanted)
            pieces.append(sql)
            params.extend(ps)
        if not pieces:
            return {}
        result = {}
        for row in self._run(" UNION ALL ".join(pieces), params):
            data = dict(zip(("f_rule",) + columns, row))
            result[tuple(data[c] for c in ("f_rule",) + ID_KEYS)] = data
        return result

    def __iter__(self):
        """Every flag, in order, with one query (no count needed)."""
        if not self.rules:
            return iter([])
        order = ", ".join(ORDER_COLUMNS)
        pieces, params = [], []
        for rule in self.rules:
            sql, ps = self._rule_sql(rule, KEY_COLUMNS + DETAIL_COLUMNS, details=True)
            pieces.append(sql)
            params.extend(ps)
        sql = " UNION ALL ".join(pieces) + f" ORDER BY f_rule, {order}"
        names = ("f_rule",) + KEY_COLUMNS + DETAIL_COLUMNS
        return iter([self._flag(dict(zip(names, row))) for row in self._run(sql, params)])

    # --- summary -----------------------------------------------------------------------
    def summary(self) -> dict:
        """``{"by_rule": {code: n}, "by_department": {code: n}, "by_township": {code: n}}``.

        One query over the same rows as ``count()`` and the pages. Department codes are unique
        within a county only: if two departments of the result share a code, both are keyed
        ``<county code>:<department code>``.
        """
        result = {"by_rule": {r.code: 0 for r in self.rules}, "by_department": {}, "by_township": {}}
        if not self.rules:
            return result
        columns = ("f_tcode", "f_department", "f_dcode", "f_dcounty")
        pieces, params = [], []
        for rule in self.rules:
            parts_extra = {"f_dcounty": Value("", output_field=CharField())}
            sql_parts = []
            for part in rule.rows(self.ctx).parts:
                extra = (
                    {"f_dcounty": Coalesce(F(f"{part.department}__county__code"), Value(""),
                                           output_field=CharField())}
                    if part.department
                    else parts_extra
                )
                sql_parts.append(
                    _compile(self._keyed(part, extra=extra), columns, self.filters.late(part))
                )
            sql, ps = _union(sql_parts)
            pieces.append((f"SELECT {rule.index} AS f_rule, {', '.join(columns)} FROM ({sql}) AS r", ps))
            params.extend(ps)
        union = " UNION ALL ".join(f"SELECT * FROM ({s}) AS s{i}" for i, (s, _p) in enumerate(pieces))
        sql = (
            f"WITH f AS ({union}) "
            "SELECT 'r', '', f_rule, '', COUNT(*) FROM f GROUP BY f_rule "
            "UNION ALL SELECT 't', f_tcode, 0, '', COUNT(*) FROM f GROUP BY f_tcode "
            "UNION ALL SELECT 'd', f_dcode, f_department, f_dcounty, COUNT(*) FROM f "
            "WHERE f_department <> 0 GROUP BY f_department, f_dcode, f_dcounty"
        )
        rules = {r.index: r.code for r in self.rules}
        departments = []
        for kind, code, number, county, n in self._run(sql, params):
            if kind == "r":
                result["by_rule"][rules[int(number)]] = int(n)
            elif kind == "t":
                result["by_township"][code] = int(n)
            else:
                departments.append((code, county, int(n)))
        codes = [code for code, _c, _n in departments]
        for code, county, n in sorted(departments):
            key = code if codes.count(code) == 1 else f"{county}:{code}"
            result["by_department"][key] = result["by_department"].get(key, 0) + n
        result["by_township"] = dict(sorted(result["by_township"].items()))
        return result

    # --- materialising -----------------------------------------------------------------
    def _flag(self, row: dict) -> Flag:
        rule = self.rules_by_index[row["f_rule"]]
        facts = _json(row["f_facts"])
        facts.pop("none", None)
        if rule.explain:
            facts = rule.explain(facts, self.ctx)
        refs = self.__dict__.setdefault("_refs", {})
        township = refs.get(("t", row["f_township"]))
        if township is None:
            township = refs[("t", row["f_township"])] = Ref(row["f_tcode"], row["f_tname"])
        department = None
        if row["f_department"]:
            department = refs.get(("d", row["f_department"]))
            if department is None:
                department = refs[("d", row["f_department"])] = Ref(row["f_dcode"], row["f_dname"])
        item = Ref(row["f_icode"], row["f_iname"]) if row["f_item"] else None
        delegation = row["f_delegation"] or facts.get("delegation") or None
        params = _Params(facts)
        params.update(
            township=township.name,
            department=department.name if department else "",
            item=item.name if item else facts.get("title", ""),
            delegation=delegation or "",
            assignment=row["f_assignment"] or "",
        )
        if row["f_entry"]:
            facts.setdefault("list_entry", row["f_entry"])
        title, message = self._texts(rule)
        return Flag(
            rule=rule.code,
            severity=rule.severity,
            title=title,
            message=message % params,
            township=township,
            department=department,
            duty_item=item,
            assignment=row["f_assignment"] or None,
            delegation=delegation,
            evidence=facts,
            source=rule.source,
        )

    def _texts(self, rule: Rule) -> tuple[str, str]:
        cache = self.__dict__.setdefault("_text_cache", {})
        if rule.code not in cache:
            cache[rule.code] = (str(rule.title), str(rule.message))
        return cache[rule.code]
