"""Rules on delegations (赋权/委托/交办) and on what rests on them: missing agreement,
non-delegable powers, grants without provincial decision, re-entrustment, delegations not in
force, unfunded and overdue requests, items outside the owning department."""

from django.db.models import Exists, F, Q, Subquery
from django.db.models.functions import JSONObject, Length, Trim, TruncDate
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from delegations import calendar
from delegations.flags.registry import ERROR, WARNING, rule
from delegations.flags.rules.explain import id_lists, inline, tr
from delegations.flags.sources import (
    DAY,
    HELD_LISTS,
    assignment_rows,
    covered,
    delegation_current,
    delegation_in_force,
    delegation_live,
    delegation_rows,
    delegations_for_item,
    entry_rows,
    id_list,
    listed,
)
from delegations.models import Delegation
from duties.models import Category


def _explain_agreement(facts, ctx):
    labels = {
        "scope": "the agreement's scope",
        "powers": "the agreement's powers",
        "term": "the agreement's term",
        "publication": "the publication date",
    }
    missing = []
    if not facts.pop("scope_length", 0):
        missing.append("scope")
    if not facts.pop("powers_length", 0):
        missing.append("powers")
    if not facts.get("agreement_term_end"):
        missing.append("term")
    if not facts.get("published_on"):
        missing.append("publication")
    facts["missing"] = missing
    facts["missing_text"] = "、".join(tr(labels[m]) for m in missing)
    return facts


@rule(
    "ENTRUSTMENT_WITHOUT_AGREEMENT",
    ERROR,
    title=_("Entrustment without a written, published agreement"),
    message=_(
        "Entrustment no. %(delegation)s by %(department)s to %(township)s is approved but "
        "lacks %(missing_text)s."
    ),
    source="《中华人民共和国行政处罚法》第二十条；《中华人民共和国行政许可法》第二十四条",
    explain=_explain_agreement,
)
def entrustment_without_agreement(ctx):
    """An approved (not expired) ``entrust`` delegation lacks its written agreement — scope,
    powers or term — or its publication date.

    Source: 行政处罚法 第二十条 (委托应当采取书面形式，载明委托的具体事项、权限、期限，并向社会公布);
    行政许可法 第二十四条.
    """
    return (
        delegation_rows(delegation_current(ctx.today), delegation__mode=Delegation.Mode.ENTRUST)
        .alias(
            scope_len=Length(Trim("delegation__agreement_scope")),
            powers_len=Length(Trim("delegation__agreement_powers")),
        )
        .filter(
            Q(scope_len=0)
            | Q(powers_len=0)
            | Q(delegation__agreement_term_end__isnull=True)
            | Q(delegation__published_on__isnull=True)
        )
        .facts(
            scope_length=Length(Trim("delegation__agreement_scope")),
            powers_length=Length(Trim("delegation__agreement_powers")),
            agreement_term_end="delegation__agreement_term_end",
            published_on="delegation__published_on",
        )
    )


@rule(
    "NON_DELEGABLE_POWER",
    ERROR,
    title=_("Administrative coercion entrusted"),
    message=_(
        "Delegation no. %(delegation)s by %(department)s entrusts %(township)s with %(item)s, "
        "an administrative coercion measure, which may not be entrusted."
    ),
    source="《中华人民共和国行政强制法》第十七条：行政强制措施权不得委托",
)
def non_delegable_power(ctx):
    """An ``entrust`` delegation — a submitted request or an approved one not yet expired —
    covers an item of the category 行政强制 (administrative coercion).

    Source: 行政强制法 第十七条 (行政强制措施权不得委托).
    """
    return delegation_rows(
        delegation_live(ctx.today),
        delegation__mode=Delegation.Mode.ENTRUST,
        dutyitem__category=Category.COERCION,
        items=True,
    )


@rule(
    "GRANT_WITHOUT_PROVINCIAL_DECISION",
    ERROR,
    title=_("Penalty power granted without a provincial decision"),
    message=_(
        "Delegation no. %(delegation)s by %(department)s grants %(township)s the penalty "
        "power %(item)s without a provincial decision reference."
    ),
    source="《中华人民共和国行政处罚法》第二十四条：省、自治区、直辖市根据当地实际情况，"
    "可以决定将基层管理迫切需要的县级人民政府部门的行政处罚权交由乡镇人民政府、街道办事处行使，并定期组织评估",
)
def grant_without_provincial_decision(ctx):
    """A ``grant`` delegation — submitted, or approved and not expired — of 行政处罚
    (administrative penalty) items names no provincial decision.

    Source: 行政处罚法 第二十四条 (decided by the province and published).
    """
    return (
        delegation_rows(
            delegation_live(ctx.today),
            delegation__mode=Delegation.Mode.GRANT,
            dutyitem__category=Category.PENALTY,
            items=True,
        )
        .alias(decision_len=Length(Trim("delegation__provincial_decision")))
        .filter(decision_len=0)
    )


@rule(
    "REDELEGATION",
    ERROR,
    title=_("Entrusted power passed on again"),
    message=_(
        "Delegation no. %(delegation)s by %(department)s passes %(item)s on to %(township)s "
        "although the department itself holds it only by entrustment (delegation no. "
        "%(derived_from)s)."
    ),
    source="《中华人民共和国行政处罚法》第二十条；《中华人民共和国行政许可法》第二十四条：受委托组织不得再委托",
)
def redelegation(ctx):
    """A delegation — submitted, or approved and not expired — hands down items that its
    department itself holds only by entrustment: it derives from (``derived_from``) an
    ``entrust`` delegation.

    Source: 行政处罚法 第二十条, 行政许可法 第二十四条 (不得再委托).
    """
    return delegation_rows(
        delegation_live(ctx.today),
        delegation__derived_from__mode=Delegation.Mode.ENTRUST,
        items=True,
    ).facts(
        derived_from="delegation__derived_from",
        derived_from_department="delegation__derived_from__department__name",
        derived_from_state="delegation__derived_from__state",
    )


STATUS_WORDS = {
    "submitted": "still under review",
    "rejected": "rejected",
    "withdrawn": "withdrawn",
    "draft": "a draft",
    "revoked": "revoked",
    "not_yet_in_force": "not yet in force",
    "expired": "expired",
    "not_in_force": "not in force",
}
if False:  # for makemessages: the words above, in their context
    pgettext("delegation status in a flag", "still under review")
    pgettext("delegation status in a flag", "rejected")
    pgettext("delegation status in a flag", "withdrawn")
    pgettext("delegation status in a flag", "a draft")
    pgettext("delegation status in a flag", "revoked")
    pgettext("delegation status in a flag", "not yet in force")
    pgettext("delegation status in a flag", "expired")
    pgettext("delegation status in a flag", "not in force")
    gettext("the agreement's scope")
    gettext("the agreement's powers")
    gettext("the agreement's term")
    gettext("the publication date")


def _explain_not_in_force(facts, ctx):
    facts = id_lists(inline(facts, "relied"), "delegations_considered")
    if facts.get("assigned_on"):
        facts["date_checked"] = facts["assigned_on"]
        facts["subject"] = tr("assignment “%(title)s”") % {"title": facts.get("title", "")}
    else:
        facts["date_checked"] = ctx.today.isoformat()
        facts["subject"] = tr("its list entry no. %(entry)s") % {"entry": facts.get("entry_id")}
    reason = facts.get("delegation_state")
    if reason in ("approved", None):
        start, end = facts.get("delegation_effective_from"), facts.get("delegation_effective_to")
        if start and start > facts["date_checked"]:
            reason = "not_yet_in_force"
        elif end and end < facts["date_checked"]:
            reason = "expired"
        else:
            reason = "not_in_force"
    facts["reason"] = reason
    label = tr(STATUS_WORDS[reason], "delegation status in a flag") if reason in STATUS_WORDS else reason
    facts["status"] = label
    return facts


def _not_in_force_delegations():
    return delegations_for_item().exclude(delegation_in_force(DAY)).order_by(
        "-delegation__effective_from", "-delegation"
    )


@rule(
    "DELEGATION_NOT_IN_FORCE",
    ERROR,
    title=_("Relies on a delegation that is not in force"),
    message=_(
        "In %(township)s, %(subject)s of %(department)s relies on delegation no. "
        "%(delegation)s, which is %(status)s on %(date_checked)s."
    ),
    source="中办、国办《关于推进基层整合审批服务执法力量的实施意见》(2019)：职责准入，事项以经批准、"
    "在有效期内的准入或委托为依据；《中华人民共和国行政处罚法》第二十条：委托书载明委托的期限",
    explain=_explain_not_in_force,
)
def delegation_not_in_force(ctx):
    """Something relies on a delegation that is not in force on the date that matters:

    - an assignment (date: the assignment date) whose item is neither listed nor covered by
      a delegation in force, while a delegation of any other state names the item and the
      township (submitted, rejected, withdrawn, not yet effective, expired, revoked) — the
      flag names the most recent such delegation;
    - a published list entry in force today that rests on a delegation (``delegation``)
      which is not in force today (not approved, expired or revoked).

    Source: 职责准入 of the 2019 中办国办实施意见 (a duty rests on an approved decision for as
    long as it is in force); 行政处罚法 第二十条 (an entrustment states its term).
    """
    relied = _not_in_force_delegations()
    assignments = (
        assignment_rows()
        .filter(Q(assignment__duty_item__isnull=False), ~listed(HELD_LISTS), ~covered(), Exists(relied))
        .facts(
            relied=Subquery(
                relied.values(
                    json=JSONObject(
                        delegation="delegation",
                        delegation_state="delegation__state",
                        delegation_effective_from="delegation__effective_from",
                        delegation_effective_to="delegation__effective_to",
                        revoked_on="delegation__revoked_on",
                    )
                )[:1]
            ),
            delegations_considered=id_list(relied, "dutyitem", "delegation"),
        )
    )
    entries = (
        entry_rows(HELD_LISTS, ctx.today, department="delegation__department")
        .filter(delegation__isnull=False)
        .exclude(delegation_in_force(ctx.today, prefix="delegation__"))
        .facts(
            entry_id="pk",
            delegation_state="delegation__state",
            delegation_effective_from="delegation__effective_from",
            delegation_effective_to="delegation__effective_to",
            revoked_on="delegation__revoked_on",
        )
    )
    return assignments | entries


@rule(
    "UNFUNDED_DELEGATION",
    WARNING,
    title=_("Duties handed down without staff or funding"),
    message=_(
        "Delegation no. %(delegation)s by %(department)s hands duties to %(township)s with no "
        "staff posts and no funding."
    ),
    source="权随责走、费随事转、编随事走（中办、国办《关于推进基层整合审批服务执法力量的实施意见》）",
)
def unfunded_delegation(ctx):
    """An approved (not expired) delegation hands duties down with no staff posts and no
    funding.

    Source: 权随责走、费随事转、编随事走 (2019 中办国办实施意见).
    """
    return delegation_rows(
        delegation_current(ctx.today),
        delegation__staff_posts=0,
        delegation__funding_wan_yuan=0,
    ).facts(staff_posts="delegation__staff_posts", funding_wan_yuan="delegation__funding_wan_yuan")


def _explain_overdue(facts, ctx):
    import datetime

    if not facts.get("deadline") and facts.get("submitted_on"):
        submitted = datetime.date.fromisoformat(str(facts["submitted_on"])[:10])
        facts["deadline"] = calendar.nth_working_day_after(submitted, ctx.deadline_days, ctx.calendar).isoformat()
        facts["deadline_computed"] = True
    facts["deadline_working_days"] = ctx.deadline_days
    return facts


@rule(
    "OVERDUE_REVIEW",
    WARNING,
    title=_("Request not decided in time"),
    message=_(
        "Request no. %(delegation)s by %(department)s concerning %(township)s was submitted on "
        "%(submitted_on)s and is still undecided after its deadline %(deadline)s."
    ),
    source="中办、国办《关于推进基层整合审批服务执法力量的实施意见》(2019)：职责准入；"
    "县职责准入制度规定的时限（默认15个工作日）内作出决定",
    explain=_explain_overdue,
)
def overdue_review(ctx):
    """A submitted request has no decision past its deadline: ``deadline`` (set by the
    workflow at submission) is before today, or — with no stored deadline — the request was
    submitted more than ``QINGDAN["REVIEW_DEADLINE_WORKING_DAYS"]`` working days (default
    15, holidays from the calendar) before today.

    Source: 职责准入 of the 2019 中办国办实施意见, with the deadline of the county's admission
    rules (职责准入制度), e.g. 15 working days.
    """
    return delegation_rows(
        Q(delegation__deadline__lt=ctx.today)
        | Q(delegation__deadline__isnull=True, delegation__submitted_at__lt=ctx.overdue_cutoff),
        delegation__state=Delegation.State.SUBMITTED,
    ).facts(submitted_on=TruncDate("delegation__submitted_at"), deadline="delegation__deadline")


def _explain_owner(facts, ctx):
    if facts.get("assigned_on"):
        facts["via"] = tr("assignment “%(title)s”") % {"title": facts.get("title", "")}
    else:
        facts["via"] = tr("delegation no. %(id)s") % {"id": facts.get("delegation_id")}
    return facts


@rule(
    "NOT_OWNING_DEPARTMENT",
    WARNING,
    title=_("Item handed down by a department that does not own it"),
    message=_(
        "%(department)s handed %(item)s to %(township)s (%(via)s), but the item belongs to "
        "%(owner)s."
    ),
    source="中办、国办《关于推进基层整合审批服务执法力量的实施意见》(2019)：职责准入，权责一致，"
    "事项由其主管部门申请准入或交办",
    explain=_explain_owner,
)
def not_owning_department(ctx):
    """A department delegates (a submitted request or an approved delegation not yet
    expired) or assigns an item whose owning department in the catalog is another one.
    Items with no owning department (the township's own) are not flagged.

    Source: 职责准入 and 权责一致 of the 2019 中办国办实施意见 — the department that owns a duty
    answers for handing it down.
    """
    delegations = delegation_rows(
        delegation_live(ctx.today),
        Q(dutyitem__department__isnull=False),
        ~Q(dutyitem__department=F("delegation__department")),
        items=True,
    ).facts(owner="dutyitem__department__name", delegation_id="delegation")
    assignments = assignment_rows().filter(
        ~Q(assignment__duty_item__department=F("assignment__department")),
        assignment__duty_item__department__isnull=False,
    ).facts(owner="assignment__duty_item__department__name")
    return delegations | assignments
