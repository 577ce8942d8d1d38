"""The delegation workflow: 申请 → 乡镇意见 → 合法性审查 → 编办审核/决定 → 公布 → (撤销).

This module is the only writer of a delegation's state, decision and revocation
(``WORKFLOW_FIELDS``, ``Revocation`` rows; tests/test_single_writer.py fails on any other
writer). What it reads and calls:

- ``delegations.transitions``: the declared table (state × step → next state, role,
  preconditions), the preconditions and the refusals (``NotAllowed`` 403, ``StateConflict``
  409, ``InvalidRequest`` 400); ``townships.access`` and the pages read it too;
- ``delegations.validation``: the content rules (``REQUEST_FIELDS``, ``validate_request``, the
  rules on each step's inputs);
- ``delegations.request_warnings``: what the office should look at before deciding;
- ``delegations.list_entries``: the list entries a decision writes and a revocation ends;
- ``delegations.stamps``: the history rows' user, reason and date.

Every step is one function that runs in one transaction: it locks the delegation row
(``select_for_update``; SQLite ignores it and serialises writers anyway), checks the user's
role and scope (``townships.access``) and the state *after* locking, checks the step's
inputs and preconditions, writes the change with a history row naming the user and a change
reason (Chinese constants: stored data), and refuses anything else with one of the refusals
above (a vanished row is ``Delegation.DoesNotExist``, 404).

Every step takes ``now`` (an aware datetime, default ``timezone.now()``): the time the step
happened, used for ``submitted_at``, the deadline, ``decided_at``, the opinion's time and the
history rows' dates (of the delegation and of the list entries the step writes). Loaders of
past data (the demo, the synthetic generator, tests) pass it; users never do.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from delegations import calendar, list_entries, steps, validation
from delegations.flags import store as flag_store
from delegations.models import Delegation, Revocation, TownshipOpinion
from delegations.pending import pending_for
from delegations.request_warnings import RequestWarning, warnings_by_delegation, warnings_for
from delegations.stamps import real_user, reason_with, stamp
from delegations.transitions import (
    PAGE_STEPS,
    TRANSITIONS,
    InvalidRequest,
    NotAllowed,
    StateConflict,
    WorkflowError,
    check_preconditions,
    opinion_already_given,
    refusals,
    require,
    transition,
)
from delegations.validation import REQUEST_FIELDS, add_error, names, validate_request
from duties.models import DutyItem
from townships import access
from townships.models import Township

# Read through this module by the pages, the API, the admin and the loaders (``pending_for``:
# the home page's counts, ``delegations.pending``).
__all__ = [
    "PAGE_STEPS", "REQUEST_FIELDS", "TRANSITIONS", "InvalidRequest", "NotAllowed",
    "RequestWarning", "StateConflict", "WorkflowError", "pending_for", "refusals",
    "transition", "validate_request", "warnings_by_delegation", "warnings_for",
]

State = Delegation.State
Mode = Delegation.Mode
LegalReview = Delegation.LegalReview

# History change reasons (stored data; the history column holds 100 characters).
REASON_CREATED = "创建申请"
REASON_EDITED = "修改草稿"
REASON_DISCARDED = "删除草稿"
REASON_SUBMITTED = "提交申请"
REASON_WITHDRAWN = "撤回申请"
REASON_CLAIMED = "乡镇认领：{township}"
REASON_CLAIM_WITHDRAWN = "乡镇撤回认领"
REASON_DEPARTMENT_OPINION = "部门意见：{opinion}"
REASON_OPINION = "乡镇意见：{township} {opinion}"
REASON_RESPONSE = "编办答复：{township}"
REASON_LEGAL_REVIEW = "合法性审查：{result}"
REASON_APPROVED = "批准 {decision_no}"
REASON_REJECTED = "不予批准"
REASON_PAPER_CREATED = "录入书面决定"
REASON_PAPER_APPROVED = "书面决定 {decision_no}（{day}）"
REASON_REVOKED = "撤销 {document_no}"
REASON_PARTLY_REVOKED = "部分撤销 {document_no}"
REASON_RECLAIMED_ENDED = "收回事项重新下放 {decision_no}"
OPINION_LABELS = {"agree": "同意", "object": "反对"}
LEGAL_REVIEW_LABELS = {"passed": "通过", "failed": "未通过"}
# Delegation history rows written before opinions had their own history carried this prefix.
LEGACY_OPINION_REASON_PREFIX = "乡镇意见："

# The fields only this module writes (a test fails on any other writer).
WORKFLOW_FIELDS = (
    "state",
    "submitted_at",
    "deadline",
    "legal_review",
    "legal_review_note",
    "decided_at",
    "decided_by",
    "decision_no",
    "decision_note",
    "revoked_on",
    "claimed_by",
    "department_opinion",
    "department_opinion_text",
    "department_opinion_at",
    "department_opinion_by",
)
# What the department holding the power states when it agrees to a claim (the township cannot
# know them): the entrustment's written terms and the provincial decision of a grant.
CLAIM_TERMS = ("agreement_scope", "agreement_powers", "agreement_term_end", "provincial_decision")


# --------------------------------------------------------------------------- helpers


_now = steps.now_or
_refresh_caller = steps.refresh_caller


def _lock(delegation) -> Delegation:
    """The delegation's row, locked for the rest of the transaction, read afresh."""
    return steps.lock(Delegation, delegation)


def _set_m2m_quietly(obj, **values):
    """Set many-to-many fields without a history row each; the next save records them."""
    obj.skip_history_when_saving = True
    try:
        for name, objects in values.items():
            getattr(obj, name).set(objects)
    finally:
        del obj.skip_history_when_saving


def _load(model, values, field) -> list:
    """Instances (or primary keys) to fresh instances, in one query; unknown ones refused."""
    values = list(values or [])
    pks = [v.pk if isinstance(v, models.Model) else v for v in values]
    found = list(model._default_manager.filter(pk__in=pks))
    if len(found) != len(set(pks)):
        raise InvalidRequest({field: [_("Some of the chosen entries do not exist.")]})
    return found


def _load_one(model, value, field):
    return value if isinstance(value, model) else _load(model, [value], field)[0]


_raise_if = steps.raise_if


def _request_fields(step, fields, required=validation.REQUEST_REQUIRED_FIELDS) -> dict:
    """The request fields a step was given; an unknown or missing one is a programming error."""
    unknown = sorted(set(fields) - set(REQUEST_FIELDS))
    missing = [name for name in required if name not in fields]
    if unknown or missing:
        raise TypeError(f"{step}() got unknown fields {unknown}, lacks fields {missing}")
    return dict(fields)


# --------------------------------------------------------------------------- department


def create_request(user, *, department, submit=False, now=None, **fields) -> Delegation:
    """A new request of ``department`` (its own department user only), as a draft, or
    submitted when ``submit=True`` (then the submit-time rules apply and nothing is saved if
    they fail). ``fields`` are the request's ``REQUEST_FIELDS`` (``mode``, ``duty_items``,
    ``townships`` and ``effective_from`` required); ``duty_items``/``townships`` are
    instances or primary keys."""
    fields = _request_fields("create_request", fields)
    problem = access.explain(user, "create_request", department)
    if problem:
        raise NotAllowed(problem[1])
    now = _now(now)
    with transaction.atomic():
        delegation = _create_draft(user, department, REASON_CREATED, now, fields)
        if submit:
            _submit(user, delegation, now)
        flag_store.delegation_changed(delegation, user=user, now=now)
    return delegation


def _create_draft(user, department, history_reason, now, fields, claimed_by=None) -> Delegation:
    fields = {**validation.REQUEST_DEFAULTS, **fields}
    items = _load(DutyItem, fields.pop("duty_items"), "duty_items")
    towns = _load(Township, fields.pop("townships"), "townships")
    agreement_file = fields.pop("agreement_file", None)
    if fields["derived_from"] is not None:
        fields["derived_from"] = _load_one(Delegation, fields["derived_from"], "derived_from")
    values = validation.normalise(fields)
    errors = validation.request_errors(department, values, items, towns)
    errors.update(validation.upload_errors(agreement_file))
    _raise_if(errors)
    delegation = Delegation(
        department=department,
        state=State.DRAFT,
        created_by=real_user(user),
        created_at=now,
        claimed_by=claimed_by,
        **values,
    )
    if agreement_file:
        delegation.agreement_file = agreement_file
    stamp(delegation, user, history_reason, now)
    delegation.save()
    _set_m2m_quietly(delegation, duty_items=items, townships=towns)
    delegation.save(update_fields=["updated_at"])  # history row with the items and townships
    return delegation


def update_draft(user, delegation, *, now=None, **fields) -> Delegation:
    """Change a draft (its department only). Accepts the fields of ``create_request`` except
    ``department`` and ``submit``; ``duty_items``/``townships`` replace the current sets."""
    fields = _request_fields("update_draft", fields, required=())
    now = _now(now)
    with transaction.atomic():
        locked = _lock(delegation)
        require(user, "edit", locked)
        m2m = {}
        if "duty_items" in fields:
            m2m["duty_items"] = _load(DutyItem, fields.pop("duty_items"), "duty_items")
        if "townships" in fields:
            m2m["townships"] = _load(Township, fields.pop("townships"), "townships")
        if fields.get("derived_from") is not None:
            fields["derived_from"] = _load_one(Delegation, fields["derived_from"], "derived_from")
        upload_errors = validation.upload_errors(fields.get("agreement_file"))
        for name, value in validation.normalise(fields).items():
            setattr(locked, name, value)
        items = m2m.get("duty_items", None)
        towns = m2m.get("townships", None)
        errors = validation.request_errors(
            locked.department,
            validation.request_values(locked),
            items if items is not None else list(locked.duty_items.all()),
            towns if towns is not None else list(locked.townships.all()),
            pk=locked.pk,
        )
        errors.update(upload_errors)
        _raise_if(errors)
        if m2m:
            _set_m2m_quietly(locked, **m2m)
        stamp(locked, user, REASON_EDITED, now)
        locked.save()
    _refresh_caller(delegation, locked)
    return locked


def discard_draft(user, delegation, *, now=None) -> None:
    """Delete a draft (its department only); the history keeps a row of it."""
    now = _now(now)
    with transaction.atomic():
        locked = _lock(delegation)
        require(user, "discard", locked)
        stamp(locked, user, REASON_DISCARDED, now)
        try:
            locked.delete()
        except models.ProtectedError as exc:
            raise StateConflict(
                _("Other records refer to this draft; it cannot be deleted."), code="protected"
            ) from exc


def _submit(user, locked, now):
    check_preconditions("submit", locked)
    locked.state = State.SUBMITTED
    locked.submitted_at = now
    locked.deadline = calendar.review_deadline(timezone.localdate(now))
    stamp(locked, user, REASON_SUBMITTED, now)
    locked.save()


def submit_request(user, delegation, *, now=None) -> Delegation:
    """Submit a draft (its department only) after the submit-time rules; sets
    ``submitted_at`` and the decision ``deadline`` (working days). The warnings
    (``warnings_for``) do not stop it; the office sees them."""
    now = _now(now)
    with transaction.atomic():
        locked = _lock(delegation)
        require(user, "submit", locked)
        _submit(user, locked, now)
        flag_store.delegation_changed(locked, user=user, now=now)
    _refresh_caller(delegation, locked)
    return locked


def withdraw_request(user, delegation, comment="", *, now=None) -> Delegation:
    """Withdraw a submitted request before it is decided: its department, or for a claim
    the claiming township."""
    now = _now(now)
    errors = {}
    validation.add_length_errors(errors, Delegation, "decision_note", comment, "comment")
    _raise_if(errors)
    with transaction.atomic():
        locked = _lock(delegation)
        claim = locked.claimed_by_id is not None
        step = "withdraw_claim" if claim else "withdraw"
        require(user, step, locked)
        check_preconditions(step, locked)
        locked.state = State.WITHDRAWN
        reason = REASON_CLAIM_WITHDRAWN if claim else REASON_WITHDRAWN
        stamp(locked, user, reason_with(reason, comment), now)
        locked.save()
        flag_store.delegation_changed(locked, user=user, now=now)
    _refresh_caller(delegation, locked)
    return locked


# --------------------------------------------------------------------------- township


def give_opinion(user, delegation, township, opinion, text="", *, now=None) -> Delegation:
    """The opinion (agree / object, an objection with its reasons) of a township the
    submitted request names, given once by that township's user. The opinion keeps its own
    history (not the delegation's), so that another township never reads it."""
    now = _now(now)
    text = (text or "").strip()
    with transaction.atomic():
        locked = _lock(delegation)
        township = _load_one(Township, township, "township")
        if access.role_of(user) == access.TOWNSHIP and (
            access.profile_of(user).township_id != township.pk
        ):
            raise NotAllowed(_("You may give the opinion of your own township only."))
        require(user, "give_opinion", locked)
        _raise_if(validation.opinion_errors(opinion, text))
        check_preconditions("give_opinion", locked, township=township)
        row = TownshipOpinion(
            delegation=locked,
            township=township,
            opinion=opinion,
            text=text,
            given_by=real_user(user),
            given_at=now,
        )
        reason = REASON_OPINION.format(township=township.name, opinion=OPINION_LABELS[opinion])
        stamp(row, user, reason_with(reason, text), now)
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError as exc:
            raise opinion_already_given(township) from exc
    _refresh_caller(delegation, locked)
    return locked


# --------------------------------------------------------------------------- claims (认领)


def file_claim(user, *, township, department, now=None, **fields) -> Delegation:
    """A township's claim (认领) of powers held by ``department`` (of its county), for
    itself: filed by the township's own user and submitted at once (the office's review
    deadline runs). ``fields`` are the request's fields but ``townships`` (the claiming
    township only) and the terms only the department can state (``CLAIM_TERMS``, given with
    its opinion); the submit-time rules apply to the rest (no entrustment of 行政强制 items…).
    The department then gives its opinion (``give_department_opinion``); the office reviews
    and decides as for any request."""
    township = _load_one(Township, township, "township")
    if "townships" in fields or any(name in fields for name in CLAIM_TERMS):
        raise TypeError("file_claim() takes neither townships nor the department's terms")
    fields = _request_fields("file_claim", {**fields, "townships": [township]})
    problem = access.explain(user, "claim", township)
    if problem:
        raise NotAllowed(problem[1])
    if department.county_id != township.county_id:
        raise InvalidRequest({"department": [_("Choose a department of your own county.")]})
    now = _now(now)
    reason = REASON_CLAIMED.format(township=township.name)
    with transaction.atomic():
        delegation = _create_draft(user, department, reason, now, fields, claimed_by=township)
        errors = {k: v for k, v in validate_request(delegation).items() if k not in CLAIM_TERMS}
        _raise_if(errors)
        delegation.state = State.SUBMITTED
        delegation.submitted_at = now
        delegation.deadline = calendar.review_deadline(timezone.localdate(now))
        stamp(delegation, user, reason, now)
        delegation.save()
        flag_store.delegation_changed(delegation, user=user, now=now)
    return delegation


def give_department_opinion(user, delegation, opinion, text="", *, now=None, **terms) -> Delegation:
    """The opinion of the department holding the claimed powers (its own user): agree — with
    the terms only it can state (``CLAIM_TERMS``: an entrustment's written scope, powers and
    term; a penalty grant's provincial decision), after which the whole request must meet the
    submit-time rules — or object, with its reasons. Given once; the office cannot approve a
    claim before it."""
    unknown = set(terms) - set(CLAIM_TERMS)
    if unknown:
        raise TypeError(f"give_department_opinion() got unknown fields {sorted(unknown)}")
    now = _now(now)
    text = (text or "").strip()
    with transaction.atomic():
        locked = _lock(delegation)
        require(user, "department_opinion", locked)
        _raise_if(validation.opinion_errors(opinion, text))
        check_preconditions("department_opinion", locked)
        if opinion == "agree":
            for name, value in validation.normalise(terms).items():
                setattr(locked, name, value)
            _raise_if(validate_request(locked))
        locked.department_opinion = opinion
        locked.department_opinion_text = text
        locked.department_opinion_at = now
        locked.department_opinion_by = real_user(user)
        reason = REASON_DEPARTMENT_OPINION.format(opinion=OPINION_LABELS[opinion])
        stamp(locked, user, reason_with(reason, text), now)
        locked.save()
        flag_store.delegation_changed(locked, user=user, now=now)
    _refresh_caller(delegation, locked)
    return locked


# --------------------------------------------------------------------------- office


def respond_to_objection(user, delegation, township, response, *, now=None) -> Delegation:
    """The office's written answer (答复) to a township's objection (office). Every objection
    needs one before the request can be approved; it may be rewritten until the decision.
    The objecting township sees it with its own opinion; other townships see neither."""
    now = _now(now)
    response = (response or "").strip()
    with transaction.atomic():
        locked = _lock(delegation)
        township = _load_one(Township, township, "township")
        require(user, "respond", locked)
        _raise_if(validation.response_errors(response))
        check_preconditions("respond", locked, township=township)
        row = TownshipOpinion.objects.select_for_update().get(delegation=locked, township=township)
        row.response = response
        row.responded_by = real_user(user)
        row.responded_at = now
        stamp(row, user, reason_with(REASON_RESPONSE.format(township=township.name), response), now)
        row.save()
    _refresh_caller(delegation, locked)
    return locked


def _apply_legal_review(locked, user, result, note, now):
    note = (note or "").strip()
    _raise_if(validation.legal_review_errors(result, note))
    locked.legal_review = result
    locked.legal_review_note = note
    reason = REASON_LEGAL_REVIEW.format(result=LEGAL_REVIEW_LABELS[result])
    stamp(locked, user, reason_with(reason, note), now)
    locked.save()


def record_legal_review(user, delegation, result, note="", *, now=None) -> Delegation:
    """Record the legality review (合法性审查) of a submitted request (office); a failed
    review needs a note. It may be recorded again while the request is under review."""
    now = _now(now)
    with transaction.atomic():
        locked = _lock(delegation)
        require(user, "review", locked)
        _apply_legal_review(locked, user, result, note, now)
    _refresh_caller(delegation, locked)
    return locked


def decide_request(
    user,
    delegation,
    decision,
    decision_no="",
    note="",
    *,
    legal_review=None,
    legal_review_note="",
    end_reclaimed_reason="",
    now=None,
) -> Delegation:
    """Approve (needs the decision document number) or reject (needs the reason) a
    submitted request (office).

    Approval needs the legality review passed — recorded before, or here with
    ``legal_review="passed"`` — and the office's written answer to every objection; it
    re-checks the submit-time rules, and an item on a named township's reclaimed list
    (收回清单) needs ``end_reclaimed_reason``: the reclaimed entry is ended (for those
    townships) in the same decision. It puts the items on the townships' lists in the same
    transaction: the admission list for 交办, the power list (source 赋权/委托) otherwise.
    A rejection needs no legality review. Of two office users deciding at once, the second
    gets a StateConflict."""
    now = _now(now)
    decision_no = (decision_no or "").strip()
    note = (note or "").strip()
    end_reclaimed_reason = (end_reclaimed_reason or "").strip()
    step = {"approve": "approve", "reject": "reject"}.get(decision)
    with transaction.atomic():
        locked = _lock(delegation)
        require(user, step or "approve", locked)
        _raise_if(validation.decision_errors(
            step, decision_no, note, legal_review, end_reclaimed_reason
        ))
        if legal_review:
            _apply_legal_review(locked, user, legal_review, legal_review_note, now)
        check_preconditions(step, locked, end_reclaimed_reason=end_reclaimed_reason)
        locked.decided_at = now
        locked.decided_by = real_user(user)
        locked.decision_note = note
        locked.decision_no = decision_no
        if step == "approve":
            reason = reason_with(REASON_APPROVED.format(decision_no=decision_no), note)
            _approve(locked, user, reason, timezone.localdate(now), now, end_reclaimed_reason)
        else:
            locked.state = State.REJECTED
            stamp(locked, user, reason_with(REASON_REJECTED, note), now)
            locked.save()
        flag_store.delegation_changed(locked, user=user, now=now)
    _refresh_caller(delegation, locked)
    return locked


def _approve(locked, user, reason, decided_on, now, end_reclaimed_reason):
    reclaimed = [w for w in warnings_for(locked) if w.code == "reclaimed"]
    locked.state = State.APPROVED
    stamp(locked, user, reason, now)
    locked.save()
    list_entries.put_on_lists(locked, user, reason, decided_on, now)
    if reclaimed:
        ended = reason_with(
            REASON_RECLAIMED_ENDED.format(decision_no=locked.decision_no), end_reclaimed_reason
        )
        list_entries.end_reclaimed(locked, reclaimed, user, ended, now)


def record_paper_decision(
    user,
    *,
    department,
    decision_no,
    decided_on: datetime.date,
    note="",
    end_reclaimed_reason="",
    now=None,
    **fields,
) -> Delegation:
    """Record a delegation decided (approved) outside qingdan, on paper (office only), with
    the request's fields (as ``create_request``'s).

    ``decided_on`` is the decision's own date (``decided_at`` is the start of that day); the
    history rows are dated ``now`` (when it is recorded). The same rules as an approval run:
    the submit-time rules (a 委托 of a 行政强制 item is refused with the same message) and the
    reclaimed-list rule (``end_reclaimed_reason``); the legality review is recorded as passed
    (the county decided). The items go on the lists exactly as ``decide_request`` puts them.
    """
    fields = _request_fields("record_paper_decision", fields)
    problem = access.explain(user, "record_decision", department)
    if problem:
        raise NotAllowed(problem[1])
    now = _now(now)
    decision_no = (decision_no or "").strip()
    note = (note or "").strip()
    _raise_if(validation.paper_decision_errors(
        decision_no, decided_on, note, timezone.localdate(now)
    ))
    with transaction.atomic():
        created = _create_draft(user, department, REASON_PAPER_CREATED, now, fields)
        locked = _lock(created)
        check_preconditions("record_decision", locked, end_reclaimed_reason=end_reclaimed_reason)
        locked.legal_review = LegalReview.PASSED
        locked.decided_at = timezone.make_aware(
            datetime.datetime.combine(decided_on, datetime.time.min)
        )
        locked.decided_by = real_user(user)
        locked.decision_no = decision_no
        locked.decision_note = note
        reason = reason_with(
            REASON_PAPER_APPROVED.format(decision_no=decision_no, day=decided_on.isoformat()), note
        )
        _approve(locked, user, reason, decided_on, now, (end_reclaimed_reason or "").strip())
        flag_store.delegation_changed(locked, user=user, now=now)
    _refresh_caller(created, locked)
    return locked


# --------------------------------------------------------------------------- revocation


def revoke_delegation(
    user,
    delegation,
    *,
    revoked_on=None,
    reason="",
    document_no="",
    townships=None,
    duty_items=None,
    note=None,
    now=None,
) -> Delegation:
    """Revoke an approved delegation (office), from ``revoked_on`` (default today; not
    before the decision day), with its ``reason`` and ``document_no`` (both required).

    ``townships`` and ``duty_items`` (instances or primary keys; None: all) revoke only part
    of it: the pairs (item, township) they name. Their list entries end the day before
    ``revoked_on`` (an entry revoked for some of its townships loses those townships; one
    that would end before it began is removed, the history keeping a row of it). Each act is
    a ``Revocation`` row. Once every pair is revoked, the delegation's state is ``revoked``
    and ``revoked_on`` is the day of the revocation that ended its last part; until then it
    stays ``approved``. ``note`` is the old name of ``reason``."""
    now = _now(now)
    reason = (reason or note or "").strip()
    document_no = (document_no or "").strip()
    with transaction.atomic():
        locked = _lock(delegation)
        require(user, "revoke", locked)
        revoked_on = revoked_on or timezone.localdate(now)
        all_towns = list(locked.townships.all())
        all_items = list(locked.duty_items.all())
        decided_on = timezone.localdate(locked.decided_at) if locked.decided_at else None
        errors = validation.revocation_errors(reason, document_no, revoked_on, decided_on)
        towns = _subset(townships, all_towns, Township, "townships", errors,
                        _("These townships are not named in the delegation: %(names)s."))
        items = _subset(duty_items, all_items, DutyItem, "duty_items", errors,
                        _("These items are not part of the delegation: %(names)s."))
        _raise_if(errors)
        done = _revoked_pairs(locked)
        asked = {(i.pk, t.pk) for i in items for t in towns}
        if asked <= done:
            raise StateConflict(
                _("These townships and items have already been revoked."), code="already_revoked"
            )
        whole = {(i.pk, t.pk) for i in all_items for t in all_towns}
        complete = whole <= (done | asked)
        partial = not (len(towns) == len(all_towns) and len(items) == len(all_items))
        revocation = Revocation.objects.create(
            delegation=locked,
            revoked_on=revoked_on,
            reason=reason,
            document_no=document_no,
            partial=partial,
            recorded_by=real_user(user),
            recorded_at=now,
        )
        revocation.townships.set(towns)
        revocation.duty_items.set(items)
        template = REASON_REVOKED if complete else REASON_PARTLY_REVOKED
        history_reason = reason_with(template.format(document_no=document_no), reason)
        if complete:
            locked.state = State.REVOKED
            locked.revoked_on = revoked_on
        stamp(locked, user, history_reason, now)
        locked.save()
        list_entries.end_entries(locked, items, towns, revoked_on, user, history_reason, now)
        flag_store.delegation_changed(locked, user=user, now=now)
    _refresh_caller(delegation, locked)
    return locked


def _subset(values, all_objects, model, field, errors, message):
    if values is None:
        return all_objects
    chosen = _load(model, values, field)
    known = {o.pk for o in all_objects}
    strangers = [o for o in chosen if o.pk not in known]
    if strangers:
        add_error(errors, field, message % {"names": names(strangers)})
    if not chosen:
        add_error(errors, field, _("Choose at least one, or leave it out to revoke all."))
    return [o for o in chosen if o.pk in known]


def _revoked_pairs(delegation) -> set:
    pairs = set()
    for revocation in delegation.revocations.prefetch_related("townships", "duty_items"):
        towns = [t.pk for t in revocation.townships.all()]
        pairs |= {(i.pk, t) for i in revocation.duty_items.all() for t in towns}
    return pairs
