"""Cases: the findings about one subject, and the response loop on them (依单履责、依单问责).

A subject is an assignment in one township (``assignment:<id>:<township id>``), a delegation
(``delegation:<id>``) or, for the rules on list entries that rest on no delegation, a list entry
(``entry:<id>``). A case lists its findings' rules and lives through::

    open ──notify──▶ notified ──answer──▶ answered ──close──▶ closed
      └──────────────────close (any of the three)──────────────▲

- ``notify`` (the office): the correction notice (整改通知) to the department, with a deadline
  in working days (``delegations.calendar``, the calendar of the review deadlines);
- ``answer`` (the department): it withdrew the work, filed an admission request (the
  delegation it filed), or disputes the finding (with its reason);
- ``close`` (the office): corrected, dismissed (a false alarm, with its reason) or escalated
  (to the county's supervision or assessment).

The store moves cases too, in the write's transaction (``follow``): a finding about a new
subject opens a case; a case whose findings all vanish closes itself as resolved by the data,
naming the write (its history reason) in the closing note; a closed case — dismissed or not — is
reopened when a new finding joins it or the evidence of one of its findings changes.

Every step is one transaction: the case row is locked, the role, scope and status checked
(``case_access``), the step written with a history row naming the user and a reason (Chinese
constants: stored data), and refused otherwise with NotAllowed (403), StateConflict (409) or
InvalidRequest (400). The department's users are told by e-mail where addresses and an e-mail
backend are configured; the home page counts what waits for each.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, IntegerField, Q, Value, When
from django.db.models import Case as Choose
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from delegations import calendar, mail, steps
from delegations.flags import case_access
from delegations.flags.models import Case, Finding
from delegations.stamps import real_user, reason_with, stamp
from delegations.validation import add_error, add_length_errors
from duties.excel.bulk import insert_history, insert_objects

log = logging.getLogger(__name__)

Status = Case.Status
Answer = Case.Answer
Resolution = Case.Resolution

DEFAULT_DEADLINE_WORKING_DAYS = 10

# History reasons (stored data).
REASON_OPENED = "发现问题：{reason}"
REASON_REOPENED = "重新打开：{reason}"
REASON_RESOLVED = "数据已纠正：{reason}"
REASON_NOTIFIED = "整改通知（期限 {deadline}）"
REASON_ANSWERED = "部门答复：{answer}"
REASON_CLOSED = "办结：{resolution}"
ANSWER_LABELS = {"withdrawn": "已撤回交办", "admission_requested": "已申请准入", "disputed": "有异议"}
RESOLUTION_LABELS = {"corrected": "已整改", "dismissed": "不予认定", "escalated": "移交督查考核",
                     "resolved_by_data": "数据已纠正"}
UNNAMED_WRITE = "数据变更"

# The fields a reopened case starts afresh with.
STEP_FIELDS = {
    "due_on": None, "notice": "", "notified_at": None, "notified_by": None, "answer": "",
    "answer_note": "", "answer_delegation": None, "answered_at": None, "answered_by": None,
    "resolution": "", "close_note": "", "closed_at": None, "closed_by": None,
}


def deadline_working_days() -> int:
    config = getattr(settings, "QINGDAN", {}) or {}
    return int(config.get("CORRECTION_DEADLINE_WORKING_DAYS", DEFAULT_DEADLINE_WORKING_DAYS))


# --------------------------------------------------------------------------- subjects


def subject_of(values: dict) -> str:
    """The subject of a finding (its Finding field values)."""
    if values["assignment_pk"]:
        return f"assignment:{values['assignment_pk']}:{values['township_id']}"
    if values["delegation_pk"]:
        return f"delegation:{values['delegation_pk']}"
    return f"entry:{values['entry_pk']}"


def _new_case(finding: Finding, subject: str, now) -> Case:
    kind = subject.split(":", 1)[0]
    return Case(
        subject=subject,
        county_id=finding.county_id,
        department_id=finding.department_id,
        township_id=finding.township_id if kind == "assignment" else None,
        assignment_id=finding.assignment_pk if kind == "assignment" else None,
        delegation_id=finding.delegation_pk if kind == "delegation" else None,
        list_entry_id=finding.entry_pk if kind == "entry" else None,
        status=Status.OPEN,
        opened_at=now,
    )


def _values(finding: Finding) -> dict:
    return {
        "assignment_pk": finding.assignment_pk,
        "delegation_pk": finding.delegation_pk,
        "entry_pk": finding.entry_pk,
        "township_id": finding.township_id,
    }


# --------------------------------------------------------------------------- reading

# The statuses of a case still in the works (a filter value: ``?status=open,notified,answered``).
NOT_CLOSED = ",".join([Status.OPEN, Status.NOTIFIED, Status.ANSWERED])


def steps_of(case) -> list[dict]:
    """The case's history, oldest first: each row's time, user, status and reason."""
    return steps.history_steps(case, Status)



def in_queue_order(queryset):
    """Cases as the office works them: open ones before closed ones, the nearest deadline
    first (none last), then the oldest."""
    return queryset.annotate(
        closed_last=Choose(When(status=Status.CLOSED, then=Value(1)), default=Value(0),
                           output_field=IntegerField())
    ).order_by("closed_last", F("due_on").asc(nulls_last=True), "opened_at", "id")


def waiting_for(user) -> dict:
    """What waits for ``user`` among the cases it may see (one query; the home page's
    counts): the office ``cases_to_notify`` (open), ``cases_to_close`` (answered),
    ``cases_overdue``; a department ``cases_to_answer`` (notified), ``cases_overdue``; a
    township ``cases_open`` (not closed, about it); the public ``{}``."""
    from django.db.models import Q

    from townships import access

    role = access.role_of(user)
    if role == access.PUBLIC:
        return {}
    visible = case_access.visible(user)
    late = Count("pk", filter=overdue_q())
    if role == access.OFFICE:
        return visible.aggregate(cases_to_notify=Count("pk", filter=Q(status=Status.OPEN)),
                                 cases_to_close=Count("pk", filter=Q(status=Status.ANSWERED)),
                                 cases_overdue=late)
    if role == access.DEPARTMENT:
        return visible.aggregate(cases_to_answer=Count("pk", filter=Q(status=Status.NOTIFIED)),
                                 cases_overdue=late)
    return visible.aggregate(cases_open=Count("pk", filter=~Q(status=Status.CLOSED)))


def overdue_q(today=None):
    """Notified and past the deadline."""
    from django.db.models import Q

    return Q(status=Status.NOTIFIED, due_on__lt=today or timezone.localdate())


# --------------------------------------------------------------------------- the store's side


def attach(changes, *, reason: str, user, now) -> None:
    """Before the store writes ``changes``: give every new finding its case (opened, or
    reopened when closed) and reopen the closed cases whose findings' evidence changed."""
    reason = reason or UNNAMED_WRITE
    user = real_user(user)
    subjects = {}
    for finding in changes.created:
        subjects.setdefault(subject_of(_values(finding)), []).append(finding)
    cases = _by_subject(list(subjects))
    new = [_new_case(findings[0], subject, now) for subject, findings in subjects.items()
           if subject not in cases]
    if new:
        # Plain INSERTs and their history rows as simple-history writes them (the importer's
        # lean writer): a county's cases at once.
        insert_objects(Case, new)
        cases.update(_by_subject([c.subject for c in new]))
        insert_history(Case, [cases[c.subject] for c in new], history_type="+", user=user,
                       reason=reason_with(REASON_OPENED.format(reason=reason)), date=now)
    reopened = {c.pk: c for s, c in cases.items() if c.status == Status.CLOSED and s in subjects}
    changed_cases = {f.case_id for f in changes.changed if getattr(f, "facts_changed", True)}
    if changed_cases:
        for case in Case.objects.filter(pk__in=changed_cases, status=Status.CLOSED):
            reopened.setdefault(case.pk, case)
    if reopened:
        for case in reopened.values():
            for name, value in STEP_FIELDS.items():
                setattr(case, name, value)
            case.status, case.opened_at = Status.OPEN, now
        bulk_update_with_history(
            list(reopened.values()), Case, ["status", "opened_at", *STEP_FIELDS],
            default_user=user, default_date=now,
            default_change_reason=reason_with(REASON_REOPENED.format(reason=reason)),
        )
    through = Case.townships.through
    links = set()
    for subject, findings in subjects.items():
        case = cases[subject]
        for finding in findings:
            finding.case_id = case.pk
            links.add((case.pk, finding.township_id))
    if links:
        through.objects.bulk_create(
            [through(case_id=c, township_id=t) for c, t in sorted(links)], ignore_conflicts=True
        )


def _by_subject(subjects) -> dict:
    """The cases of ``subjects``, by subject (a query per thousand)."""
    found = {}
    for start in range(0, len(subjects), 1000):
        found.update((c.subject, c) for c in Case.objects.filter(subject__in=subjects[start:start + 1000]))
    return found


def settle(changes, *, reason: str, user, now) -> None:
    """After the store wrote ``changes``: close as resolved by the data every case not yet
    closed that has no finding left, naming the write."""
    ids = {f.case_id for f in changes.removed}
    if not ids:
        return
    empty = list(
        Case.objects.filter(pk__in=ids).exclude(status=Status.CLOSED)
        .annotate(n=Count("findings")).filter(n=0)
    )
    if not empty:
        return
    reason = reason or UNNAMED_WRITE
    for case in empty:
        case.status, case.resolution = Status.CLOSED, Resolution.RESOLVED_BY_DATA
        case.close_note, case.closed_at, case.closed_by = reason, now, real_user(user)
    bulk_update_with_history(
        empty, Case, ["status", "resolution", "close_note", "closed_at", "closed_by"],
        default_user=real_user(user), default_date=now,
        default_change_reason=reason_with(REASON_RESOLVED.format(reason=reason)),
    )


# --------------------------------------------------------------------------- the steps


_now = steps.now_or
_raise_if = steps.raise_if
_refresh_caller = steps.refresh_caller


def _lock(case) -> Case:
    return steps.lock(Case, case)


def notify(user, case, *, deadline: datetime.date | None = None, note: str = "", now=None) -> Case:
    """The office sends the case's department a correction notice (整改通知): by ``deadline``
    (default: ``QINGDAN["CORRECTION_DEADLINE_WORKING_DAYS"]``, 10, working days from today);
    ``note`` is the notice's text."""
    now = _now(now)
    note = (note or "").strip()
    today = timezone.localdate(now)
    with transaction.atomic():
        locked = _lock(case)
        case_access.require(user, case_access.NOTIFY, locked)
        errors = {}
        if deadline is not None and deadline < today:
            add_error(errors, "deadline", _("The deadline cannot be in the past."))
        if locked.department_id is None:
            add_error(errors, "department", _("The case names no department to notify."))
        add_length_errors(errors, Case, "notice", note, "note")
        _raise_if(errors)
        locked.due_on = deadline or calendar.add_working_days(today, deadline_working_days())
        locked.notice = note
        locked.notified_at, locked.notified_by = now, real_user(user)
        locked.status = Status.NOTIFIED
        stamp(locked, user, reason_with(REASON_NOTIFIED.format(deadline=locked.due_on), note), now)
        locked.save()
        _tell_department(locked)
    _refresh_caller(case, locked)
    return locked


def answer(user, case, *, answer: str, delegation=None, note: str = "", now=None) -> Case:
    """The department answers the notice: ``withdrawn`` (it withdrew the work),
    ``admission_requested`` (with the ``delegation`` it filed: its own, submitted or
    approved) or ``disputed`` (``note`` says why)."""
    from delegations.models import Delegation

    now = _now(now)
    note = (note or "").strip()
    with transaction.atomic():
        locked = _lock(case)
        case_access.require(user, case_access.ANSWER, locked)
        errors = {}
        if answer not in Answer.values:
            add_error(errors, "answer", _("Choose withdrawn, admission_requested or disputed."))
        if answer == Answer.DISPUTED and not note:
            add_error(errors, "note", _("A dispute must state its reason."))
        request = None
        if answer == Answer.ADMISSION_REQUESTED:
            pk = getattr(delegation, "pk", delegation)
            request = Delegation.objects.filter(pk=pk).first() if pk is not None else None
            if request is None:
                add_error(errors, "delegation", _("Name the admission request you filed."))
            elif request.department_id != locked.department_id or request.state not in (
                Delegation.State.SUBMITTED, Delegation.State.APPROVED
            ):
                add_error(errors, "delegation", _(
                    "The admission request must be one your department has filed (submitted "
                    "or approved)."
                ))
        elif delegation is not None:
            add_error(errors, "delegation", _("Only an admission request names a delegation."))
        add_length_errors(errors, Case, "answer_note", note, "note")
        _raise_if(errors)
        locked.answer, locked.answer_note, locked.answer_delegation = answer, note, request
        locked.answered_at, locked.answered_by = now, real_user(user)
        locked.status = Status.ANSWERED
        stamp(locked, user, reason_with(REASON_ANSWERED.format(answer=ANSWER_LABELS[answer]), note),
              now)
        locked.save()
    _refresh_caller(case, locked)
    return locked


def close(user, case, *, resolution: str, note: str = "", now=None) -> Case:
    """The office closes the case: ``corrected``, ``dismissed`` (a false alarm: ``note`` says
    why) or ``escalated`` (to the county's supervision or assessment). A dismissed case stays
    closed until its evidence changes."""
    now = _now(now)
    note = (note or "").strip()
    with transaction.atomic():
        locked = _lock(case)
        case_access.require(user, case_access.CLOSE, locked)
        errors = {}
        chosen = (Resolution.CORRECTED, Resolution.DISMISSED, Resolution.ESCALATED)
        if resolution not in chosen:
            add_error(errors, "resolution", _("Choose corrected, dismissed or escalated."))
        if resolution == Resolution.DISMISSED and not note:
            add_error(errors, "note", _("A dismissal must state its reason."))
        add_length_errors(errors, Case, "close_note", note, "note")
        _raise_if(errors)
        locked.resolution, locked.close_note = resolution, note
        locked.closed_at, locked.closed_by = now, real_user(user)
        locked.status = Status.CLOSED
        label = RESOLUTION_LABELS[resolution]
        stamp(locked, user, reason_with(REASON_CLOSED.format(resolution=label), note), now)
        locked.save()
    _refresh_caller(case, locked)
    return locked


def _tell_department(case):
    """E-mail the department's users about the notice, once the step is committed (where
    they have addresses and an e-mail backend is configured: ``delegations.mail``)."""
    if case.department_id is None:
        return
    subject = _("Correction notice: case no. %(id)s, due %(deadline)s") % {
        "id": case.pk, "deadline": case.due_on}
    body = _(
        "The compilation office asks your department to correct what case no. %(id)s found "
        "by %(deadline)s.\n\n%(note)s"
    ) % {"id": case.pk, "deadline": case.due_on, "note": case.notice}
    mail.send_on_commit(Q(profile__department_id=case.department_id), subject, body,
                        about=f"correction notice of case {case.pk}")
