"""The fourteen flag rules of docs/contracts.md §3, each a small function returning its rows as SQL.

A rule gets a ``Context`` (the day flags are computed for) and returns ``Rows``: querysets
whose every row is one flag. Shared definitions ("listed", "covered", "in force", the row
sources) live in ``sources.py``; the engine does counting, paging and wording. Rules on
assignments are in ``assignments.py``, on delegations in ``delegations.py``, those reading text
in ``text.py``. To add a rule, write one function in the module of its kind with
``@rule(...)`` and its legal source in the docstring, and a test file with one case that
fires and one near miss.

Registry order (definition order: the modules in the order imported below) is the order
flags are listed in.
"""

# Registers the rules, in this order.
from delegations.flags.rules import assignments, delegations, text  # noqa: E402, F401
