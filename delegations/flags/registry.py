"""What the rules are written in: ``Rows`` of ``Part``s (querysets and the paths naming a
flag's township, department, item…), the registry of ``Rule``s (``@rule``), the ``Context``
of a run, and the ``Flag`` the engine (``engine.py``) makes of each row."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from django.db.models import Aggregate, CharField, QuerySet

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)


class FlagFilterError(ValueError):
    """A FlagQuery filter the engine cannot apply; ``param`` names the offending parameter."""

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param
        self.message = message


@dataclass(frozen=True)
class Ref:
    """A business object as a flag names it: its code and its name."""

    code: str
    name: str

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name}


@dataclass(frozen=True)
class Flag:
    """One detected case: which rule, where, who, what, why (evidence) and on what authority."""

    rule: str
    severity: str
    title: str
    message: str
    township: Ref
    department: Ref | None
    duty_item: Ref | None
    assignment: int | None
    delegation: int | None
    evidence: dict
    source: str
    # Set by the flag store (``delegations.flags.stored``): the finding's stable id, its case
    # and the case's status. None on flags computed by the engine.
    id: int | None = None
    case: int | None = None
    status: str | None = None

    def as_dict(self) -> dict:
        """The flag as docs/contracts.md §2 shows it (JSON-serialisable)."""
        return {
            "id": self.id,
            "case": self.case,
            "status": self.status,
            "rule": self.rule,
            "severity": self.severity,
            "title": self.title,
            "message": self.message,
            "township": self.township.as_dict(),
            "department": self.department.as_dict() if self.department else None,
            "duty_item": self.duty_item.as_dict() if self.duty_item else None,
            "assignment": self.assignment,
            "delegation": self.delegation,
            "evidence": self.evidence,
            "source": self.source,
        }


class GroupConcat(Aggregate):
    """Comma-separated values of a column (evidence lists such as the ids considered). With
    ``ordered=True``, on PostgreSQL in the column's order: STRING_AGG's order otherwise follows the plan, and a
    refresh narrowed to some townships would read the same list in another order (a changed
    finding where nothing changed). SQLite (3.40 here: no ORDER BY inside GROUP_CONCAT) keeps
    the order of the rows it reads. In a window neither can order; those lists are put in the
    ids' order when the row is read (``engine.row_facts``)."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def __init__(self, *expressions, ordered=False, **extra):
        # ``ordered``: in the column's order (not as a window function: PostgreSQL refuses it)
        self.ordered = ordered
        super().__init__(*expressions, **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        order = " ORDER BY %(expressions)s" if self.ordered else ""
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s(CAST(%(expressions)s AS TEXT), ','" + order + ")",
            **extra_context,
        )


@dataclass(frozen=True)
class Part:
    """One queryset of a rule's rows and the paths (from its model) that name a flag's parts."""

    queryset: QuerySet
    township: str
    department: str | None = None
    duty_item: str | None = None
    assignment: str | None = None
    delegation: str | None = None
    entry: str | None = None
    facts: dict = field(default_factory=dict)
    # A part whose rows depend on other rows (window functions) must not be narrowed by the
    # department or page filters before its SQL runs: those are applied around it.
    late_filters: bool = False


class Rows:
    """What a rule returns: its flags as one or more ``Part``s (combined with ``|``)."""

    def __init__(self, *parts: Part):
        self.parts = list(parts)

    def _each(self, change: Callable[[Part], Part]) -> "Rows":
        return Rows(*(change(part) for part in self.parts))

    def filter(self, *args, **kwargs) -> "Rows":
        return self._each(lambda p: replace(p, queryset=p.queryset.filter(*args, **kwargs)))

    def exclude(self, *args, **kwargs) -> "Rows":
        return self._each(lambda p: replace(p, queryset=p.queryset.exclude(*args, **kwargs)))

    def alias(self, **kwargs) -> "Rows":
        return self._each(lambda p: replace(p, queryset=p.queryset.alias(**kwargs)))

    def facts(self, **facts) -> "Rows":
        """Add evidence facts: name → path or expression (evaluated only for returned rows)."""
        return self._each(lambda p: replace(p, facts={**p.facts, **facts}))

    def with_paths(self, **paths) -> "Rows":
        return self._each(lambda p: replace(p, **paths))

    def __or__(self, other: "Rows") -> "Rows":
        return Rows(*self.parts, *other.parts)


@dataclass(frozen=True)
class Rule:
    """A registered rule: ``func(ctx) -> Rows``; its docstring gives the legal source."""

    code: str
    severity: str
    title: Any
    message: Any
    source: str
    func: Callable
    explain: Callable | None = None

    @property
    def doc(self) -> str:
        return (self.func.__doc__ or "").strip()

    @property
    def index(self) -> int:
        return _INDEX[self.code]

    def rows(self, ctx: "Context") -> Rows:
        rows = self.func(ctx)
        return rows if isinstance(rows, Rows) else Rows(rows)

    def __str__(self):
        return self.code


RULES: dict[str, Rule] = {}
_INDEX: dict[str, int] = {}


def rule(code: str, severity: str, *, title, message, source: str, explain=None):
    """Register the decorated function as the rule ``code`` (registry order = definition order).

    ``title`` and ``message`` are lazy gettext strings (English msgid); ``message`` takes
    ``%(township)s``, ``%(department)s``, ``%(item)s`` and the rule's facts as placeholders.
    ``explain(facts, ctx) -> facts`` may reshape the facts (evidence) before the message is built.
    """
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")

    def register(func):
        if code in RULES:
            raise ValueError(f"rule {code} registered twice")
        RULES[code] = Rule(code, severity, title, message, source, func, explain)
        _INDEX[code] = len(_INDEX)
        func.rule = RULES[code]
        return func

    return register


@dataclass(frozen=True)
class Context:
    """What a rule may use besides the data: the day flags are computed for, and settings."""

    today: datetime.date
    # For OVERDUE_REVIEW (see rules.delegations.overdue_review): requests without a stored deadline
    # submitted before this moment are overdue; the holiday calendar to explain their deadline.
    overdue_cutoff: datetime.datetime | None = None
    calendar: dict = field(default_factory=dict)
    deadline_days: int = 15

    def signature(self) -> tuple:
        return (self.today, self.overdue_cutoff, self.deadline_days)


def split_ids(value) -> list[int]:
    if not value:
        return []
    return sorted({int(v) for v in str(value).split(",") if v.strip()})
