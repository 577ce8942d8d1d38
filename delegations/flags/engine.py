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
    BooleanField,
    CharField,
    Expression,
    F,
    IntegerField,
    Model,
    QuerySet,
    Value,
)
from django.db.models.expressions import Func, RawSQL
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


class InIds(Func):
    """``column`` is one of the ids of a JSON array parameter (a filter's stand-in). On
    PostgreSQL written ``= ANY(ARRAY(…))``: the array is read once and the column's index finds
    the few rows, where ``IN (SELECT … FROM json_array_elements_text(…))`` became a semi-join
    applied after computing the rule for every row of the database."""

    output_field = BooleanField()

    def __init__(self, column, stand_in):
        super().__init__(F(column) if isinstance(column, str) else column, Value(stand_in))

    def _parts(self, compiler):
        column, ids = self.source_expressions
        col_sql, col_params = compiler.compile(column)
        ids_sql, ids_params = compiler.compile(ids)
        return col_sql, ids_sql, [*col_params, *ids_params]

    def as_sql(self, compiler, connection, **extra):
        col_sql, ids_sql, params = self._parts(compiler)
        return f"{col_sql} IN (SELECT value FROM json_each({ids_sql}))", params

    def as_postgresql(self, compiler, connection, **extra):
        col_sql, ids_sql, params = self._parts(compiler)
        return (f"{col_sql} = ANY(ARRAY(SELECT CAST(value AS bigint) FROM "
                f"json_array_elements_text(CAST({ids_sql} AS json))))"), params


def _id(path):
    if path is None:
        return Value(0, output_field=BigIntegerField())
    return Coalesce(_path(path), Value(0), output_field=BigIntegerField())


def _code(path, attr="code"):
    if path is None:
        return Value("", output_field=CharField())
    return Coalesce(F(f"{path}__{attr}"), Value(""), output_field=CharField())


class _Filters:
    """County / township / department filters, as instances or codes, and the sets the flag
    store refreshes (instances or primary keys): ``townships``, ``assignments`` (rows of
    those assignments), ``items`` (rows of those items, and rows without an item)."""

    def __init__(self, county=None, township=None, department=None, townships=None,
                 assignments=None, items=None):
        from townships.models import County, Department, Township

        self.county = self._check("county", county, County)
        self.township = self._check("township", township, Township)
        self.department = self._check("department", department, Department)
        self.townships = self._ids(townships)
        self.assignments = self._ids(assignments)
        self.items = self._ids(items)

    @staticmethod
    def _ids(values):
        if values is None:
            return None
        return sorted({v.pk if isinstance(v, Model) else int(v) for v in values})

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

    # The SQL of a rule is built once per filter shape and cached (``FlagQuery._rule_sql``):
    # the filters' values enter it as these stand-ins, which ``bind`` replaces in the
    # parameters by the values of the query at hand.
    _PK = {"county": -7_000_000_001, "township": -7_000_000_002, "department": -7_000_000_003}
    _CODE = {name: f"\x00{name}\x00" for name in ("county", "township", "department")}
    _TOWNSHIPS = "\x00townships\x00"
    _ASSIGNMENTS = "\x00assignments\x00"
    _ITEMS = "\x00items\x00"
    _ID_LIST = {
        "postgresql": "SELECT CAST(value AS bigint) FROM json_array_elements_text(CAST(%s AS json))",
        "sqlite": "SELECT value FROM json_each(%s)",
    }

    def _stand_in(self, name):
        value = getattr(self, name)
        return self._PK[name] if isinstance(value, Model) else self._CODE[name]

    def signature(self) -> tuple:
        def shape(value):
            if value is None:
                return None
            return value._meta.label if isinstance(value, Model) else "code"

        return (shape(self.county), shape(self.township), shape(self.department),
                self.townships is not None, self.assignments is not None, self.items is not None)

    def bind(self, params) -> list:
        """``params`` with the stand-ins replaced by this query's filter values."""
        values = {}
        for name in ("county", "township", "department"):
            value = getattr(self, name)
            if value is not None:
                values[self._stand_in(name)] = value.pk if isinstance(value, Model) else value
        if self.townships is not None:
            values[self._TOWNSHIPS] = json.dumps(self.townships)
        if self.assignments is not None:
            values[self._ASSIGNMENTS] = json.dumps(self.assignments)
        if self.items is not None:
            values[self._ITEMS] = json.dumps([0, *self.items])
        if not values:
            return list(params)
        return [values.get(p, p) if isinstance(p, (int, str)) else p for p in params]

    def late(self, part: Part) -> list[tuple[str, list]]:
        """Conditions applied around a ``late_filters`` part: (column, allowed values, or a
        subquery ``RawSQL`` giving them)."""
        if not part.late_filters:
            return []
        where = []
        if self.assignments is not None:
            where.append(("f_assignment", RawSQL(self._ID_LIST[connection.vendor],
                                                 [self._ASSIGNMENTS])))
        if self.items is not None and part.duty_item is not None:
            where.append(("f_item", RawSQL(self._ID_LIST[connection.vendor], [self._ITEMS])))
        if self.department is None:
            return where
        if part.department is None:
            return where + [("f_department", [])]
        if isinstance(self.department, Model):
            return where + [("f_department", [self._stand_in("department")])]
        return where + [("f_dcode", [self._stand_in("department")])]

    def apply(self, qs: QuerySet, part: Part) -> QuerySet:
        if self.townships is not None:
            qs = qs.filter(InIds("f_township", self._TOWNSHIPS))
        if self.assignments is not None:
            if part.assignment is None:
                return qs.none()
            if not part.late_filters:
                # On the column itself (not the annotation's COALESCE), so that its index
                # finds the few rows.
                column = part.assignment if isinstance(part.assignment, str) else "f_assignment"
                qs = qs.filter(InIds(column, self._ASSIGNMENTS))
        if self.items is not None and part.duty_item is not None and not part.late_filters:
            # The rows of these items, and the rows without an item (id 0).
            qs = qs.filter(f_item__in=RawSQL(self._ID_LIST[connection.vendor], [self._ITEMS]))
        if self.township is not None:
            if isinstance(self.township, Model):
                qs = qs.filter(f_township=self._stand_in("township"))
            else:
                qs = qs.filter(f_tcode=self._stand_in("township"))
        if self.county is not None:
            if isinstance(self.county, Model):
                qs = qs.alias(f_county=F(f"{part.township}__county")).filter(
                    f_county=self._stand_in("county")
                )
            else:
                qs = qs.alias(f_ccode=F(f"{part.township}__county__code")).filter(
                    f_ccode=self._stand_in("county")
                )
        if self.department is not None and not part.late_filters:
            if part.department is None:
                return qs.none()
            if isinstance(self.department, Model):
                qs = qs.filter(f_department=self._stand_in("department"))
            else:
                qs = qs.filter(f_dcode=self._stand_in("department"))
        return qs


def _compile(qs: QuerySet, columns: Iterable[str], where=()) -> tuple[str, list]:
    """SQL selecting ``columns`` (annotation names) in that order from ``qs``, keeping only
    rows whose ``where`` columns have one of the given values."""
    from django.core.exceptions import EmptyResultSet
    from django.db.models.sql.where import WhereNode

    columns = list(columns)
    present = set(qs.query.annotations)
    missing = {c for c in columns if c not in present}
    inner = list(dict.fromkeys([c for c in columns if c in present] + [c for c, _v in where]))
    conditions = []
    try:
        sql, params = qs.values_list(*inner).query.get_compiler(using=qs.db).as_sql()
    except EmptyResultSet:
        # A filter that matches nothing (e.g. an empty IN list): the same columns with their
        # types and no row (a row of untyped NULLs would not unite with the other parts on
        # PostgreSQL), then no condition is needed.
        blank = qs.all()
        blank.query.where = WhereNode()
        sql, params = blank.values_list(*inner).query.get_compiler(using=qs.db).as_sql()
        conditions, where = ["1 = 0"], ()
    params = list(params)
    for column, values in where:
        if isinstance(values, RawSQL):
            conditions.append(f"{column} IN ({values.sql})")
            params.extend(values.params)
            continue
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


# Facts that are lists of ids made by a window's GroupConcat (DUPLICATE_ASSIGNMENT): an
# aggregate cannot be ordered inside a window (PostgreSQL refuses it, SQLite 3.40 cannot), so
# they come in the order the plan read the rows.
WINDOW_ID_LISTS = ("same_item", "same_title")


def row_facts(row: dict) -> dict:
    """A rule row's facts (its evidence), the same whatever plan the database chose: the window
    id lists in the ids' order (otherwise a refresh narrowed to a township could see a changed
    finding where nothing changed)."""
    facts = dict(_json(row["f_facts"]))
    facts.pop("none", None)
    for name in WINDOW_ID_LISTS:
        value = facts.get(name)
        if isinstance(value, str) and value:
            facts[name] = ",".join(sorted(value.split(","), key=int))
    return facts


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


def parse_rules(rules) -> list[Rule]:
    """Rules by code (a list, a comma-separated string, case-insensitive) or ``Rule``
    objects, in registry order; every rule when none is given."""
    wanted = _as_list(rules)
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


def parse_severity(severity) -> set[str]:
    wanted = {str(s).lower() for s in _as_list(severity)}
    unknown = sorted(wanted - set(SEVERITIES))
    if unknown:
        raise FlagFilterError(
            "severity",
            gettext("Unknown value for parameter “severity”: %(values)s. Use “error” or “warning”.")
            % {"values": ", ".join(unknown)},
        )
    return wanted


def select_rules(rules=None, severity=None) -> list[Rule]:
    """The rules a query selects: ``rules`` (default all) of the ``severity`` asked for."""
    severities = parse_severity(severity)
    return [r for r in parse_rules(rules) if not severities or r.severity in severities]


def context_for(rules, today) -> Context:
    """The ``Context`` of a run of ``rules`` on ``today`` (one query for the holiday calendar
    when OVERDUE_REVIEW is among them)."""
    if "OVERDUE_REVIEW" in {r.code for r in rules}:
        from delegations.flags.sources import overdue_context

        return overdue_context(today)
    return Context(today=today)


class FlagMaker:
    """Turns rows (the engine's columns: ids, codes, names, raw facts) into ``Flag``s: the
    rule's ``explain`` and its message in the active language. One per query (it memoises
    the references and texts it made)."""

    def __init__(self, ctx_source):
        self._ctx_source = ctx_source  # the Context, or a callable giving it when first needed
        self._refs: dict = {}
        self._texts: dict = {}

    @property
    def ctx(self) -> Context:
        if callable(self._ctx_source):
            self._ctx_source = self._ctx_source()
        return self._ctx_source

    def _ref(self, kind, pk, code, name):
        ref = self._refs.get((kind, pk))
        if ref is None:
            ref = self._refs[(kind, pk)] = Ref(code, name)
        return ref

    def text(self, rule: Rule) -> tuple[str, str]:
        if rule.code not in self._texts:
            self._texts[rule.code] = (str(rule.title), str(rule.message))
        return self._texts[rule.code]

    def flag(self, rule: Rule, row: dict, **extra) -> Flag:
        facts = row_facts(row)
        if rule.explain:
            facts = rule.explain(facts, self.ctx)
        township = self._ref("t", row["f_township"], row["f_tcode"], row["f_tname"])
        department = None
        if row["f_department"]:
            department = self._ref("d", row["f_department"], row["f_dcode"], row["f_dname"])
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
        title, message = self.text(rule)
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
            **extra,
        )


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
        self, county=None, township=None, department=None, rules=None, severity=None, today=None,
        townships=None, assignments=None, items=None,
    ):
        self.filters = _Filters(county, township, department, townships, assignments, items)
        self.rules = select_rules(rules, severity)
        self.today = today or timezone.localdate()
        self.rules_by_index = {r.index: r for r in self.rules}
        self._ctx = None
        self._counts: dict[str, int] | None = None

    # --- SQL building ------------------------------------------------------------------
    @property
    def ctx(self) -> Context:
        if self._ctx is None:
            self._ctx = context_for(self.rules, self.today)
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
        result is cached per rule, shape, filter shape and day (never the data nor the filter
        values: only SQL text, whose filter parameters ``_Filters.bind`` fills in)."""
        if key_filter is not None:
            sql, params = self._build_rule_sql(rule, columns, details=details, extra=extra,
                                               key_filter=key_filter, count_only=count_only)
            return sql, self.filters.bind(params)
        key = (rule.code, tuple(columns), details, bool(extra), count_only,
               self.filters.signature(), self.ctx.signature(), connection.vendor)
        cached = _SQL_CACHE.get(key)
        if cached is None:
            cached = self._build_rule_sql(rule, columns, details=details, extra=extra,
                                          count_only=count_only)
            if len(_SQL_CACHE) > 512:
                _SQL_CACHE.clear()
            _SQL_CACHE[key] = cached
        return cached[0], self.filters.bind(cached[1])

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

    def records(self, *, ordered=True) -> list[dict]:
        """Every row as a dict of the engine's columns (``f_rule`` = the rule's index, the
        ids, codes and names, ``f_facts`` = the raw facts before the rule's ``explain``):
        one query. The flag store keeps these."""
        if not self.rules:
            return []
        pieces, params = [], []
        for rule in self.rules:
            sql, ps = self._rule_sql(rule, KEY_COLUMNS + DETAIL_COLUMNS, details=True)
            pieces.append(sql)
            params.extend(ps)
        sql = " UNION ALL ".join(pieces)
        if ordered:
            sql += f" ORDER BY f_rule, {', '.join(ORDER_COLUMNS)}"
        names = ("f_rule",) + KEY_COLUMNS + DETAIL_COLUMNS
        return [dict(zip(names, row)) for row in self._run(sql, params)]

    def __iter__(self):
        """Every flag, in order, with one query (no count needed)."""
        return iter([self._flag(row) for row in self.records()])

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
            params.extend(self.filters.bind(ps))
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
    @property
    def _maker(self) -> FlagMaker:
        maker = self.__dict__.get("_flag_maker")
        if maker is None:
            maker = self.__dict__["_flag_maker"] = FlagMaker(lambda: self.ctx)
        return maker

    def _flag(self, row: dict) -> Flag:
        return self._maker.flag(self.rules_by_index[row["f_rule"]], row)


from delegations.flags import rules as _rules  # noqa: E402, F401  (registers the rules)
