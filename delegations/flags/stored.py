"""Reading the flag store: ``StoredFlagQuery``, the engine's interface (``FlagQuery``: count,
counts, slices, iteration, summary; the same filters, errors and order) over the ``Finding``
rows that ``delegations.flags.store`` keeps equal to the engine's result.

Every call is a plain indexed query on the store: a page is one range scan in the engine's
order (rule, township code, department code, item code, assignment, delegation, list entry)
with the township, department and item joined for their names; a count and the summary are
GROUP BYs over the filtered rows. Flags are made of a finding exactly as the engine makes them
of its rows (``FlagMaker``: the rule's ``explain`` of the stored facts, its message in the
active language), with the finding's ``id``; its ``source`` is the rule's national source and,
where the county's province has its own, the province's (``legal_sources.source_for``; the
province sources of a whole list are read in one query).

Before its first read, a query brings the date-dependent rules up to date for today
(``store.bring_dates_up_to_date``: nothing once done for the day).
"""

from __future__ import annotations

from dataclasses import replace

from django.db.models import Count, F, IntegerField, Model, Value
from django.db.models import CharField as CharType
from django.utils import timezone
from django.utils.translation import gettext

from delegations.flags import store
from delegations.flags.engine import FlagMaker, _Filters, select_rules
from delegations.flags.legal_sources import LegalSources, province_of, source_for
from delegations.flags.models import ORDER_FIELDS, Case, Finding
from delegations.flags.registry import RULES, Context, Flag, FlagFilterError


class StoredFlagQuery:
    """The stored flags, filtered: count them, slice them, summarise them.

    ``county``, ``township``, ``department``: an instance or its code (as ``FlagQuery``);
    ``rules``, ``severity``: as ``FlagQuery`` (unknown values raise ``FlagFilterError``);
    ``assignment``: the flags an assignment raised (an instance or its id); ``case``: the
    findings of a case (an instance or its id); ``status``: of their case (``open``,
    ``notified``, ``answered``, ``closed``, or a list; an unknown one raises
    ``FlagFilterError``); ``cases``: the findings of these cases (ids or a queryset);
    ``today``: the day the flags' evidence is explained for (default today)."""

    def __init__(self, county=None, township=None, department=None, rules=None, severity=None,
                 today=None, assignment=None, case=None, status=None, cases=None):
        self.filters = _Filters(county, township, department)
        self.rules = select_rules(rules, severity)
        self.assignment = assignment.pk if isinstance(assignment, Model) else assignment
        self.case = case.pk if isinstance(case, Model) else case
        self.statuses = parse_statuses(status)
        self.cases = cases  # ids, or a queryset of cases: the findings of those cases
        self.today = today or timezone.localdate()
        self._counts: dict[str, int] | None = None
        self._maker: FlagMaker | None = None
        self._sources = LegalSources()

    # --- the rows ----------------------------------------------------------------------
    def findings(self):
        """The filtered ``Finding`` queryset (unordered)."""
        store.bring_dates_up_to_date()
        qs = Finding.objects.all()
        if len(self.rules) != len(RULES):
            qs = qs.filter(rule_index__in=[r.index for r in self.rules])
        f = self.filters
        if f.county is not None:
            qs = qs.filter(county=f.county) if isinstance(f.county, Model) else qs.filter(
                county__code=f.county
            )
        if f.township is not None:
            qs = qs.filter(township=f.township) if isinstance(f.township, Model) else qs.filter(
                township_code=f.township
            )
        if f.department is not None:
            if isinstance(f.department, Model):
                qs = qs.filter(department=f.department)
            else:
                qs = qs.filter(department_code=f.department)
        if self.assignment is not None:
            qs = qs.filter(assignment_pk=self.assignment)
        if self.case is not None:
            qs = qs.filter(case_id=self.case)
        if self.cases is not None:
            qs = qs.filter(case__in=self.cases)
        if self.statuses:
            qs = qs.filter(case__status__in=self.statuses)
        return qs

    # --- counting ----------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        """Flags per rule code (selected rules, registry order); one query, cached."""
        if self._counts is None:
            if not self.rules:
                self._counts = {}
            else:
                found = dict(
                    self.findings().order_by().values_list("rule_index").annotate(n=Count("pk"))
                )
                self._counts = {r.code: found.get(r.index, 0) for r in self.rules}
        return self._counts

    def count(self) -> int:
        return sum(self.counts().values())

    # --- pages -------------------------------------------------------------------------
    def _ordered(self):
        return self.findings().select_related(
            "county", "township", "department", "duty_item", "case"
        ).order_by(
            *ORDER_FIELDS
        )

    def __getitem__(self, item):
        if isinstance(item, int):
            if item < 0:
                item += self.count()
            result = self[item : item + 1]
            if not result:
                raise IndexError("flag index out of range")
            return result[0]
        if not isinstance(item, slice) or item.step not in (None, 1):
            raise TypeError("StoredFlagQuery supports integer indexes and slices without step")
        start, stop = item.start or 0, item.stop
        if start < 0 or (stop is not None and stop < 0):
            start, stop, _step = item.indices(self.count())
        if not self.rules or (stop is not None and start >= stop):
            return []
        return self._flags(list(self._ordered()[start:stop]))

    def __iter__(self):
        """Every flag, in order, with one query."""
        if not self.rules:
            return iter([])
        return iter(self._flags(list(self._ordered())))

    def _flags(self, findings) -> list[Flag]:
        maker = FlagMaker(self._context_for(findings))
        sources = self._sources_for(findings)
        flags = []
        for finding in findings:
            rule = RULES[finding.rule]
            flag = maker.flag(rule, row_of(finding), **extra_of(finding))
            # The national source, then the county's province's own (legal_sources).
            source = source_for(rule, finding.county, sources)
            flags.append(flag if source == flag.source else replace(flag, source=source))
        return flags

    def _sources_for(self, findings) -> LegalSources:
        """The province sources of the counties of ``findings``: one query for the whole list
        (none when no county lies in a province), kept for the next pages of this query."""
        provinces = {province_of(f.county) for f in findings} - {None}
        if not all(self._sources.knows(p) for p in provinces):
            self._sources = LegalSources.for_provinces(provinces | set(self._sources.provinces))
        return self._sources

    def _context_for(self, findings) -> Context:
        """What the rules' ``explain`` read: today, and for a review without a stored
        deadline the holiday calendar (one query, only then)."""
        if any(f.rule == "OVERDUE_REVIEW" and not f.facts.get("deadline") for f in findings):
            from delegations.flags.sources import overdue_context

            return overdue_context(self.today)
        return Context(today=self.today)

    # --- summary -----------------------------------------------------------------------
    def summary(self) -> dict:
        """``{"by_rule": {code: n}, "by_department": {code: n}, "by_township": {code: n}}``,
        as ``FlagQuery.summary()`` gives it (department codes shared by two counties in the
        result are keyed ``<county code>:<department code>``); one query."""
        result = {"by_rule": {r.code: 0 for r in self.rules}, "by_department": {}, "by_township": {}}
        if not self.rules:
            return result
        qs = self.findings().order_by()
        text, number = CharType(), IntegerField()

        def grouped(kind, code, number_expr, county):
            return (
                qs.annotate(g_kind=Value(kind, output_field=text), g_code=code,
                            g_number=number_expr, g_county=county)
                .values("g_kind", "g_code", "g_number", "g_county")
                .annotate(n=Count("pk"))
                .values_list("g_kind", "g_code", "g_number", "g_county", "n")
            )

        blank, zero = Value("", output_field=text), Value(0, output_field=number)
        union = grouped("r", blank, F("rule_index"), blank).union(
            grouped("t", F("township_code"), zero, blank),
            grouped("d", F("department_code"), F("department_id"), F("department__county__code"))
            .filter(department__isnull=False),
            all=True,
        )
        by_index = {r.index: r.code for r in self.rules}
        departments = []
        for kind, code, number_value, county, n in union:
            if kind == "r":
                result["by_rule"][by_index[int(number_value)]] = int(n)
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


def row_of(finding: Finding) -> dict:
    """A finding as the engine's row (the columns ``FlagMaker`` reads)."""
    department, item = finding.department, finding.duty_item
    return {
        "f_township": finding.township_id,
        "f_tcode": finding.township.code,
        "f_tname": finding.township.name,
        "f_department": finding.department_id or 0,
        "f_dcode": department.code if department else "",
        "f_dname": department.name if department else "",
        "f_item": finding.duty_item_id or 0,
        "f_icode": item.code if item else "",
        "f_iname": item.name if item else "",
        "f_assignment": finding.assignment_pk,
        "f_delegation": finding.delegation_pk,
        "f_entry": finding.entry_pk,
        "f_facts": finding.facts,
    }


def extra_of(finding: Finding) -> dict:
    """What the store adds to the engine's flag: the finding's id, its case and the case's
    status."""
    return {"id": finding.pk, "case": finding.case_id, "status": finding.case.status}


def parse_statuses(status) -> list[str]:
    """Case statuses (a list, or one or several comma-separated); FlagFilterError naming
    ``status`` for an unknown one."""
    if status is None or status == "":
        return []
    values = [status] if isinstance(status, str) else list(status)
    wanted = [part.strip().lower() for value in values for part in str(value).split(",")
              if part.strip()]
    unknown = sorted(set(wanted) - set(Case.Status.values))
    if unknown:
        raise FlagFilterError(
            "status",
            gettext("Unknown value for parameter “status”: %(values)s. Use %(known)s.")
            % {"values": ", ".join(unknown), "known": ", ".join(Case.Status.values)},
        )
    return wanted
