"""The fourteen flag rules of contracts.md §3, each a small function returning its rows as SQL.

A rule gets a ``Context`` (the day flags are computed for) and returns ``Rows``: querysets
whose every row is one flag. Shared definitions ("listed", "covered", "in force", the row
sources) live in ``sources.py``; the engine does counting, paging and wording. To add a rule,
write one function here with ``@rule(...)`` and its legal source in the docstring, and a test
file with one case that fires and one near miss.

Registry order (the order of this module) is the order flags are listed in.
"""

import json

from django.db.models import Exists, F, Max, Min, Q, Subquery, Window
from django.db.models.expressions import ValueRange
from django.db.models.functions import JSONObject, Length, Trim, TruncDate
from django.utils.translation import get_language, gettext, pgettext
from django.utils.translation import gettext_lazy as _

from delegations import calendar
from delegations.flags.engine import ERROR, WARNING, GroupConcat, _split_ids, rule
from delegations.flags.sources import (
    DAY,
    DUPLICATE_WINDOW_DAYS,
    DayNumber,
    HELD_LISTS,
    ITEM,
    OWN_LISTS,
    assignment_rows,
    covered,
    delegation_current,
    delegation_in_force,
    delegation_live,
    delegation_rows,
    delegations_for_item,
    entries_on,
    entry_rows,
    id_list,
    listed,
    normalized_title,
    only_vague_words,
)
from delegations.models import Assignment, Delegation
from duties.models import Category, ListEntry, ListKind


_TRANSLATED: dict = {}


def _tr(msgid, context=None):
    """gettext / pgettext, memoised per language: explanations run once per flag."""
    key = (get_language(), context, msgid)
    if key not in _TRANSLATED:
        _TRANSLATED[key] = pgettext(context, msgid) if context else gettext(msgid)
    return _TRANSLATED[key]


def _inline(facts, name):
    """Merge the JSON object of fact ``name`` (one subquery, several facts) into ``facts``."""
    value = facts.pop(name, None)
    if isinstance(value, str):
        value = json.loads(value)
    facts.update(value or {})
    return facts


def _ids(facts, *names):
    for name in names:
        if name in facts:
            facts[name] = _split_ids(facts[name])
    return facts


# --- assignments -------------------------------------------------------------------------
def _explain_unlisted(facts, ctx):
    return _ids(facts, "delegations_considered")


@rule(
    "UNLISTED_ASSIGNMENT",
    ERROR,
    title=_("Duty handed down without being on the township's lists"),
    message=_(
        "%(department)s assigned “%(title)s” to %(township)s on %(assigned_on)s, but it is on "
        "none of the township's power, territorial or admission lists and no approved "
        "delegation in force on that day covers it."
    ),
    source="职责准入：中办、国办《关于推进基层整合审批服务执法力量的实施意见》(2019)；"
    "《上海市街道办事处条例》第十一条；清单之外无事项",
    explain=_explain_unlisted,
)
def unlisted_assignment(ctx):
    """An assignment hands a township an item (or, with no item, a task whose title names no
    listed item) that is on none of its power, territorial or admission lists in force on the
    assignment date and is covered by no approved delegation in force on that date.

    Source: 职责准入 — 2019 中办国办《关于推进基层整合审批服务执法力量的实施意见》;
    上海市街道办事处条例 第十一条; 清单之外无事项.
    """
    return (
        assignment_rows()
        .filter(~listed(HELD_LISTS), ~covered())
        .facts(delegations_considered=id_list(delegations_for_item(), "dutyitem", "delegation"))
    )


def _reclaimed_entry():
    return entries_on([ListKind.RECLAIMED]).filter(item=ITEM).order_by("pk")


@rule(
    "RECLAIMED_ITEM_ASSIGNED",
    ERROR,
    explain=lambda facts, ctx: _inline(facts, "reclaimed"),
    title=_("Reclaimed item pushed back to the township"),
    message=_(
        "%(department)s assigned %(item)s to %(township)s on %(assigned_on)s, but the item is "
        "on the township's reclaimed list: %(receiving_department)s took it back."
    ),
    source="乡镇（街道）履行职责事项清单：上级部门收回事项清单",
)
def reclaimed_item_assigned(ctx):
    """An assignment hands a township an item on its reclaimed list (in force on the
    assignment date): the item was taken back by a county department and may not be pushed
    down again, whatever the channel or the label ("换马甲").

    Source: 《关于全面建立乡镇（街道）履行职责事项清单的意见》 — 上级部门收回事项清单.
    """
    entry = _reclaimed_entry()
    reclaimed_items = ListEntry.objects.filter(kind=ListKind.RECLAIMED).values("item")
    return (
        assignment_rows()
        # Cheap pre-filter (items on any reclaimed list), then the dated, scoped check.
        .filter(assignment__duty_item__in=reclaimed_items)
        .filter(Exists(entry))
        .facts(
            reclaimed=Subquery(
                entry.values(
                    json=JSONObject(
                        reclaimed_entry="pk",
                        receiving_department="receiving_department__name",
                        reclaimed_document_no="document_no",
                    )
                )[:1]
            )
        )
    )


def _territorial_entry():
    return entries_on([ListKind.TERRITORIAL]).filter(item=ITEM).order_by("pk")


@rule(
    "MAIN_DUTY_SHIFTED",
    ERROR,
    explain=lambda facts, ctx: _inline(facts, "territorial"),
    title=_("Main responsibility shifted onto the township"),
    message=_(
        "%(department)s asked %(township)s on %(assigned_on)s to bear the main responsibility "
        "for %(item)s, but the territorial list gives the township only cooperation "
        "(“%(township_duty)s”)."
    ),
    source="属地管理：主体责任和配合责任清单（鲁编办发〔2019〕4号等）",
)
def main_duty_shifted(ctx):
    """An assignment asks for ``main`` responsibility on an item that the township's
    territorial list (in force on the assignment date) gives it only as cooperation — the
    township does not also hold the item on its power or admission list, nor by an approved
    delegation in force.

    Source: 属地管理 主体责任/配合责任清单 (鲁编办发〔2019〕4号《关于明晰县乡职责规范“属地管理”的若干意见》).
    """
    entry = _territorial_entry()
    return (
        assignment_rows()
        .filter(
            Exists(entry),
            ~listed(OWN_LISTS),
            ~covered(),
            assignment__responsibility=Assignment.Responsibility.MAIN,
            assignment__duty_item__isnull=False,
        )
        .facts(
            territorial=Subquery(
                entry.values(
                    json=JSONObject(
                        territorial_entry="pk",
                        township_duty="township_duty",
                        lead_department="lead_department__name",
                    )
                )[:1]
            )
        )
    )


def _explain_channel(facts, ctx):
    channel = facts.get("channel") or ""
    key = (get_language(), "channel", channel)
    if key not in _TRANSLATED:
        try:
            _TRANSLATED[key] = str(Assignment.Channel(channel).label)
        except ValueError:
            _TRANSLATED[key] = channel
    facts["channel_label"] = _TRANSLATED[key]
    return facts


@rule(
    "LIABILITY_SHIFT_BY_ASSESSMENT",
    ERROR,
    title=_("Liability shifted through a pledge or an assessment"),
    message=_(
        "%(department)s made %(township)s answer for %(item)s through a %(channel_label)s on "
        "%(assigned_on)s, but the township holds that item on neither its power nor its "
        "admission list."
    ),
    source="中办、国办《关于推进基层整合审批服务执法力量的实施意见》(2019)："
    "不得以签订责任状、分解工作指标、考核验收等方式将责任转嫁给乡镇（街道）",
    explain=_explain_channel,
)
def liability_shift_by_assessment(ctx):
    """An assignment through a responsibility pledge (责任状) or an assessment indicator
    (考核) makes the township answer for an item it does not hold as its own: not on its power
    or admission list on the assignment date, and no approved delegation in force covers it.
    A task with no item counts as not held unless its title names an item on those lists.

    Source: 2019 中办国办实施意见 — 不得以责任状、分解指标、考核验收转嫁责任.
    """
    return assignment_rows().filter(
        ~listed(OWN_LISTS),
        ~covered(),
        assignment__channel__in=[Assignment.Channel.PLEDGE, Assignment.Channel.ASSESSMENT],
    )


# --- delegations -------------------------------------------------------------------------
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
    facts["missing_text"] = "、".join(_tr(labels[m]) for m in missing)
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
    facts = _ids(_inline(facts, "relied"), "delegations_considered")
    if facts.get("assigned_on"):
        facts["date_checked"] = facts["assigned_on"]
        facts["subject"] = _tr("assignment “%(title)s”") % {"title": facts.get("title", "")}
    else:
        facts["date_checked"] = ctx.today.isoformat()
        facts["subject"] = _tr("its list entry no. %(entry)s") % {"entry": facts.get("entry_id")}
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
    label = _tr(STATUS_WORDS[reason], "delegation status in a flag") if reason in STATUS_WORDS else reason
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
    source="准入 / 委托条款：事项以经批准、在有效期内的准入或委托为依据",
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

    Source: the terms of 准入 (admission) and 委托 (entrustment): a duty rests on an approved
    decision for as long as it is in force.
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
    source="县职责准入制度：县委、县政府在规定时限（默认15个工作日）内作出决定",
    explain=_explain_overdue,
)
def overdue_review(ctx):
    """A submitted request has no decision past its deadline: ``deadline`` (set by the
    workflow at submission) is before today, or — with no stored deadline — the request was
    submitted more than ``QINGDAN["REVIEW_DEADLINE_WORKING_DAYS"]`` working days (default
    15, holidays from the calendar) before today.

    Source: the county's admission rules (职责准入制度), e.g. 15 working days.
    """
    return delegation_rows(
        Q(delegation__deadline__lt=ctx.today)
        | Q(delegation__deadline__isnull=True, delegation__submitted_at__lt=ctx.overdue_cutoff),
        delegation__state=Delegation.State.SUBMITTED,
    ).facts(submitted_on=TruncDate("delegation__submitted_at"), deadline="delegation__deadline")


def _explain_owner(facts, ctx):
    if facts.get("assigned_on"):
        facts["via"] = _tr("assignment “%(title)s”") % {"title": facts.get("title", "")}
    else:
        facts["via"] = _tr("delegation no. %(id)s") % {"id": facts.get("delegation_id")}
    return facts


@rule(
    "NOT_OWNING_DEPARTMENT",
    WARNING,
    title=_("Item handed down by a department that does not own it"),
    message=_(
        "%(department)s handed %(item)s to %(township)s (%(via)s), but the item belongs to "
        "%(owner)s."
    ),
    source="权责一致：事项由其主管部门申请准入或交办",
    explain=_explain_owner,
)
def not_owning_department(ctx):
    """A department delegates (a submitted request or an approved delegation not yet
    expired) or assigns an item whose owning department in the catalog is another one.
    Items with no owning department (the township's own) are not flagged.

    Source: 权责一致 — the department that owns a duty answers for handing it down.
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


# --- lists -------------------------------------------------------------------------------
def _explain_vague(facts, ctx):
    problems = []
    if not facts.pop("department_duty_length", 0):
        problems.append(_tr("the department's duty is missing"))
    if not facts.get("township_duty", "").strip():
        problems.append(_tr("the township's duty is missing"))
    elif facts.pop("township_duty_vague", 0):
        problems.append(
            _tr("the township's duty is only vague words (“%(text)s”)")
            % {"text": facts["township_duty"]}
        )
    facts.pop("township_duty_vague", None)
    facts["problem"] = "；".join(problems)
    return facts


@rule(
    "VAGUE_COOPERATION",
    WARNING,
    title=_("Territorial list entry without concrete duties"),
    message=_("Territorial list entry for %(item)s in %(township)s: %(problem)s."),
    source="主体责任和配合责任清单须明确具体（鲁编办发〔2019〕4号；依单履责）",
    explain=_explain_vague,
)
def vague_cooperation(ctx):
    """A territorial list entry in force today lacks the department's duty or the township's
    duty, or the township's duty is only vague words (协调配合, 视情况, 必要时, 若干, 其他工作;
    with joining words and punctuation removed nothing is left).

    Source: 主体责任/配合责任清单 must be concrete (鲁编办发〔2019〕4号).
    """
    return (
        entry_rows([ListKind.TERRITORIAL], ctx.today, department="lead_department")
        .alias(
            dept_len=Length(Trim("department_duty")),
            township_left=Length(only_vague_words(F("township_duty"))),
        )
        .filter(Q(dept_len=0) | Q(township_left=0))
        .facts(
            department_duty_length=Length(Trim("department_duty")),
            township_duty="township_duty",
            township_duty_vague=Q(township_left=0),
        )
    )


# --- several assignments -------------------------------------------------------------------
def _explain_duplicates(facts, ctx):
    facts = _ids(facts, "same_item", "same_title")
    own = facts.pop("assignment_id", None)
    facts["duplicates"] = sorted((set(facts.pop("same_item")) | set(facts.pop("same_title"))) - {own})
    return facts


class DaysAround(ValueRange):
    """``RANGE BETWEEN n PRECEDING AND n FOLLOWING`` (Django's PostgreSQL backend refuses
    offsets in RANGE frames although PostgreSQL 11+ supports them)."""

    def __init__(self, days: int):
        self.days = int(days)
        super().__init__(start=-self.days, end=self.days)

    def window_frame_start_end(self, connection, start, end):
        return f"{self.days} PRECEDING", f"{self.days} FOLLOWING"


def _within_window(aggregate, partition):
    """``aggregate`` over the township's assignments of the same ``partition`` (item or
    normalised title) dated within 90 days either side of this one."""
    return Window(
        aggregate,
        partition_by=[F("township"), partition],
        order_by=DayNumber(F("assignment__assigned_on")).asc(),
        frame=DaysAround(DUPLICATE_WINDOW_DAYS),
    )


@rule(
    "DUPLICATE_ASSIGNMENT",
    WARNING,
    title=_("Same work assigned by several departments"),
    message=_(
        "%(department)s assigned “%(title)s” to %(township)s on %(assigned_on)s; other "
        "departments assigned the same work within 90 days (assignments %(duplicates)s)."
    ),
    source="多头交办：同一事项不得由多个部门重复交办（基层减负）",
    explain=_explain_duplicates,
)
def duplicate_assignment(ctx):
    """Two or more departments hand the same township the same item, or work with
    near-identical titles (equal once whitespace and common punctuation are removed), within
    90 days of each other. Every assignment of such a group is flagged.

    Computed with window functions: among the township's assignments of the same item (or
    the same normalised title) within ±90 days of this one, the smallest and the largest
    department differ — so at least one other department is in the window.

    Source: 多头交办 (基层减负: one task, one department).
    """
    department = F("assignment__department")
    item, title = F("assignment__duty_item"), normalized_title(F("assignment__title"))
    return (
        assignment_rows()
        .alias(
            item_low=_within_window(Min(department), item),
            item_high=_within_window(Max(department), item),
            title_low=_within_window(Min(department), title),
            title_high=_within_window(Max(department), title),
        )
        .filter(
            Q(assignment__duty_item__isnull=False) & ~Q(item_low=F("item_high"))
            | ~Q(title_low=F("title_high"))
        )
        .facts(
            assignment_id="assignment",
            same_item=_within_window(GroupConcat("assignment"), item),
            same_title=_within_window(GroupConcat("assignment"), title),
        )
        .with_paths(late_filters=True)
    )


__all__ = [name for name, value in globals().items() if getattr(value, "rule", None)]
