"""The demo county's claims (认领), from ``fixtures/demo_claims.json``.

A township's account claims a power a department of the county holds, for itself
(``delegations.workflow.file_claim``, submitted at once); where the data says so, the
department's account gives its opinion (``give_department_opinion``, with the entrustment's
written terms when it agrees). Both dated with the workflow's ``now=`` (days as in
``demo.calls``: ``load_day``, ``load_day-N``, ``load_day+N``). The office's review is left to
whoever tries the demo. A claim carries its stable ``ref`` at the end of its reason
(``CLAIM_MARK``), which finds it again: a second load changes nothing.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

from django.utils.translation import gettext as _

from delegations import workflow
from delegations.models import Delegation
from demo.calls import demo_day, demo_moment, refused_as_demo_error

CLAIM_MARK = "（演示认领：{ref}）"
_CLAIM_RE = re.compile(r"（演示认领：(K\d+)）$")


def load_claims(loader, rows: list[dict]) -> None:
    """File each claim of ``rows`` not yet in the county, and the department's opinion."""
    known = {
        match.group(1)
        for reason in Delegation.objects.filter(
            department__county=loader.county, claimed_by__isnull=False
        ).values_list("reason", flat=True)
        if (match := _CLAIM_RE.search(reason))
    }
    for row in rows:
        if row["ref"] in known:
            loader._count("unchanged", "claim")
            continue
        with refused_as_demo_error(_("Demo data: claim %(ref)s: %(message)s"), ref=row["ref"]):
            _file(loader, row)
        loader._count("created", "claim")


def _file(loader, row: dict) -> Delegation:
    township = loader.township(row["township"])
    department = loader.department(row["department"])
    claim = workflow.file_claim(
        loader.township_user(township.code), township=township, department=department,
        mode=row["mode"], duty_items=[loader.item(code) for code in row["items"]],
        reason=row["reason"] + CLAIM_MARK.format(ref=row["ref"]),
        legal_basis=row.get("legal_basis", ""),
        effective_from=demo_day(loader.today, row["effective_from"]),
        staff_posts=row.get("staff_posts", 0),
        funding_wan_yuan=Decimal(row.get("funding_wan_yuan", "0")),
        support_measures=row.get("support_measures", ""),
        now=demo_moment(loader.today, row["filed"], row.get("time", "10:00")),
    )
    opinion = row.get("department_opinion")
    if opinion:
        terms = dict(opinion.get("terms", {}))
        if "agreement_term_end" in terms:
            terms["agreement_term_end"] = datetime.date.fromisoformat(terms["agreement_term_end"])
        claim = workflow.give_department_opinion(
            loader.department_user(department.code), claim, opinion["opinion"],
            opinion.get("text", ""),
            now=demo_moment(loader.today, opinion["day"], opinion.get("time", "15:00")), **terms,
        )
    return claim
