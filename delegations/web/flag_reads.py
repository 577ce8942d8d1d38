"""The flags the pages show, read in one place: a department's flags as the viewer may see
them (``flags_for``) and the flags one assignment raised (``flags_of_assignment``), each one
query of the flag store (``delegations.flags.StoredFlagQuery``, kept up to date by every
write) whatever the size of the county."""

from __future__ import annotations

from delegations.flags import StoredFlagQuery
from delegations.models import Assignment
from townships import access
from townships.models import Department, Township


def flag_scope(user, department: Department) -> dict | None:
    """The FlagQuery filters for ``department``'s flags as ``user`` may see them, or None
    when the user's flag scope leaves none of them (another department, another county)."""
    scope = access.flag_filters(user)
    own = scope.get("department")
    if own is not None and own.pk != department.pk:
        return None
    county = scope.get("county")
    if county is not None and county.pk != department.county_id:
        return None
    filters = {"county": department.county, "department": department}
    if scope.get("township") is not None:
        filters["township"] = scope["township"]
    return filters


def _scoped(user, department: Department, township: Township | None) -> dict | None:
    filters = flag_scope(user, department)
    if filters is None:
        return None
    if township is not None:
        if filters.get("township") not in (None, township):
            return None
        filters["township"] = township
    return filters


def flags_for(user, department: Department, *, township: Township | None = None) -> list:
    """The flags naming ``department`` that ``user`` may see (of one township if given)."""
    filters = _scoped(user, department, township)
    return [] if filters is None else list(StoredFlagQuery(**filters))


def flags_of_assignment(user, assignment: Assignment, township: Township | None = None) -> list:
    """The flags ``assignment`` raised (on ``township`` only, if given) that ``user`` may see."""
    filters = _scoped(user, assignment.department, township)
    return [] if filters is None else list(StoredFlagQuery(assignment=assignment, **filters))
