"""The office dashboard: a county's flags by rule, by department and by township, and its
cases (``case_dashboard``): open and overdue by department and township, opened by month, and
the median time each department takes to answer a correction notice (the figures an annual
assessment, 依单考核, would use; qingdan gives the figures, it scores nobody).

Counts come from the flag store (``StoredFlagQuery.summary()``, one query each); this module only
names the keys (rule titles, department and township names) and orders them, so the pages
draw what the engine counted. "Unapproved work" is what the offloading rules catch: work handed
to townships outside their lists, reclaimed items handed back, main responsibility shifted,
liability shifted through pledges or assessments, and reliance on a delegation not in force.
"""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass, field

from django.db.models import Count as CountOf
from django.db.models import Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from delegations import flags
from delegations.flags import cases as case_service
from delegations.flags.models import Case
from townships import access
from townships.models import County, Department, Township

MONTHS = 12

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
    summary = flags.StoredFlagQuery(county=county, **scope).summary()
    offloading = flags.StoredFlagQuery(county=county, rules=list(OFFLOADING_RULES), **scope).summary()
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
    query = flags.StoredFlagQuery(
        township=township, assignment=assignment, **({"county": county} if county else {})
    )
    return list(query)


@dataclass
class CaseDashboard:
    """A county's cases: what is open (not closed) and overdue, by department and township;
    how many were opened each month; the median days from notice to answer per department."""

    county: County
    open: int
    overdue: int
    answered: int
    open_by_department: list[Count]
    overdue_by_department: list[Count]
    open_by_township: list[Count]
    answer_days_by_department: list[Count]
    opened_by_month: list[Count]


def _sorted(counts):
    return sorted((c for c in counts if c.value), key=lambda c: (-c.value, c.code))


def case_dashboard(county: County, today: datetime.date | None = None) -> CaseDashboard:
    """The cases of ``county`` (four queries, plus one for the names)."""
    today = today or timezone.localdate()
    cases = Case.objects.filter(county=county)
    active = ~Q(status=Case.Status.CLOSED)
    late = case_service.overdue_q(today)
    not_closed = case_service.NOT_CLOSED
    names = {d.pk: d for d in Department.objects.filter(county=county)}
    per_department = cases.values("department").annotate(
        open=CountOf("pk", filter=active), overdue=CountOf("pk", filter=late),
    )
    open_by_department, overdue_by_department = [], []
    for row in per_department:
        department = names.get(row["department"])
        if department is None:
            continue
        base = {"county": county.code, "department": department.code}
        open_by_department.append(Count(department.code, department.name, row["open"],
                                        {**base, "status": not_closed}))
        overdue_by_department.append(Count(department.code, department.name, row["overdue"],
                                           {**base, "overdue": "true"}))
    through = Case.townships.through
    per_township = (
        through.objects.filter(case__county=county).exclude(case__status=Case.Status.CLOSED)
        .values("township__code", "township__name").annotate(n=CountOf("case"))
    )
    open_by_township = [
        Count(row["township__code"], row["township__name"], row["n"],
              {"county": county.code, "township": row["township__code"], "status": not_closed})
        for row in per_township
    ]
    waits = {}
    for department_id, notified, answered in cases.filter(
        answered_at__isnull=False, notified_at__isnull=False
    ).values_list("department", "notified_at", "answered_at"):
        waits.setdefault(department_id, []).append((answered - notified).total_seconds() / 86400)
    answer_days = [
        Count(names[pk].code, names[pk].name, round(statistics.median(days), 1),
              {"county": county.code, "department": names[pk].code, "status": "answered,closed"})
        for pk, days in waits.items() if pk in names
    ]
    index = today.year * 12 + today.month - 1 - (MONTHS - 1)
    first_month = datetime.date(index // 12, index % 12 + 1, 1)
    per_month = {
        row["month"].date() if isinstance(row["month"], datetime.datetime) else row["month"]: row["n"]
        for row in cases.filter(opened_at__date__gte=first_month)
        .annotate(month=TruncMonth("opened_at")).values("month").annotate(n=CountOf("pk"))
    }
    months, day = [], first_month
    while day <= today:
        label = f"{day.year}-{day.month:02d}"
        months.append(Count(label, label, per_month.get(day, 0),
                            {"county": county.code, "opened": label}))
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    totals = cases.aggregate(open=CountOf("pk", filter=active), overdue=CountOf("pk", filter=late),
                             answered=CountOf("pk", filter=Q(status=Case.Status.ANSWERED)))
    return CaseDashboard(
        county=county,
        open=totals["open"],
        overdue=totals["overdue"],
        answered=totals["answered"],
        open_by_department=_sorted(open_by_department),
        overdue_by_department=_sorted(overdue_by_department),
        open_by_township=_sorted(open_by_township),
        answer_days_by_department=sorted(answer_days, key=lambda c: (-c.value, c.code)),
        opened_by_month=months,
    )
