"""Rules on work handed to townships (assignment × township): not on the lists, reclaimed,
main responsibility shifted, liability shifted through pledges and assessments."""

from django.db.models import Exists, Subquery
from django.db.models.functions import JSONObject
from django.utils.translation import gettext_lazy as _

from delegations.flags.registry import ERROR, rule
from delegations.flags.rules.explain import id_lists, inline, once_per_language
from delegations.flags.sources import (
    HELD_LISTS,
    ITEM,
    OWN_LISTS,
    assignment_rows,
    covered,
    delegations_for_item,
    entries_on,
    id_list,
    listed,
)
from delegations.models import Assignment
from duties.models import ListEntry, ListKind


def _explain_unlisted(facts, ctx):
    return id_lists(facts, "delegations_considered")


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
    "《关于全面建立乡镇（街道）履行职责事项清单的意见》：清单之外无事项",
    explain=_explain_unlisted,
)
def unlisted_assignment(ctx):
    """An assignment hands a township an item (or, with no item, a task whose title names no
    listed item) that is on none of its power, territorial or admission lists in force on the
    assignment date and is covered by no approved delegation in force on that date.

    Source: 职责准入 — 2019 中办国办《关于推进基层整合审批服务执法力量的实施意见》;
    《关于全面建立乡镇（街道）履行职责事项清单的意见》 — 清单之外无事项 (a province's own
    regulation is added per county: ``delegations.flags.legal_sources``).
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
    explain=lambda facts, ctx: inline(facts, "reclaimed"),
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
    explain=lambda facts, ctx: inline(facts, "territorial"),
    title=_("Main responsibility shifted onto the township"),
    message=_(
        "%(department)s asked %(township)s on %(assigned_on)s to bear the main responsibility "
        "for %(item)s, but the territorial list gives the township only cooperation "
        "(“%(township_duty)s”)."
    ),
    source="《关于全面建立乡镇（街道）履行职责事项清单的意见》：配合履职事项清单，主体责任在部门；"
    "中办、国办《关于推进基层整合审批服务执法力量的实施意见》(2019)：职责准入",
)
def main_duty_shifted(ctx):
    """An assignment asks for ``main`` responsibility on an item that the township's
    territorial list (in force on the assignment date) gives it only as cooperation — the
    township does not also hold the item on its power or admission list, nor by an approved
    delegation in force.

    Source: 《关于全面建立乡镇（街道）履行职责事项清单的意见》 — 配合履职事项清单 (the main
    responsibility stays with the department); 职责准入 of the 2019 中办国办实施意见. Provinces
    with their own 属地管理 rules (Shandong: 鲁编办发〔2019〕4号) are cited per county
    (``delegations.flags.legal_sources``).
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


def _channel_label(channel):
    try:
        return str(Assignment.Channel(channel).label)
    except ValueError:
        return channel


def _explain_channel(facts, ctx):
    channel = facts.get("channel") or ""
    facts["channel_label"] = once_per_language(("channel", channel), lambda: _channel_label(channel))
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
