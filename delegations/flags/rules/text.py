"""Rules that read text: vague cooperation duties on the territorial list, and near-identical
assignments from different departments."""

from django.db.models import F, Max, Min, Q, Window
from django.db.models.expressions import ValueRange
from django.db.models.functions import Length, Trim
from django.utils.translation import gettext_lazy as _

from delegations.flags.registry import WARNING, GroupConcat, rule
from delegations.flags.rules.explain import id_lists, tr
from delegations.flags.sources import (
    DUPLICATE_WINDOW_DAYS,
    DayNumber,
    assignment_rows,
    entry_rows,
    normalized_title,
    only_vague_words,
)
from duties.models import ListKind


def _explain_vague(facts, ctx):
    problems = []
    if not facts.pop("department_duty_length", 0):
        problems.append(tr("the department's duty is missing"))
    if not facts.get("township_duty", "").strip():
        problems.append(tr("the township's duty is missing"))
    elif facts.pop("township_duty_vague", 0):
        problems.append(
            tr("the township's duty is only vague words (“%(text)s”)")
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
    source="《关于全面建立乡镇（街道）履行职责事项清单的意见》：配合履职事项清单明确部门和乡镇（街道）"
    "各自的职责，依单履责",
    explain=_explain_vague,
)
def vague_cooperation(ctx):
    """A territorial list entry in force today lacks the department's duty or the township's
    duty, or the township's duty is only vague words (协调配合, 视情况, 必要时, 若干, 其他工作;
    with joining words and punctuation removed nothing is left).

    Source: 《关于全面建立乡镇（街道）履行职责事项清单的意见》 — the 配合履职 list states what the
    department and the township each do (依单履责). Provinces with their own 属地管理 rules
    (Shandong: 鲁编办发〔2019〕4号) are cited per county (``delegations.flags.legal_sources``).
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
    facts = id_lists(facts, "same_item", "same_title")
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
    source="《关于全面建立乡镇（街道）履行职责事项清单的意见》：依单履责，为基层减负；"
    "同一事项不得由多个部门重复交办",
    explain=_explain_duplicates,
)
def duplicate_assignment(ctx):
    """Two or more departments hand the same township the same item, or work with
    near-identical titles (equal once whitespace and common punctuation are removed), within
    90 days of each other. Every assignment of such a group is flagged.

    Computed with window functions: among the township's assignments of the same item (or
    the same normalised title) within ±90 days of this one, the smallest and the largest
    department differ — so at least one other department is in the window.

    Source: 《关于全面建立乡镇（街道）履行职责事项清单的意见》 — 依单履责 and 基层减负: one task,
    one department (no 多头交办).
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
