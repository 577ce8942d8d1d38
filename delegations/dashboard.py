"""The office dashboard: a county's flags by rule, by department and by township.

Counts come from the flag engine (``FlagQuery.summary()``, one query each); this module only
names the keys (rule titles, department and township names) and orders them, so the pages
draw what the engine counted. "Unapproved work" is what the offloading rules catch: work handed
to townships outside their lists, reclaimed items handed back, main responsibility shifted,
liability shifted through pledges or assessments, and reliance on a delegation not in force.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from delegations import flags
from townships import access
from townships.models import County, Department, Township

# The rules that mean "a department pushed work onto a township without approval".
OFFLOADING_RULES = (
    "UNLISTED_ASSIGNMENT",
    "RECLAIMED_ITEM_ASSIGNED",
    "MAIN_DUTY_SHIFTED",
    "LIABILITY_SHIFT_BY_ASSESSMENT",
    "DELEGATION_NOT_IN_FORCE",
)


@dataclass
class Count:
    """One bar: what is counted (code and label), how many, and the flag-list filter."""

    code: str
    label: str
    value: int
    filters: dict
    severity: str = ""


@dataclass
class CountyDashboard:
    county: County
    total: int
    errors: int
    warnings: int
    by_rule: list[Count]
    by_department: list[Count]
    by_township: list[Count]
    offloading: list[Count]
    offloading_rules: list = field(default_factory=list)


def _rule_counts(county, rules, summary) -> list[Count]:
    return [
        Count(
            code=code,
            label=str(rules[code].title),
            value=n,
            filters={"county": county.code, "rule": code},
            severity=rules[code].severity,
        )
        for code, n in summary["by_rule"].items()
    ]


def _department_counts(county, departments, by_department, extra=None) -> list[Count]:
    counts = []
    for key, n in by_department.items():
        code = key.split(":", 1)[1] if ":" in key else key
        department = departments.get(code)
        counts.append(
            Count(
                code=code,
                label=department.name if department else code,
                value=n,
                filters={"county": county.code, "department": code, **(extra or {})},
            )
        )
    counts.sort(key=lambda c: (-c.value, c.code))
    return counts


def county_dashboard(county: County, scope: dict | None = None) -> CountyDashboard:
    """The dashboard of ``county``. ``scope`` is ``access.flag_filters(user)`` (the caller's
    limits, e.g. another county's office sees nothing here). Three queries plus two for names."""
    scope = dict(scope or {})
    limit = scope.pop("county", None)
    if limit is not None and getattr(limit, "pk", limit) not in (county.pk, county.code):
        return CountyDashboard(county, 0, 0, 0, [], [], [], [], list(OFFLOADING_RULES))
    rules = flags.RULES
    summary = flags.FlagQuery(county=county, **scope).summary()
    offloading = flags.FlagQuery(county=county, rules=list(OFFLOADING_RULES), **scope).summary()
    departments = {d.code: d for d in Department.objects.filter(county=county)}
    townships = {t.code: t for t in Township.objects.filter(county=county)}

    by_rule = _rule_counts(county, rules, summary)
    errors = sum(c.value for c in by_rule if c.severity == "error")
    warnings = sum(c.value for c in by_rule if c.severity != "error")
    by_township = sorted(
        (
            Count(
                code=code,
                label=townships[code].name if code in townships else code,
                value=n,
                filters={"county": county.code, "township": code},
            )
            for code, n in summary["by_township"].items()
        ),
        key=lambda c: (-c.value, c.code),
    )
    return CountyDashboard(
        county=county,
        total=errors + warnings,
        errors=errors,
        warnings=warnings,
        by_rule=by_rule,
        by_department=_department_counts(county, departments, summary["by_department"]),
        by_township=by_township,
        offloading=_department_counts(
            county,
            departments,
            offloading["by_department"],
            extra={"rule": ",".join(OFFLOADING_RULES)},
        ),
        offloading_rules=list(OFFLOADING_RULES),
    )


def flags_of_assignment(user, township, assignment) -> list:
    """The flags ``assignment`` raised on ``township`` that ``user`` may see (the page shown
    after a township reports an assignment)."""
    scope = access.flag_filters(user)
    county = scope.get("county")
    query = flags.FlagQuery(township=township, **({"county": county} if county else {}))
    return [flag for flag in query if flag.assignment == assignment.pk]
