"""Flags: duties offloaded to townships without approval (docs/contracts.md §3).

Public interface::

    from delegations.flags import FlagQuery, RULES, Flag

    q = FlagQuery(county=None, township=None, department=None, rules=None, severity=None)
    q.count()            # int
    q[0:50]              # list[Flag], ordered by rule, township, department, item, …
    q.summary()          # {"by_rule": {…}, "by_department": {…}, "by_township": {…}}
    RULES["UNLISTED_ASSIGNMENT"].severity

See docs/flags.md for each rule's reading of the contract.
"""

from delegations.flags.engine import FlagQuery
from delegations.flags.registry import (
    ERROR,
    RULES,
    SEVERITIES,
    WARNING,
    Flag,
    FlagFilterError,
    Ref,
    Rule,
)
from delegations.flags import rules as _rules  # noqa: F401  (registers the rules)

__all__ = [
    "ERROR",
    "RULES",
    "SEVERITIES",
    "WARNING",
    "Flag",
    "FlagFilterError",
    "FlagQuery",
    "Ref",
    "Rule",
]
