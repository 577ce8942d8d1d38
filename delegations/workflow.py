"""The delegation workflow: 申请 → 乡镇意见 → 合法性审查 → 编办审核/决定 → 公布 → (撤销).

This module is the only writer of a delegation's state, decision and revocation. The steps
are declared once, in ``TRANSITIONS`` (state × step → next state, role, preconditions);
``townships.access`` (``explain``/``can``) and the pages (which buttons to show) read that
table instead of keeping their own copies.

Every step is one function that runs in one transaction: it locks the delegation row
(``select_for_update``; SQLite ignores it and serialises writers anyway), checks the user's
role and scope (``townships.access``) and the state *after* locking, checks the step's
preconditions, writes the change with a history row naming the user and a change reason,
and refuses anything else with an exception the API and the pages map to a status:

============================  ======  ==============================================
exception                     status  when
============================  ======  ==============================================
``NotAllowed``                403     the role or scope forbids it (a PermissionDenied)
``StateConflict``             409     the state forbids it: double submit, already
                                      decided, legality review pending, objection not
                                      answered, …
``InvalidRequest``            400     bad or missing fields; ``message_dict`` maps each
                                      field to its messages
``Delegation.DoesNotExist``   404     the row vanished meanwhile
============================  ======  ==============================================

Every step takes ``now`` (an aware datetime, default ``timezone.now()``): the time the step
happened, used for ``submitted_at``, the deadline, ``decided_at``, the opinion's time and the
history rows' dates (of the delegation and of the list entries the step writes). Loaders of
past data (the demo, the synthetic generator, tests) pass it; users never do.

Change reasons are stored data (like the importer's ``导入 <file>``), so they are Chinese
constants, not translated strings.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from delegations import calendar
from delegations.models import Delegation, Revocation, TownshipOpinion
from delegations.uploads import validate_agreement_pdf
from delegations.validation import county_mismatches
from duties.models import AdmissionMode, Category, DutyItem, ListEntry, ListKind, PowerSource
from townships import access
from townships.models import Township

State = Delegation.State
Mode = Delegation.Mode
LegalReview = Delegation.LegalReview
DECIDED_STATES = (State.APPROVED, State.REJECTED, State.REVOKED)

# History change reasons (stored data; the history column holds 100 characters).
REASON_CREATED = "创建申请"
REASON_EDITED = "修改草稿"
REASON_DISCARDED = "删除草稿"
REASON_SUBMITTED = "提交申请"
REASON_WITHDRAWN = "撤回申请"
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
REASON_MAX_LENGTH = 100
# Delegation history rows written before opinions had their own history carried this prefix.
LEGACY_OPINION_REASON_PREFIX = "乡镇意见："

# How long a rejection stays in a department's "waiting for you" count.
REJECTED_NOTICE_DAYS = 30

# The delegation's input schema: the fields a request is filed with (pages, API, admin,
# loaders). One definition; the forms and serializers read it.
REQUEST_FIELDS = (
    "mode",
    "duty_items",
    "townships",
    "reason",
    "legal_basis",
    "provincial_decision",
    "agreement_scope",
    "agreement_powers",
    "agreement_term_end",
    "agreement_file",
    "published_on",
    "staff_posts",
    "funding_wan_yuan",
    "support_measures",
    "effective_from",
    "effective_to",
    "derived_from",
)
REQUEST_TEXT_FIELDS = (
    "reason",
    "legal_basis",
    "provincial_decision",
    "agreement_scope",
    "agreement_powers",
    "support_measures",
)
REQUEST_OPTIONAL_FIELDS = (
    "agreement_term_end",
    "agreement_file",
    "published_on",
    "effective_to",
    "derived_from",
)
REQUEST_NUMBER_FIELDS = ("staff_posts", "funding_wan_yuan")
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
)


# --------------------------------------------------------------------------- errors


class WorkflowError(ValidationError):
    """A refused workflow step that is not a permission matter."""

    http_status = 400
    default_code = "invalid"

    def __init__(self, message, code=None, params=None):
        super().__init__(message, code=code or self.default_code, params=params)


class InvalidRequest(WorkflowError):
    """Bad or missing fields (HTTP 400); ``message_dict`` maps fields to messages."""

    http_status = 400
    default_code = "invalid"


class StateConflict(WorkflowError):
    """The delegation's state forbids the step (HTTP 409)."""

    http_status = 409
    default_code = "illegal_state"


class NotAllowed(PermissionDenied):
    """The user's role or scope forbids the step (HTTP 403)."""

    http_status = 403


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True)
class Transition:
    """One step of the workflow.

    ``from_states`` the states it may start from (empty: it creates the delegation);
    ``to_state`` the state it leaves (None: the delegation is deleted); ``role`` who takes it
    (``townships.access`` roles); ``preconditions`` the names of the checks in
    ``PRECONDITIONS`` it runs, in order, before writing; ``refusal`` the message when the
    state forbids it (``%(state)s`` is the current state); ``late`` the message and code when
    the request has already been decided (defaults to ``refusal``).
    """

    step: str
    from_states: tuple[str, ...]
    to_state: str | None
    role: str
    preconditions: tuple[str, ...] = ()
    refusal: str = ""
    refusal_code: str = "illegal_state"
    late: str = ""
    late_code: str = "already_decided"

    def state_problem(self, delegation) -> tuple[str, str] | None:
        """``(code, message)`` when ``delegation``'s state forbids this step, else None."""
        if delegation.state in self.from_states:
            return None
        values = {"state": delegation.get_state_display()}
        if self.late and delegation.state in DECIDED_STATES:
            return self.late_code, str(self.late) % values
        return self.refusal_code, str(self.refusal) % values


_NOT_UNDER_REVIEW = gettext_lazy("This request is not under review; it is %(state)s.")
_DRAFT_ONLY = gettext_lazy("Only a draft can be changed; this request is %(state)s.")
_ALREADY_DECIDED = gettext_lazy("This request has already been decided (%(state)s).")

TRANSITIONS = {
    t.step: t
    for t in (
        Transition("edit", (State.DRAFT,), State.DRAFT, access.DEPARTMENT, refusal=_DRAFT_ONLY),
        Transition("discard", (State.DRAFT,), None, access.DEPARTMENT, refusal=_DRAFT_ONLY),
        Transition(
            "submit",
            (State.DRAFT,),
            State.SUBMITTED,
            access.DEPARTMENT,
            ("submit_rules",),
            refusal=gettext_lazy(
                "This request has already been submitted (it is now %(state)s)."
            ),
            refusal_code="already_submitted",
        ),
        Transition(
            "withdraw",
            (State.SUBMITTED,),
            State.WITHDRAWN,
            access.DEPARTMENT,
            refusal=gettext_lazy(
                "Only a submitted request can be withdrawn; this one is %(state)s."
            ),
        ),
        Transition(
            "give_opinion",
            (State.SUBMITTED,),
            State.SUBMITTED,
            access.TOWNSHIP,
            ("opinion_given_once",),
            refusal=_NOT_UNDER_REVIEW,
        ),
        Transition(
            "respond",
            (State.SUBMITTED,),
            State.SUBMITTED,
            access.OFFICE,
            ("township_objected",),
            refusal=_NOT_UNDER_REVIEW,
        ),
        Transition(
            "review", (State.SUBMITTED,), State.SUBMITTED, access.OFFICE, refusal=_NOT_UNDER_REVIEW
        ),
        Transition(
            "approve",
            (State.SUBMITTED,),
            State.APPROVED,
            access.OFFICE,
            ("legal_review_passed", "objections_answered", "submit_rules", "reclaimed_ended"),
            refusal=_NOT_UNDER_REVIEW,
            late=_ALREADY_DECIDED,
        ),
        Transition(
            "reject",
            (State.SUBMITTED,),
            State.REJECTED,
            access.OFFICE,
            refusal=_NOT_UNDER_REVIEW,
            late=_ALREADY_DECIDED,
        ),
        Transition(
            "revoke",
            (State.APPROVED,),
            State.REVOKED,  # or still approved while part of it is in force
            access.OFFICE,
            refusal=gettext_lazy(
                "Only an approved delegation can be revoked; this one is %(state)s."
            ),
        ),
        Transition(
            "record_decision",
            (),
            State.APPROVED,
            access.OFFICE,
            ("submit_rules", "reclaimed_ended"),
        ),
    )
}
# Access actions that stand for several steps of the table (the page's one decision form).
ACTION_GROUPS = {"decide": ("approve", "reject")}
# The steps a page offers on an existing delegation, in the order it shows them.
PAGE_STEPS = (
    "edit", "discard", "submit", "withdraw", "give_opinion", "respond", "review", "decide", "revoke",
)


def transition(action: str) -> Transition | None:
    """The table's transition for an access action (``decide`` reads ``approve``: both
    decisions start from the same states with the same role)."""
    step = ACTION_GROUPS.get(action, (action,))[0]
    return TRANSITIONS.get(step)


# --------------------------------------------------------------------------- warnings


@dataclass(frozen=True)
class RequestWarning:
    """Something the office should look at before deciding (never a refusal by itself).

    ``code``: ``reclaimed`` (the item is on a named township's 收回清单), ``already_listed``
    (it is already on a named township's other lists) or ``other_department`` (another
    department owns the item).
    """

    code: str
    item: DutyItem
    townships: tuple = ()
    lists: tuple = ()
    entry_ids: tuple = ()

    @property
    def message(self) -> str:
        item = _names([self.item])
        towns = "、".join(t.name for t in self.townships)
        if self.code == "reclaimed":
            return _(
                "%(item)s is on the reclaimed list (收回清单) of %(townships)s: pushing it back "
                "down needs the reclaimed entry ended, with a reason, in the decision."
            ) % {"item": item, "townships": towns}
        if self.code == "already_listed":
            labels = "、".join(str(ListKind(kind).label) for kind in self.lists)
            return _("%(item)s is already on the lists of %(townships)s (%(lists)s).") % {
                "item": item, "townships": towns, "lists": labels,
            }
        return _("%(item)s is owned by another department (%(department)s).") % {
            "item": item,
            "department": self.item.department.name if self.item.department_id else "—",
        }

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "item": self.item.code,
            "townships": [t.code for t in self.townships],
            "lists": list(self.lists),
            "message": self.message,
        }


def _window_overlaps(entry, delegation) -> bool:
    end = delegation.effective_to
    return (end is None or entry.effective_from <= end) and (
        entry.effective_to is None or entry.effective_to >= delegation.effective_from
    )


def warnings_by_delegation(delegations) -> dict[int, list[RequestWarning]]:
    """The warnings of each delegation, ``{pk: [RequestWarning]}``, in a constant number of
    queries (two, plus two when the items and townships are not prefetched)."""
    delegations = [d for d in delegations if d.pk is not None]
    if not delegations:
        return {}
    items_of, towns_of = {}, {}
    for d in delegations:
        items_of[d.pk] = list(d.duty_items.all())
        towns_of[d.pk] = list(d.townships.all())
    item_ids = {i.pk for items in items_of.values() for i in items}
    entries = (
        ListEntry.objects.filter(item_id__in=item_ids, status=ListEntry.Status.PUBLISHED)
        .only("id", "kind", "item_id", "all_townships", "effective_from", "effective_to",
              "delegation_id")
        .prefetch_related(Prefetch("townships", queryset=Township.objects.only("id")))
    )
    by_item = {}
    for entry in entries:
        by_item.setdefault(entry.item_id, []).append(entry)
    owners = {
        item.pk: item
        for item in DutyItem.objects.filter(pk__in=item_ids).select_related("department")
    }
    result = {}
    for d in delegations:
        found = []
        for item in items_of[d.pk]:
            reclaimed, listed, kinds, ids = [], [], [], []
            for entry in by_item.get(item.pk, []):
                if entry.delegation_id == d.pk or not _window_overlaps(entry, d):
                    continue
                covered = {t.pk for t in entry.townships.all()}
                hit = [t for t in towns_of[d.pk] if entry.all_townships or t.pk in covered]
                if not hit:
                    continue
                if entry.kind == ListKind.RECLAIMED:
                    reclaimed += [t for t in hit if t not in reclaimed]
                    ids.append(entry.pk)
                else:
                    listed += [t for t in hit if t not in listed]
                    if entry.kind not in kinds:
                        kinds.append(entry.kind)
            if reclaimed:
                found.append(RequestWarning("reclaimed", item, tuple(reclaimed),
                                            (ListKind.RECLAIMED,), tuple(ids)))
            if listed:
                found.append(RequestWarning("already_listed", item, tuple(listed), tuple(kinds)))
            owner = owners.get(item.pk, item)
            if owner.department_id is not None and owner.department_id != d.department_id:
                found.append(RequestWarning("other_department", owner))
        result[d.pk] = found
    return result


def warnings_for(delegation) -> list[RequestWarning]:
    """The warnings of one delegation (reclaimed item, already on the township's lists, item
    of another department): shown at submit, in the review queue and at the decision."""
    return warnings_by_delegation([delegation]).get(delegation.pk, [])


# --------------------------------------------------------------------------- helpers


def _now(now) -> datetime.datetime:
    if now is None:
        return timezone.now()
    if timezone.is_naive(now):
        raise ValueError("now must be an aware datetime")
    return now


def _require(user, step, delegation):
    problem = access.explain(user, step, delegation)
    if problem is None:
        return
    kind, message = problem
    if kind == "forbidden":
        raise NotAllowed(message)
    code, _message = TRANSITIONS[step].state_problem(delegation) or ("illegal_state", message)
    raise StateConflict(message, code=code)


def _lock(delegation) -> Delegation:
    """The delegation's row, locked for the rest of the transaction, read afresh."""
    pk = delegation.pk if isinstance(delegation, models.Model) else delegation
    return Delegation.objects.select_for_update().get(pk=pk)


def _refresh_caller(original, fresh):
    """Copy the fresh row into the instance the caller holds (no query)."""
    if not isinstance(original, Delegation) or original is fresh:
        return
    for field in Delegation._meta.concrete_fields:
        setattr(original, field.attname, getattr(fresh, field.attname))
    original._state.fields_cache = {}
    original.__dict__.pop("_prefetched_objects_cache", None)


def _reason(text: str, note: str = "") -> str:
    note = " ".join((note or "").split())
    full = f"{text}：{note}" if note else text
    return full[:REASON_MAX_LENGTH]


def _stamp(obj, user, reason, now):
    """Who, why and when, for the history row the next save writes."""
    obj._history_user = user if getattr(user, "is_authenticated", False) else None
    obj._change_reason = reason
    obj._history_date = now


def _real_user(user):
    return user if getattr(user, "is_authenticated", False) else None


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


def _names(objects, limit=5) -> str:
    names = [getattr(o, "code", "") and f"{o.code} {o.name}" or o.name for o in objects]
    text = "、".join(names[:limit])
    return text + ("…" if len(names) > limit else "")


def _add(errors, field, message):
    errors.setdefault(field, []).append(message)


def _decimal(value):
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _length_errors(model, values: dict) -> dict:
    """The model fields' own validators (length limits) on the text ``values``."""
    errors = {}
    for name, value in values.items():
        if not isinstance(value, str) or not value:
            continue
        try:
            model._meta.get_field(name).run_validators(value)
        except ValidationError as error:
            for message in error.messages:
                _add(errors, name, message)
    return errors


def _text_errors(model, **values) -> dict:
    return _length_errors(model, values)


def _upload_errors(upload) -> dict:
    """The agreement upload's check (``delegations.uploads``), as field errors."""
    if not upload:
        return {}
    try:
        validate_agreement_pdf(upload)
    except ValidationError as error:
        return {"agreement_file": list(error.messages)}
    return {}


def _raise_if(errors):
    if errors:
        raise InvalidRequest(errors)


def _normalise(values: dict) -> dict:
    """Blank text for None, 0 for a missing number (what a form or an API body leaves out)."""
    for name in REQUEST_TEXT_FIELDS:
        if name in values and values[name] is None:
            values[name] = ""
        if isinstance(values.get(name), str):
            values[name] = values[name].strip()
    for name in REQUEST_NUMBER_FIELDS:
        if name in values and values[name] is None:
            values[name] = 0
    return values


def _basic_errors(department, values, items, townships, pk=None) -> dict:
    """Rules every saved request keeps, draft or not (the database enforces some of them
    too; checking first gives a per-field message instead of an integrity error)."""
    errors = _length_errors(Delegation, {n: values.get(n) for n in REQUEST_TEXT_FIELDS})
    if values.get("mode") not in Mode.values:
        _add(errors, "mode", _("Choose grant, entrustment or assignment."))
    start, end = values.get("effective_from"), values.get("effective_to")
    if not start:
        _add(errors, "effective_from", _("State from when the delegation takes effect."))
    elif end and end < start:
        _add(errors, "effective_to", _("“Effective to” cannot be earlier than “effective from”."))
    try:
        staff = int(values.get("staff_posts"))
    except (TypeError, ValueError):
        staff = None
    if staff is None or staff < 0:
        _add(errors, "staff_posts", _("Staff posts cannot be negative."))
    funding = _decimal(values.get("funding_wan_yuan"))
    if funding is None or funding < 0:
        _add(errors, "funding_wan_yuan", _("Funding cannot be negative."))
    for field, message in county_mismatches(
        department.county_id, duty_items=items, townships=townships
    ).items():
        _add(errors, field, message)
    derived = values.get("derived_from")
    if derived is not None and pk is not None and derived.pk == pk:
        _add(errors, "derived_from", _("A delegation cannot derive from itself."))
    return errors


def _values_of(delegation) -> dict:
    return {name: getattr(delegation, name) for name in REQUEST_FIELDS
            if name not in ("duty_items", "townships")}


def validate_request(delegation) -> dict:
    """The submit-time rules, as ``{field: [messages]}`` (empty when the request may go).

    - at least one item and one township, all of the department's county;
    - no entrustment of 行政强制 items (行政强制法 第十七条);
    - a grant of 行政处罚 items names the provincial decision (行政处罚法 第二十四条);
    - an entrustment states the written agreement's scope, powers and term (行政处罚法 第二十条);
    - items owned by another department need a stated reason (权责一致);
    - no re-delegation of what the department itself holds only by entrustment
      (行政处罚法 第二十条: 受委托组织不得再委托);
    - the effective window is ordered.
    """
    items = list(delegation.duty_items.all())
    townships = list(delegation.townships.all())
    errors = _basic_errors(
        delegation.department, _values_of(delegation), items, townships, pk=delegation.pk
    )
    if not items:
        _add(errors, "duty_items", _("Choose at least one duty item."))
    if not townships:
        _add(errors, "townships", _("Choose at least one township."))

    mode = delegation.mode
    if mode == Mode.ENTRUST:
        coercive = [i for i in items if i.category == Category.COERCION]
        if coercive:
            _add(
                errors,
                "duty_items",
                _(
                    "Administrative coercion cannot be entrusted (行政强制法 第十七条): %(items)s."
                )
                % {"items": _names(coercive)},
            )
        missing = {
            "agreement_scope": not (delegation.agreement_scope or "").strip(),
            "agreement_powers": not (delegation.agreement_powers or "").strip(),
            "agreement_term_end": delegation.agreement_term_end is None,
        }
        messages = {
            "agreement_scope": _(
                "An entrustment needs a written agreement stating its scope (行政处罚法 第二十条)."
            ),
            "agreement_powers": _(
                "An entrustment needs a written agreement stating the powers entrusted "
                "(行政处罚法 第二十条)."
            ),
            "agreement_term_end": _(
                "An entrustment needs a written agreement stating its term (行政处罚法 第二十条)."
            ),
        }
        for field, is_missing in missing.items():
            if is_missing:
                _add(errors, field, messages[field])
    if mode == Mode.GRANT and not (delegation.provincial_decision or "").strip():
        penalties = [i for i in items if i.category == Category.PENALTY]
        if penalties:
            _add(
                errors,
                "provincial_decision",
                _(
                    "A grant of administrative penalty powers needs the provincial decision "
                    "that grants them (行政处罚法 第二十四条): %(items)s."
                )
                % {"items": _names(penalties)},
            )
    others = [
        i for i in items if i.department_id is not None and i.department_id != delegation.department_id
    ]
    if others and not (delegation.reason or "").strip():
        _add(
            errors,
            "reason",
            _("These items are owned by another department; state why you hand them down: "
              "%(items)s.")
            % {"items": _names(others)},
        )
    derived = delegation.derived_from
    if derived is not None and derived.mode == Mode.ENTRUST:
        _add(
            errors,
            "derived_from",
            _("Entrusted powers cannot be delegated again (行政处罚法 第二十条)."),
        )
    return errors


# --------------------------------------------------------------------------- preconditions
# Each takes the (locked) delegation and the step's inputs and returns the refusal it would
# raise (an InvalidRequest or a StateConflict), or None.


def _submit_rules(delegation, inputs):
    errors = validate_request(delegation)
    return InvalidRequest(errors) if errors else None


def _legal_review_passed(delegation, inputs):
    if delegation.legal_review == LegalReview.FAILED:
        return StateConflict(
            _("The legality review failed; this request cannot be approved."),
            code="legal_review_failed",
        )
    if delegation.legal_review != LegalReview.PASSED:
        return StateConflict(
            _("The legality review (合法性审查) has not passed yet: record it before approving, "
              "or record it as passed with the decision."),
            code="legal_review_pending",
        )
    return None


def _objections_answered(delegation, inputs):
    waiting = [
        o.township for o in delegation.opinions.select_related("township")
        if o.opinion == TownshipOpinion.Opinion.OBJECT and not o.response.strip()
    ]
    if waiting:
        return StateConflict(
            _("The office has not yet answered the objection of %(townships)s in writing; "
              "answer it before approving.") % {"townships": "、".join(t.name for t in waiting)},
            code="objection_unanswered",
        )
    return None


def _reclaimed_ended(delegation, inputs):
    reclaimed = [w for w in warnings_for(delegation) if w.code == "reclaimed"]
    if reclaimed and not (inputs.get("end_reclaimed_reason") or "").strip():
        return InvalidRequest({
            "end_reclaimed_reason": [
                _("These items are on the townships' reclaimed list (收回清单): %(items)s. "
                  "Approving them ends their reclaimed entries; state the reason.")
                % {"items": "；".join(
                    f"{_names([w.item])}（{'、'.join(t.name for t in w.townships)}）"
                    for w in reclaimed
                )}
            ]
        })
    return None


def _opinion_given_once(delegation, inputs):
    township = inputs.get("township")
    if township is not None and TownshipOpinion.objects.filter(
        delegation=delegation, township=township
    ).exists():
        return StateConflict(
            _("%(township)s has already given its opinion on this request.")
            % {"township": township.name},
            code="opinion_given",
        )
    return None


def _township_objected(delegation, inputs):
    township = inputs.get("township")
    if township is None or not TownshipOpinion.objects.filter(
        delegation=delegation, township=township, opinion=TownshipOpinion.Opinion.OBJECT
    ).exists():
        return StateConflict(
            _("%(township)s has not objected to this request; there is nothing to answer.")
            % {"township": getattr(township, "name", "—")},
            code="no_objection",
        )
    return None


PRECONDITIONS = {
    "submit_rules": _submit_rules,
    "legal_review_passed": _legal_review_passed,
    "objections_answered": _objections_answered,
    "reclaimed_ended": _reclaimed_ended,
    "opinion_given_once": _opinion_given_once,
    "township_objected": _township_objected,
}


def refusals(step: str, delegation, **inputs) -> list[WorkflowError]:
    """Every precondition of ``step`` that ``delegation`` does not meet now (for pages that
    show what still stands in the way, e.g. before approval). Role and state not included."""
    found = []
    for name in TRANSITIONS[step].preconditions:
        refusal = PRECONDITIONS[name](delegation, inputs)
        if refusal is not None:
            found.append(refusal)
    return found


def _check_preconditions(step, delegation, **inputs):
    for name in TRANSITIONS[step].preconditions:
        refusal = PRECONDITIONS[name](delegation, inputs)
        if refusal is not None:
            raise refusal


# --------------------------------------------------------------------------- department


def create_request(
    user,
    *,
    department,
    mode,
    duty_items,
    townships,
    reason="",
    legal_basis="",
    provincial_decision="",
    agreement_scope="",
    agreement_powers="",
    agreement_term_end=None,
    agreement_file=None,
    published_on=None,
    staff_posts=0,
    funding_wan_yuan=0,
    support_measures="",
    effective_from,
    effective_to=None,
    derived_from=None,
    submit=False,
    now=None,
) -> Delegation:
    """A new request of ``department`` (its own department user only), as a draft, or
    submitted when ``submit=True`` (then the submit-time rules apply and nothing is saved if
    they fail). ``duty_items``/``townships`` are instances or primary keys."""
    problem = access.explain(user, "create_request", department)
    if problem:
        raise NotAllowed(problem[1])
    now = _now(now)
    with transaction.atomic():
        delegation = _create_draft(
            user, department, REASON_CREATED, now,
            mode=mode, duty_items=duty_items, townships=townships, reason=reason,
            legal_basis=legal_basis, provincial_decision=provincial_decision,
            agreement_scope=agreement_scope, agreement_powers=agreement_powers,
            agreement_term_end=agreement_term_end, agreement_file=agreement_file,
            published_on=published_on, staff_posts=staff_posts,
            funding_wan_yuan=funding_wan_yuan, support_measures=support_measures,
            effective_from=effective_from, effective_to=effective_to, derived_from=derived_from,
        )
        if submit:
            _submit(user, delegation, now)
    return delegation


def _create_draft(user, department, history_reason, now, **fields) -> Delegation:
    items = _load(DutyItem, fields.pop("duty_items"), "duty_items")
    towns = _load(Township, fields.pop("townships"), "townships")
    agreement_file = fields.pop("agreement_file", None)
    derived_from = fields.get("derived_from")
    if derived_from is not None and not isinstance(derived_from, Delegation):
        fields["derived_from"] = _load(Delegation, [derived_from], "derived_from")[0]
    values = _normalise(fields)
    errors = _basic_errors(department, values, items, towns)
    errors.update(_upload_errors(agreement_file))
    _raise_if(errors)
    delegation = Delegation(
        department=department,
        state=State.DRAFT,
        created_by=_real_user(user),
        created_at=now,
        **values,
    )
    if agreement_file:
        delegation.agreement_file = agreement_file
    _stamp(delegation, user, history_reason, now)
    delegation.save()
    _set_m2m_quietly(delegation, duty_items=items, townships=towns)
    delegation.save(update_fields=["updated_at"])  # history row with the items and townships
    return delegation


def update_draft(user, delegation, *, now=None, **fields) -> Delegation:
    """Change a draft (its department only). Accepts the fields of ``create_request`` except
    ``department`` and ``submit``; ``duty_items``/``townships`` replace the current sets."""
    unknown = set(fields) - set(REQUEST_FIELDS)
    if unknown:
        raise TypeError(f"update_draft() got unknown fields: {', '.join(sorted(unknown))}")
    now = _now(now)
    with transaction.atomic():
        locked = _lock(delegation)
        _require(user, "edit", locked)
        m2m = {}
        if "duty_items" in fields:
            m2m["duty_items"] = _load(DutyItem, fields.pop("duty_items"), "duty_items")
        if "townships" in fields:
            m2m["townships"] = _load(Township, fields.pop("townships"), "townships")
        derived = fields.get("derived_from")
        if derived is not None and not isinstance(derived, Delegation):
            fields["derived_from"] = _load(Delegation, [derived], "derived_from")[0]
        upload_errors = _upload_errors(fields.get("agreement_file"))
        for name, value in _normalise(fields).items():
            setattr(locked, name, value)
        items = m2m.get("duty_items", None)
        towns = m2m.get("townships", None)
        errors = _basic_errors(
            locked.department,
            _values_of(locked),
            items if items is not None else list(locked.duty_items.all()),
            towns if towns is not None else list(locked.townships.all()),
            pk=locked.pk,
        )
        errors.update(upload_errors)
        _raise_if(errors)
        if m2m:
            _set_m2m_quietly(locked, **m2m)
        _stamp(locked, user, REASON_EDITED, now)
        locked.save()
    _refresh_caller(delegation, locked)
    return locked


def discard_draft(user, delegation, *, now=None) -> None:
    """Delete a draft (its department only); the history keeps a row of it."""
    now = _now(now)
    with transaction.atomic():
        locked = _lock(delegation)
        _require(user, "discard", locked)
        _stamp(locked, user, REASON_DISCARDED, now)
        try:
            locked.delete()
        except models.ProtectedError as exc:
            raise StateConflict(
                _("Other records refer to this draft; it cannot be deleted."), code="protected"
            ) from exc


def _submit(user, locked, now):
    _check_preconditions("submit", locked)
    locked.state = State.SUBMITTED
    locked.submitted_at = now
    locked.deadline = calendar.review_deadline(timezone.localdate(now))
    _stamp(locked, user, REASON_SUBMITTED, now)
    locked.save()


def submit_request(user, delegation, *, now=None) -> Delegation:
    """Submit a draft (its department only) after the submit-time rules; sets
    ``submitted_at`` and the decision ``deadline`` (working days). The warnings
    (``warnings_for``) do not stop it; the office sees them."""
    now = _now(now)
    with transaction.atomic():
        locked = _lock(delegation)
        _require(user, "submit", locked)
        _submit(user, locked, now)
    _refresh_caller(delegation, locked)
    return locked


def withdraw_request(user, delegation, comment="", *, now=None) -> Delegation:
    """Withdraw a submitted request (its department only), before it is decided."""
    now = _now(now)
    errors = _text_errors(Delegation, decision_note=comment or "")
    _raise_if({"comment": errors["decision_note"]} if errors else {})
    with transaction.atomic():
        locked = _lock(delegation)
        _require(user, "withdraw", locked)
        locked.state = State.WITHDRAWN
        _stamp(locked, user, _reason(REASON_WITHDRAWN, comment), now)
        locked.save()
    _refresh_caller(delegation, locked)
    return locked


# --------------------------------------------------------------------------- township


def give_opinion(user, delegation, township, opinion, text="", *, now=None) -> Delegation:
    """The opinion (agree / object, an objection with its reasons) of a township the
    submitted request names, given once by that township's user. The opinion keeps its own
    history (not the delegation's), so that another township never reads it."""
    now = _now(now)
    with transaction.atomic():
        locked = _lock(delegation)
        if not isinstance(township, Township):
            township = _load(Township, [township], "township")[0]
        if access.role_of(user) == access.TOWNSHIP and (
            access.profile_of(user).township_id != township.pk
        ):
            raise NotAllowed(_("You may give the opinion of your own township only."))
        _require(user, "give_opinion", locked)
        errors = {}
        if opinion not in TownshipOpinion.Opinion.values:
            _add(errors, "opinion", _("Choose agree or object."))
        text = (text or "").strip()
        if opinion == TownshipOpinion.Opinion.OBJECT and not text:
            _add(errors, "text", _("An objection must say why."))
        errors.update(_text_errors(TownshipOpinion, text=text))
        _raise_if(errors)
        _check_preconditions("give_opinion", locked, township=township)
        row = TownshipOpinion(
            delegation=locked,
            township=township,
            opinion=opinion,
            text=text,
            given_by=_real_user(user),
            given_at=now,
        )
        reason = REASON_OPINION.format(township=township.name, opinion=OPINION_LABELS[opinion])
        _stamp(row, user, _reason(reason, text), now)
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError as exc:
            raise StateConflict(
                _("%(township)s has already given its opinion on this request.")
                % {"township": township.name},
                code="opinion_given",
            ) from exc
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
        if not isinstance(township, Township):
            township = _load(Township, [township], "township")[0]
        _require(user, "respond", locked)
        errors = {}
        if not response:
            _add(errors, "response", _("Write the office's answer to the objection."))
        errors.update(_text_errors(TownshipOpinion, response=response))
        _raise_if(errors)
        _check_preconditions("respond", locked, township=township)
        row = TownshipOpinion.objects.select_for_update().get(delegation=locked, township=township)
        row.response = response
        row.responded_by = _real_user(user)
        row.responded_at = now
        _stamp(row, user, _reason(REASON_RESPONSE.format(township=township.name), response), now)
        row.save()
    _refresh_caller(delegation, locked)
    return locked


def _apply_legal_review(locked, user, result, note, now):
    errors = {}
    if result not in (LegalReview.PASSED, LegalReview.FAILED):
        _add(errors, "result", _("Choose passed or failed."))
    note = (note or "").strip()
    if result == LegalReview.FAILED and not note:
        _add(errors, "note", _("Say why the legality review failed."))
    errors.update(
        {("note" if k == "legal_review_note" else k): v
         for k, v in _text_errors(Delegation, legal_review_note=note).items()}
    )
    _raise_if(errors)
    locked.legal_review = result
    locked.legal_review_note = note
    reason = REASON_LEGAL_REVIEW.format(result=LEGAL_REVIEW_LABELS[result])
    _stamp(locked, user, _reason(reason, note), now)
    locked.save()


def record_legal_review(user, delegation, result, note="", *, now=None) -> Delegation:
    """Record the legality review (合法性审查) of a submitted request (office); a failed
    review needs a note. It may be recorded again while the request is under review."""
    now = _now(now)
    with transaction.atomic():
        locked = _lock(delegation)
        _require(user, "review", locked)
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
        _require(user, step or "approve", locked)
        errors = {}
        if step is None:
            _add(errors, "decision", _("Choose approve or reject."))
        elif step == "approve" and not decision_no:
            _add(errors, "decision_no", _("An approval needs its decision document number."))
        elif step == "reject" and not note:
            _add(errors, "note", _("A rejection must state its reason."))
        if legal_review not in (None, "", LegalReview.PASSED, LegalReview.FAILED):
            _add(errors, "legal_review", _("Choose passed or failed."))
        errors.update(_text_errors(Delegation, decision_no=decision_no))
        errors.update(
            {("note" if k == "decision_note" else k): v
             for k, v in _text_errors(Delegation, decision_note=note).items()}
        )
        for message in _text_errors(Revocation, reason=end_reclaimed_reason).get("reason", []):
            _add(errors, "end_reclaimed_reason", message)
        _raise_if(errors)
        if legal_review:
            _apply_legal_review(locked, user, legal_review, legal_review_note, now)
        _check_preconditions(step, locked, end_reclaimed_reason=end_reclaimed_reason)
        locked.decided_at = now
        locked.decided_by = _real_user(user)
        locked.decision_note = note
        locked.decision_no = decision_no
        if step == "approve":
            reason = _reason(REASON_APPROVED.format(decision_no=decision_no), note)
            _approve(locked, user, reason, timezone.localdate(now), now, end_reclaimed_reason)
        else:
            locked.state = State.REJECTED
            _stamp(locked, user, _reason(REASON_REJECTED, note), now)
            locked.save()
    _refresh_caller(delegation, locked)
    return locked


def _approve(locked, user, reason, decided_on, now, end_reclaimed_reason):
    reclaimed = [w for w in warnings_for(locked) if w.code == "reclaimed"]
    locked.state = State.APPROVED
    _stamp(locked, user, reason, now)
    locked.save()
    _put_on_lists(locked, user, reason, decided_on, now)
    if reclaimed:
        _end_reclaimed(locked, reclaimed, user, end_reclaimed_reason, now)


def record_paper_decision(
    user,
    *,
    department,
    mode,
    duty_items,
    townships,
    decision_no,
    decided_on: datetime.date,
    legal_basis="",
    reason="",
    provincial_decision="",
    agreement_scope="",
    agreement_powers="",
    agreement_term_end=None,
    agreement_file=None,
    published_on=None,
    staff_posts=0,
    funding_wan_yuan=0,
    support_measures="",
    effective_from,
    effective_to=None,
    derived_from=None,
    note="",
    end_reclaimed_reason="",
    now=None,
) -> Delegation:
    """Record a delegation decided (approved) outside qingdan, on paper (office only).

    ``decided_on`` is the decision's own date (``decided_at`` is the start of that day); the
    history rows are dated ``now`` (when it is recorded). The same rules as an approval run:
    the submit-time rules (a 委托 of a 行政强制 item is refused with the same message) and the
    reclaimed-list rule (``end_reclaimed_reason``); the legality review is recorded as passed
    (the county decided). The items go on the lists exactly as ``decide_request`` puts them.
    """
    problem = access.explain(user, "record_decision", department)
    if problem:
        raise NotAllowed(problem[1])
    now = _now(now)
    decision_no = (decision_no or "").strip()
    note = (note or "").strip()
    errors = {}
    if not decision_no:
        _add(errors, "decision_no", _("An approval needs its decision document number."))
    if not isinstance(decided_on, datetime.date):
        _add(errors, "decided_on", _("State the day the decision was taken."))
    elif decided_on > timezone.localdate(now):
        _add(errors, "decided_on", _("A decision cannot be dated in the future."))
    errors.update(_text_errors(Delegation, decision_no=decision_no, decision_note=note))
    _raise_if(errors)
    with transaction.atomic():
        created = _create_draft(
            user, department, REASON_PAPER_CREATED, now,
            mode=mode, duty_items=duty_items, townships=townships, reason=reason,
            legal_basis=legal_basis, provincial_decision=provincial_decision,
            agreement_scope=agreement_scope, agreement_powers=agreement_powers,
            agreement_term_end=agreement_term_end, agreement_file=agreement_file,
            published_on=published_on, staff_posts=staff_posts,
            funding_wan_yuan=funding_wan_yuan, support_measures=support_measures,
            effective_from=effective_from, effective_to=effective_to, derived_from=derived_from,
        )
        locked = _lock(created)
        _check_preconditions("record_decision", locked, end_reclaimed_reason=end_reclaimed_reason)
        locked.legal_review = LegalReview.PASSED
        locked.decided_at = timezone.make_aware(
            datetime.datetime.combine(decided_on, datetime.time.min)
        )
        locked.decided_by = _real_user(user)
        locked.decision_no = decision_no
        locked.decision_note = note
        reason = _reason(
            REASON_PAPER_APPROVED.format(decision_no=decision_no, day=decided_on.isoformat()), note
        )
        _approve(locked, user, reason, decided_on, now, (end_reclaimed_reason or "").strip())
    _refresh_caller(created, locked)
    return locked


def _list_kind(delegation):
    return ListKind.ADMISSION if delegation.mode == Mode.ASSIGN else ListKind.POWER


def _put_on_lists(delegation, user, reason, decided_on, now):
    townships = list(delegation.townships.all())
    existing = {
        e.item_id: e
        for e in ListEntry.objects.filter(delegation=delegation, kind=_list_kind(delegation))
    }
    for item in delegation.duty_items.all():
        _add_list_entry(
            delegation, item, townships, existing.get(item.pk), user, reason, decided_on, now
        )


def _add_list_entry(delegation, item, townships, entry, user, reason, decided_on, now):
    """One entry per (list, item, delegation) — the ListEntry uniqueness rule — so an
    existing one is updated rather than duplicated.

    The staff and funding of the request belong to the whole request (every item, every
    township): they stay on the delegation and are not copied onto each entry, where a list
    of two items would read as twice the posts and money."""
    kind = _list_kind(delegation)
    entry = entry or ListEntry(kind=kind, item=item, delegation=delegation)
    entry.all_townships = False
    entry.status = ListEntry.Status.PUBLISHED
    entry.effective_from = delegation.effective_from
    entry.effective_to = delegation.effective_to
    entry.document_no = delegation.decision_no
    if kind == ListKind.ADMISSION:
        entry.source = ""
        entry.admission_mode = AdmissionMode.ASSIGN
        entry.approval_document = delegation.decision_no
        entry.approved_on = decided_on
        entry.requesting_department_id = delegation.department_id
        entry.staff_posts = None
        entry.funding_wan_yuan = None
    else:
        entry.source = (
            PowerSource.GRANTED if delegation.mode == Mode.GRANT else PowerSource.ENTRUSTED
        )
    _stamp(entry, user, reason, now)
    entry.save()
    entry.townships.set(townships)
    return entry


def _end_reclaimed(delegation, reclaimed, user, end_reason, now):
    """End the reclaimed entries of the delegation's items for its townships: an entry that
    covers other townships too loses these townships; one left with none ends the day before
    the delegation takes effect (or is removed if it would end before it began)."""
    reason = _reason(REASON_RECLAIMED_ENDED.format(decision_no=delegation.decision_no), end_reason)
    ids = {pk for w in reclaimed for pk in w.entry_ids}
    county_townships = list(Township.objects.filter(county_id=delegation.department.county_id))
    handed = {t.pk for t in delegation.townships.all()}
    for entry in ListEntry.objects.filter(pk__in=ids).prefetch_related("townships"):
        covered = county_townships if entry.all_townships else list(entry.townships.all())
        remaining = [t for t in covered if t.pk not in handed]
        _stamp(entry, user, reason, now)
        entry.document_no = delegation.decision_no
        if remaining:
            entry.all_townships = False
            entry.save()
            entry.townships.set(remaining)
            continue
        last_day = delegation.effective_from - datetime.timedelta(days=1)
        if last_day < entry.effective_from:
            entry.delete()
        else:
            entry.effective_to = last_day
            entry.save()


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
        _require(user, "revoke", locked)
        revoked_on = revoked_on or timezone.localdate(now)
        all_towns = list(locked.townships.all())
        all_items = list(locked.duty_items.all())
        errors = {}
        if not reason:
            _add(errors, "reason", _("A revocation must state its reason."))
        if not document_no:
            _add(errors, "document_no", _("A revocation needs its document number."))
        errors.update(_text_errors(Revocation, reason=reason, document_no=document_no))
        towns = _subset(townships, all_towns, Township, "townships", errors,
                        _("These townships are not named in the delegation: %(names)s."))
        items = _subset(duty_items, all_items, DutyItem, "duty_items", errors,
                        _("These items are not part of the delegation: %(names)s."))
        decided_on = timezone.localdate(locked.decided_at) if locked.decided_at else None
        if decided_on and revoked_on < decided_on:
            _add(errors, "revoked_on", _("A delegation cannot be revoked before it was approved."))
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
            recorded_by=_real_user(user),
            recorded_at=now,
        )
        revocation.townships.set(towns)
        revocation.duty_items.set(items)
        template = REASON_REVOKED if complete else REASON_PARTLY_REVOKED
        history_reason = _reason(template.format(document_no=document_no), reason)
        if complete:
            locked.state = State.REVOKED
            locked.revoked_on = revoked_on
        _stamp(locked, user, history_reason, now)
        locked.save()
        _end_entries(locked, items, towns, revoked_on, user, history_reason, now)
    _refresh_caller(delegation, locked)
    return locked


def _subset(values, all_objects, model, field, errors, message):
    if values is None:
        return all_objects
    chosen = _load(model, values, field)
    known = {o.pk for o in all_objects}
    strangers = [o for o in chosen if o.pk not in known]
    if strangers:
        _add(errors, field, message % {"names": _names(strangers)})
    if not chosen:
        _add(errors, field, _("Choose at least one, or leave it out to revoke all."))
    return [o for o in chosen if o.pk in known]


def _revoked_pairs(delegation) -> set:
    pairs = set()
    for revocation in delegation.revocations.prefetch_related("townships", "duty_items"):
        towns = [t.pk for t in revocation.townships.all()]
        pairs |= {(i.pk, t) for i in revocation.duty_items.all() for t in towns}
    return pairs


def _end_entries(delegation, items, townships, revoked_on, user, reason, now):
    last_day = revoked_on - datetime.timedelta(days=1)
    item_ids = {i.pk for i in items}
    town_ids = {t.pk for t in townships}
    entries = ListEntry.objects.filter(delegation=delegation, item_id__in=item_ids)
    for entry in entries.prefetch_related("townships"):
        _stamp(entry, user, reason, now)
        current = list(entry.townships.all())
        remaining = [t for t in current if t.pk not in town_ids]
        if remaining and not entry.all_townships:
            entry.save()
            entry.townships.set(remaining)
        elif last_day < entry.effective_from:
            entry.delete()
        elif entry.effective_to is None or entry.effective_to > last_day:
            entry.effective_to = last_day
            entry.save()


# --------------------------------------------------------------------------- notifications


def pending_for(user) -> dict:
    """What waits for ``user`` (one query): office ``to_review``/``overdue``; township
    ``awaiting_opinion``; department ``drafts``/``in_review``/``rejected`` (rejections of the
    last REJECTED_NOTICE_DAYS days); public ``{}``."""
    role = access.role_of(user)
    today = timezone.localdate()
    delegations = access.restrict(user, Delegation.objects.all())
    submitted = Q(state=State.SUBMITTED)
    if role == access.OFFICE:
        return delegations.aggregate(
            to_review=Count("pk", filter=submitted),
            overdue=Count("pk", filter=submitted & Q(deadline__lt=today)),
        )
    if role == access.TOWNSHIP:
        township_id = access.profile_of(user).township_id
        answered = Exists(
            TownshipOpinion.objects.filter(delegation_id=OuterRef("pk"), township_id=township_id)
        )
        return {
            "awaiting_opinion": delegations.filter(submitted).exclude(answered).count(),
        }
    if role == access.DEPARTMENT:
        since = timezone.now() - datetime.timedelta(days=REJECTED_NOTICE_DAYS)
        return delegations.aggregate(
            drafts=Count("pk", filter=Q(state=State.DRAFT)),
            in_review=Count("pk", filter=submitted),
            rejected=Count("pk", filter=Q(state=State.REJECTED, decided_at__gte=since)),
        )
    return {}
