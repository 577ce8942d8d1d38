"""Flags: duties offloaded to townships without approval (docs/contracts.md §3).

Public interface::

    from delegations.flags import FlagQuery, StoredFlagQuery, RULES, Flag

    q = StoredFlagQuery(county=None, township=None, department=None, rules=None, severity=None)
    q.count()            # int
    q[0:50]              # list[Flag], ordered by rule, township, department, item, …
    q.summary()          # {"by_rule": {…}, "by_department": {…}, "by_township": {…}}
    RULES["UNLISTED_ASSIGNMENT"].severity

``FlagQuery`` computes the flags from the data (the engine, ``engine.py``); the flag store
(``store.py``: the ``Finding`` rows of ``models.py``, kept equal to the engine's result by every
write) is what the API, the pages and the dashboard read, through ``StoredFlagQuery``
(``stored.py``), which has the engine's interface. See docs/flags.md.

The names are loaded on first use: ``delegations.models`` imports ``delegations.flags.models``
while the app registry is being built, before the rules (which query those models) can load.
"""

import importlib

_EXPORTS = {
    "ERROR": "delegations.flags.registry",
    "RULES": "delegations.flags.registry",
    "SEVERITIES": "delegations.flags.registry",
    "WARNING": "delegations.flags.registry",
    "Flag": "delegations.flags.registry",
    "FlagFilterError": "delegations.flags.registry",
    "Ref": "delegations.flags.registry",
    "Rule": "delegations.flags.registry",
    "FlagQuery": "delegations.flags.engine",
    "StoredFlagQuery": "delegations.flags.stored",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    importlib.import_module("delegations.flags.rules")  # registers the rules
    return getattr(importlib.import_module(module), name)
