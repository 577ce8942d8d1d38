"""The steps of a call (镇呼县应 / 吹哨报到), one atomic service each.

- ``file_call`` (a township, for itself): the item, what was found, where, when, how urgent.
  An item on the township's territorial list in force today is routed at once to the entry's
  lead department, naming the co-operating departments the entry's text names; anything else
  (no item, or an item no territorial entry of the township holds) waits for the office;
- ``route`` (the office of the call's county): names the lead department of a call on no list;
- ``accept`` and ``report`` (the lead department): it takes the call on, then reports what it
  did (the report's text is required);
- ``confirm`` and ``reopen`` (the township): it confirms the report, or reopens the call with
  its reason, which gives the department a fresh deadline.

Deadlines run from the moment the call reaches its department (filing, routing, reopening):
a normal call is due ``CALL_DEADLINE_WORKING_DAYS`` working days later on the working calendar
of the review deadlines (``delegations.calendar``: weekends, holidays and adjusted working
days); an urgent call ``URGENT_CALL_DEADLINE_HOURS`` clock hours later (an urgent matter does
not wait for Monday). Both are county defaults read from ``settings.QINGDAN`` (the constants
below when unset). A call is overdue when its deadline passed and the department has not
reported.

Every step is one transaction: the call row is locked (``select_for_update``), the role,
scope and status checked (``delegations.calls.access``), the step written with a history row
naming the user, the reason (Chinese constants: stored data, as the cases' reasons) and the
time; refusals are NotAllowed (403), StateConflict (409) or InvalidRequest (400) with a
translated message. The department's users are told by e-mail once the step is committed,
where addresses and an e-mail backend are configured; the home pages count what waits for
each side whatever the mail does (``waiting_for``). No photo or proof is asked of a township.
"""

from __future__ import annotations

import datetime
import logging
import re
import statistics
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from delegations import calendar, mail, steps
from delegations.calls import access as call_access
from delegations.calls.models import AWAITING_REPORT, Call
from delegations.stamps import real_user, reason_with, stamp
from delegations.validation import add_error, add_length_errors
from duties.models import DutyItem, ListEntry, ListKind
from townships import access
from townships.models import Department

log = logging.getLogger(__name__)

Status = Call.Status
Urgency = Call.Urgency

# County defaults (settings.QINGDAN overrides them).
DEFAULT_CALL_DEADLINE_WORKING_DAYS = 5
DEFAULT_URGENT_CALL_DEADLINE_HOURS = 24

# History reasons (stored data).
REASON_FILED = "乡镇呼叫：{item}"
REASON_FILED_TO_OFFICE = "乡镇呼叫（清单外事项，待编办指派）：{item}"
REASON_ROUTED = "编办指派：{department}（期限 {due}）"
REASON_ACCEPTED = "部门受理"
REASON_REPORTED = "部门报告办理情况"
REASON_CONFIRMED = "乡镇确认办结"
REASON_REOPENED = "乡镇退回重办（新期限 {due}）"
NO_ITEM = "未指明事项"

SEPARATORS = re.compile(r"[、,，;；/\s]+")


def deadline_working_days() -> int:
    config = getattr(settings, "QINGDAN", {}) or {}
    return int(config.get("CALL_DEADLINE_WORKING_DAYS", DEFAULT_CALL_DEADLINE_WORKING_DAYS))


def urgent_deadline_hours() -> int:
    config = getattr(settings, "QINGDAN", {}) or {}
    return int(config.get("URGENT_CALL_DEADLINE_HOURS", DEFAULT_URGENT_CALL_DEADLINE_HOURS))


def set_deadline(call, now) -> None:
    """The call's deadline counted from ``now`` (see the module doc)."""
    if call.urgency == Urgency.URGENT:
        call.due_on, call.due_at = None, now + datetime.timedelta(hours=urgent_deadline_hours())
    else:
        call.due_at = None
        call.due_on = calendar.add_working_days(timezone.localdate(now), deadline_working_days())


def format_due(call) -> str:
    if call.urgency == Urgency.URGENT and call.due_at:
        return timezone.localtime(call.due_at).strftime("%Y-%m-%d %H:%M")
    return call.due_on.isoformat() if call.due_on else ""


# --------------------------------------------------------------------------- reading


def overdue_q(now=None) -> Q:
    """Not yet reported and past the deadline (the day for a normal call, the hour for an
    urgent one)."""
    now = now or timezone.now()
    return Q(status__in=AWAITING_REPORT) & (
        Q(urgency=Urgency.NORMAL, due_on__lt=timezone.localdate(now))
        | Q(urgency=Urgency.URGENT, due_at__lt=now)
    )


def shown(queryset):
    """With what the pages and the API read of a call."""
    return queryset.select_related(
        "county", "township", "item", "lead_department", "list_entry"
    ).prefetch_related("cooperating_departments")


def steps_of(call) -> list[dict]:
    """The call's history, oldest first: each row's time, user, status and reason."""
    return steps.history_steps(call, Status)


def waiting_for(user, now=None) -> dict:
    """What waits for ``user`` among the calls it may see (one query; the home page's counts):
    the office ``calls_to_route``, ``calls_overdue``; a department ``calls_to_accept``,
    ``calls_to_report``, ``calls_overdue`` (of the calls it leads); a township
    ``calls_to_confirm``, ``calls_open`` (not yet confirmed); the public ``{}``."""
    role = access.role_of(user)
    if role == access.PUBLIC:
        return {}
    visible = call_access.visible(user)
    late = Count("pk", filter=overdue_q(now))
    if role == access.OFFICE:
        return visible.aggregate(calls_to_route=Count("pk", filter=Q(status=Status.AT_OFFICE)),
                                 calls_overdue=late)
    if role == access.DEPARTMENT:
        own = visible.filter(lead_department_id=access.profile_of(user).department_id)
        return own.aggregate(
            calls_to_accept=Count("pk", filter=Q(status=Status.ROUTED)),
            calls_to_report=Count("pk", filter=Q(status__in=[Status.ACCEPTED, Status.REOPENED])),
            calls_overdue=late,
        )
    return visible.aggregate(calls_to_confirm=Count("pk", filter=Q(status=Status.REPORTED)),
                             calls_open=Count("pk", filter=~Q(status=Status.CONFIRMED)))


def territorial_entry(township, item, day=None):
    """The entry of ``township``'s territorial list holding ``item`` in force on ``day``
    (today), or None."""
    day = day or timezone.localdate()
    return (
        ListEntry.objects.filter(kind=ListKind.TERRITORIAL, item=item)
        .in_force(day).covering(township).select_related("lead_department", "item")
        .order_by("-effective_from", "-pk").first()
    )


def cooperating_departments_of(entry) -> list:
    """The county's departments the entry's 协同部门 text names (names no department answers
    to are left out: the text stays on the list as written)."""
    from duties.excel.departments import CellError, DepartmentIndex

    words = [w for w in SEPARATORS.split(entry.cooperating_departments or "") if w]
    if not words:
        return []
    index = DepartmentIndex.for_county(entry.item.county)
    found = []
    for word in words:
        try:
            department = index.find(word)
        except CellError:
            continue
        if department is not None and department.pk != entry.lead_department_id \
                and department not in found:
            found.append(department)
    return found


# --------------------------------------------------------------------------- the steps


_now = steps.now_or
_raise_if = steps.raise_if
_refresh_caller = steps.refresh_caller


def _lock(call) -> Call:
    return steps.lock(Call, call)


def _item_label(item) -> str:
    return f"{item.code} {item.name}" if item is not None else NO_ITEM


def file_call(user, *, entry=None, item=None, found: str, place: str = "", found_at=None,
              urgency: str = Urgency.NORMAL, township=None, now=None) -> Call:
    """A township user files a call for its own township about ``entry`` (a list entry) or
    ``item`` (a catalog item of its county), or about neither (something on no list)."""
    now = _now(now)
    found = (found or "").strip()
    place = (place or "").strip()
    own = call_access.require_filer(user, township)
    errors = {}
    if not found:
        add_error(errors, "found", _("Say what was found."))
    add_length_errors(errors, Call, "found", found)
    add_length_errors(errors, Call, "place", place)
    if urgency not in Urgency.values:
        add_error(errors, "urgency", _("Choose normal or urgent."))
    if found_at is not None and found_at > now + datetime.timedelta(minutes=5):
        add_error(errors, "found_at", _("The time found cannot be in the future."))
    if entry is not None:
        pk = getattr(entry, "pk", entry)
        entry = ListEntry.objects.filter(pk=pk, item__county_id=own.county_id).select_related(
            "item", "lead_department").first()
        if entry is None:
            add_error(errors, "entry", _("No list entry of your county has this id."))
        elif item is not None and getattr(item, "pk", item) != entry.item_id:
            add_error(errors, "item", _("The item is not the entry's item."))
        else:
            item = entry.item
    elif item is not None:
        pk = getattr(item, "pk", item)
        item = DutyItem.objects.filter(pk=pk, county_id=own.county_id).first()
        if item is None:
            add_error(errors, "item", _("No item of your county has this id."))
    _raise_if(errors)
    # On the township's territorial list in force today? Then straight to its lead department.
    listed = None
    if entry is not None and entry.kind == ListKind.TERRITORIAL and ListEntry.objects.filter(
        pk=entry.pk
    ).in_force(timezone.localdate(now)).covering(own).exists():
        listed = entry
    elif item is not None:
        listed = territorial_entry(own, item, timezone.localdate(now))
    with transaction.atomic():
        call = Call(county_id=own.county_id, township=own, item=item, list_entry=listed,
                    found=found, place=place, found_at=found_at or now, urgency=urgency,
                    filed_at=now, filed_by=real_user(user))
        if listed is not None:
            call.status = Status.ROUTED
            call.lead_department = listed.lead_department
            call.routed_at = now
            set_deadline(call, now)
            reason = REASON_FILED.format(item=_item_label(item))
            reason = f"{reason}（{listed.lead_department.name}，期限 {format_due(call)}）"
        else:
            call.status = Status.AT_OFFICE
            reason = REASON_FILED_TO_OFFICE.format(item=_item_label(item))
        stamp(call, user, reason_with(reason), now)
        call.save()
        if listed is not None:
            cooperating = cooperating_departments_of(listed)
            if cooperating:
                call.cooperating_departments.set(cooperating)
            _tell_department(call, new=True)
    return call


def route(user, call, *, department, note: str = "", now=None) -> Call:
    """The office names the lead department of a call on no list (县乡联办)."""
    now = _now(now)
    note = (note or "").strip()
    with transaction.atomic():
        locked = _lock(call)
        call_access.require(user, call_access.ROUTE, locked)
        errors = {}
        pk = getattr(department, "pk", department)
        chosen = Department.objects.filter(pk=pk, county_id=locked.county_id).first() \
            if pk is not None else None
        if chosen is None:
            add_error(errors, "department", _("Name a department of the call's county."))
        add_length_errors(errors, Call, "report", note, "note")
        _raise_if(errors)
        locked.lead_department = chosen
        locked.routed_at, locked.routed_by = now, real_user(user)
        locked.status = Status.ROUTED
        set_deadline(locked, now)
        stamp(locked, user, reason_with(
            REASON_ROUTED.format(department=chosen.name, due=format_due(locked)), note), now)
        locked.save()
        _tell_department(locked, new=True)
    _refresh_caller(call, locked)
    return locked


def accept(user, call, *, note: str = "", now=None) -> Call:
    """The lead department takes the call on."""
    now = _now(now)
    note = (note or "").strip()
    with transaction.atomic():
        locked = _lock(call)
        call_access.require(user, call_access.ACCEPT, locked)
        errors = {}
        add_length_errors(errors, Call, "report", note, "note")
        _raise_if(errors)
        locked.accepted_at, locked.accepted_by = now, real_user(user)
        locked.status = Status.ACCEPTED
        stamp(locked, user, reason_with(REASON_ACCEPTED, note), now)
        locked.save()
    _refresh_caller(call, locked)
    return locked


def report(user, call, *, report: str, now=None) -> Call:
    """The lead department reports what it did (required); the township is told."""
    now = _now(now)
    report = (report or "").strip()
    with transaction.atomic():
        locked = _lock(call)
        call_access.require(user, call_access.REPORT, locked)
        errors = {}
        if not report:
            add_error(errors, "report", _("Say what your department did."))
        add_length_errors(errors, Call, "report", report)
        _raise_if(errors)
        locked.report = report
        locked.reported_at, locked.reported_by = now, real_user(user)
        locked.status = Status.REPORTED
        stamp(locked, user, reason_with(REASON_REPORTED, report), now)
        locked.save()
        _tell_township(locked)
    _refresh_caller(call, locked)
    return locked


def confirm(user, call, *, note: str = "", now=None) -> Call:
    """The township confirms the department's report: the call is done."""
    now = _now(now)
    note = (note or "").strip()
    with transaction.atomic():
        locked = _lock(call)
        call_access.require(user, call_access.CONFIRM, locked)
        errors = {}
        add_length_errors(errors, Call, "reopen_reason", note, "note")
        _raise_if(errors)
        locked.confirmed_at, locked.confirmed_by = now, real_user(user)
        locked.status = Status.CONFIRMED
        stamp(locked, user, reason_with(REASON_CONFIRMED, note), now)
        locked.save()
    _refresh_caller(call, locked)
    return locked


def reopen(user, call, *, reason: str, now=None) -> Call:
    """The township reopens the call (``reason`` required): the department must act and
    report again, by a fresh deadline."""
    now = _now(now)
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _lock(call)
        call_access.require(user, call_access.REOPEN, locked)
        errors = {}
        if not reason:
            add_error(errors, "reason", _("Say why the call is reopened."))
        add_length_errors(errors, Call, "reopen_reason", reason, "reason")
        _raise_if(errors)
        locked.reopen_reason = reason
        locked.reopened_at, locked.reopened_by = now, real_user(user)
        locked.status = Status.REOPENED
        set_deadline(locked, now)
        stamp(locked, user, reason_with(REASON_REOPENED.format(due=format_due(locked)), reason),
              now)
        locked.save()
        _tell_department(locked, new=False)
    _refresh_caller(call, locked)
    return locked


# --------------------------------------------------------------------------- e-mail


def _send_on_commit(call, who: Q, subject: str, body: str):
    mail.send_on_commit(who, subject, body, about=f"call {call.pk}")


def _tell_department(call, *, new: bool):
    """E-mail the lead department's users: a call reached them, or was reopened."""
    if call.lead_department_id is None:
        return
    values = {"id": call.pk, "township": call.township.name, "due": format_due(call),
              "found": call.found, "place": call.place, "reason": call.reopen_reason}
    if new:
        subject = _("Call no. %(id)s from %(township)s, due %(due)s") % values
        body = _("%(township)s calls your department (due %(due)s).\n\nFound: %(found)s\n"
                 "Where: %(place)s") % values
    else:
        subject = _("Call no. %(id)s reopened by %(township)s, due %(due)s") % values
        body = _("%(township)s reopened call no. %(id)s (due %(due)s).\n\nReason: %(reason)s") \
            % values
    _send_on_commit(call, Q(profile__department_id=call.lead_department_id), subject, body)


def _tell_township(call):
    """E-mail the township's users: the department reported."""
    values = {"id": call.pk, "department": call.lead_department.name, "report": call.report}
    subject = _("Call no. %(id)s: %(department)s reported") % values
    body = _("%(department)s reported on call no. %(id)s:\n\n%(report)s\n\nConfirm it or "
             "reopen it with your reason.") % values
    _send_on_commit(call, Q(profile__township_id=call.township_id), subject, body)


# --------------------------------------------------------------------------- the office's figures


@dataclass
class DepartmentFigures:
    """One department's calls: how many reached it, answered by the deadline, answered late,
    overdue now, still open, and the median days from reaching it to its (last) report."""

    department: Department
    calls: int = 0
    in_time: int = 0
    late: int = 0
    overdue: int = 0
    open: int = 0
    median_days: float | None = None


def department_figures(county, now=None) -> list[DepartmentFigures]:
    """The calls of ``county`` per lead department (two queries), most calls first."""
    now = _now(now)
    departments = {d.pk: d for d in Department.objects.filter(county=county)}
    figures, waits = {}, {}
    rows = Call.objects.filter(county=county, lead_department__isnull=False).only(
        "lead_department_id", "status", "urgency", "due_on", "due_at", "routed_at", "reported_at",
        "filed_at",
    )
    for call in rows:
        department = departments.get(call.lead_department_id)
        if department is None:
            continue
        row = figures.setdefault(department.pk, DepartmentFigures(department))
        row.calls += 1
        in_time = call.answered_in_time()
        if call.status in AWAITING_REPORT:
            row.open += 1
            if call.is_overdue(now):
                row.overdue += 1
        elif in_time is True:
            row.in_time += 1
        elif in_time is False:
            row.late += 1
        if call.reported_at is not None:
            start = call.routed_at or call.filed_at
            waits.setdefault(department.pk, []).append(
                (call.reported_at - start).total_seconds() / 86400)
    for pk, days in waits.items():
        figures[pk].median_days = round(statistics.median(days), 1)
    return sorted(figures.values(), key=lambda f: (-f.calls, f.department.code))
