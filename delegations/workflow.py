"""The delegation workflow: 申请 → 乡镇意见 → 合法性审查 → 编办审核/决定 → 公布 → (撤销).

Every transition is one function that runs in one transaction: it locks the delegation row
(``select_for_update``; SQLite ignores it and serialises writers anyway), checks the user's
role and scope (``townships.access``) and the state *after* locking, writes the change with a
history row naming the user and a change reason, and refuses anything else with an exception
the API maps to an HTTP status:

============================  ======  ==============================================
exception                     status  when
============================  ======  ==============================================
``NotAllowed``                403     the role or scope forbids it (a PermissionDenied,
                                      so DRF maps it by itself)
``StateConflict``             409     the state forbids it: double submit, already
                                      decided, opinion already given, …
``InvalidRequest``            400     bad or missing fields; ``message_dict`` maps each
                                      field to its messages
``Delegation.DoesNotExist``   404     the row vanished meanwhile
============================  ======  ==============================================

``StateConflict`` and ``InvalidRequest`` are ``WorkflowError``, a Django ValidationError;
``http_error(exc)`` turns any of them into ``(status, body)``. Each function returns the
delegation as it now stands, and refreshes the instance passed in.

Change reasons are stored data (like the importer's ``导入 <file>``), so they are Chinese
constants, not translated strings.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from delegations import calendar
from delegations.models import Delegation, TownshipOpinion
from delegations.validation import county_mismatches
from duties.models import AdmissionMode, Category, DutyItem, ListEntry, ListKind, PowerSource
from townships import access
from townships.models import Township

State = Delegation.State
Mode = Delegation.Mode

# History change reasons (stored data; the history column holds 100 characters).
REASON_CREATED = "创建申请"
REASON_EDITED = "修改草稿"
REASON_DISCARDED = "删除草稿"
REASON_SUBMITTED = "提交申请"
REASON_WITHDRAWN = "撤回申请"
REASON_OPINION = "乡镇意见：{township} {opinion}"
REASON_LEGAL_REVIEW = "合法性审查：{result}"
REASON_APPROVED = "批准 {decision_no}"
REASON_REJECTED = "不予批准"
REASON_REVOKED = "撤销 {decision_no}"
REASON_PUBLISHED = "公布 {day}"
OPINION_LABELS = {"agree": "同意", "object": "反对"}
LEGAL_REVIEW_LABELS = {"passed": "通过", "failed": "未通过"}
REASON_MAX_LENGTH = 100

# How long a rejection stays in a department's "waiting for you" count.
REJECTED_NOTICE_DAYS = 30

EDITABLE_FIELDS = (
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


def http_error(exc) -> tuple[int, dict]:
    """``(status, body)`` for an exception raised by this module: 403 ``{"detail": …}``,
    409 ``{"detail": …, "code": …}``, 400 ``{field: [messages]}`` (or ``{"detail": […]}``),
    404 for a vanished row."""
    if isinstance(exc, PermissionDenied):
        return 403, {"detail": str(exc) or _("You may not do this.")}
    if isinstance(exc, StateConflict):
        return 409, {"detail": " ".join(exc.messages), "code": exc.code}
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return 400, exc.message_dict
        return 400, {"detail": exc.messages}
    if isinstance(exc, Delegation.DoesNotExist):
        return 404, {"detail": _("No such request.")}
    raise TypeError(f"{type(exc).__name__} is not a workflow error") from exc


# --------------------------------------------------------------------------- helpers


def _require(user, action, delegation):
    problem = access.explain(user, action, delegation)
    if problem is None:
        return
    kind, message = problem
    if kind == "forbidden":
        raise NotAllowed(message)
    code = "illegal_state"
    if action == "decide" and delegation.state in (State.APPROVED, State.REJECTED, State.REVOKED):
        code = "already_decided"
    elif action == "submit" and delegation.state != State.DRAFT:
        code = "already_submitted"
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


def _stamp(obj, user, reason):
    """Who and why, for the history row the next save writes."""
    obj._history_user = user if getattr(user, "is_authenticated", False) else None
    obj._change_reason = reason


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


def _basic_errors(department, values, items, townships, pk=None) -> dict:
    """Rules every saved request keeps, draft or not (the database enforces some of them
    too; checking first gives a per-field message instead of an integrity error)."""
    errors = {}
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
    return {name: getattr(delegation, name) for name in EDITABLE_FIELDS
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


def _raise_if(errors):
    if errors:
        raise InvalidRequest(errors)


# --------------------------------------------------------------------------- department


def create_request(
    user,
    *,
    department,
    mode,
    duty_items,
    townships,
    reason,
    legal_basis,
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
) -> Delegation:
    """A new request of ``department`` (its own department user only), as a draft, or
    submitted when ``submit=True`` (then the submit-time rules apply and nothing is saved if
    they fail). ``duty_items``/``townships`` are instances or primary keys."""
    problem = access.explain(user, "create_request", department)
    if problem:
        raise NotAllowed(problem[1])
    with transaction.atomic():
        items = _load(DutyItem, duty_items, "duty_items")
        towns = _load(Township, townships, "townships")
        if derived_from is not None and not isinstance(derived_from, Delegation):
            derived_from = _load(Delegation, [derived_from], "derived_from")[0]
        values = {
            "mode": mode,
            "reason": reason or "",
            "legal_basis": legal_basis or "",
            "provincial_decision": provincial_decision or "",
            "agreement_scope": agreement_scope or "",
            "agreement_powers": agreement_powers or "",
            "agreement_term_end": agreement_term_end,
            "published_on": published_on,
            "staff_posts": staff_posts if staff_posts is not None else 0,
            "funding_wan_yuan": funding_wan_yuan if funding_wan_yuan is not None else 0,
            "support_measures": support_measures or "",
            "effective_from": effective_from,
            "effective_to": effective_to,
            "derived_from": derived_from,
        }
        _raise_if(_basic_errors(department, values, items, towns))
        delegation = Delegation(
            department=department, state=State.DRAFT, created_by=_real_user(user), **values
        )
        if agreement_file:
            delegation.agreement_file = agreement_file
        _stamp(delegation, user, REASON_CREATED)
        delegation.save()
        _set_m2m_quietly(delegation, duty_items=items, townships=towns)
        delegation.save(update_fields=["updated_at"])  # history row with the items and townships
        if submit:
            _submit(user, delegation)
    return delegation


def _real_user(user):
    return user if getattr(user, "is_authenticated", False) else None


def update_draft(user, delegation, **fields) -> Delegation:
    """Change a draft (its department only). Accepts the fields of ``create_request`` except
    ``department`` and ``submit``; ``duty_items``/``townships`` replace the current sets."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"update_draft() got unknown fields: {', '.join(sorted(unknown))}")
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
        for name, value in fields.items():
            if name in ("staff_posts", "funding_wan_yuan") and value is None:
                value = 0
            elif value is None and name not in (
                "agreement_term_end", "published_on", "effective_to", "derived_from", "agreement_file"
            ):
                value = ""
            setattr(locked, name, value)
        items = m2m.get("duty_items", None)
        towns = m2m.get("townships", None)
        _raise_if(
            _basic_errors(
                locked.department,
                _values_of(locked),
                items if items is not None else list(locked.duty_items.all()),
                towns if towns is not None else list(locked.townships.all()),
                pk=locked.pk,
            )
        )
        if m2m:
            _set_m2m_quietly(locked, **m2m)
        _stamp(locked, user, REASON_EDITED)
        locked.save()
    _refresh_caller(delegation, locked)
    return locked


def discard_draft(user, delegation) -> None:
    """Delete a draft (its department only); the history keeps a row of it."""
    with transaction.atomic():
        locked = _lock(delegation)
        _require(user, "discard", locked)
        _stamp(locked, user, REASON_DISCARDED)
        try:
            locked.delete()
        except models.ProtectedError as exc:
            raise StateConflict(
                _("Other records refer to this draft; it cannot be deleted."), code="protected"
            ) from exc


def _submit(user, locked):
    _raise_if(validate_request(locked))
    now = timezone.now()
    locked.state = State.SUBMITTED
    locked.submitted_at = now
    locked.deadline = calendar.review_deadline(timezone.localdate(now))
    _stamp(locked, user, REASON_SUBMITTED)
    locked.save()


def submit_request(user, delegation) -> Delegation:
    """Submit a draft (its department only) after the submit-time rules; sets
    ``submitted_at`` and the decision ``deadline`` (working days)."""
    with transaction.atomic():
        locked = _lock(delegation)
        _require(user, "submit", locked)
        _submit(user, locked)
    _refresh_caller(delegation, locked)
    return locked


def withdraw_request(user, delegation, comment="") -> Delegation:
    """Withdraw a submitted request (its department only), before it is decided."""
    with transaction.atomic():
        locked = _lock(delegation)
        _require(user, "withdraw", locked)
        locked.state = State.WITHDRAWN
        _stamp(locked, user, _reason(REASON_WITHDRAWN, comment))
        locked.save()
    _refresh_caller(delegation, locked)
    return locked


# --------------------------------------------------------------------------- township


def give_opinion(user, delegation, township, opinion, text="") -> Delegation:
    """The opinion (agree / object, an objection with its reasons) of a township the
    submitted request names, given once by that township's user."""
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
        _raise_if(errors)
        if TownshipOpinion.objects.filter(delegation=locked, township=township).exists():
            raise StateConflict(
                _("%(township)s has already given its opinion on this request.")
                % {"township": township.name},
                code="opinion_given",
            )
        try:
            with transaction.atomic():
                TownshipOpinion.objects.create(
                    delegation=locked,
                    township=township,
                    opinion=opinion,
                    text=text,
                    given_by=_real_user(user),
                )
        except IntegrityError as exc:
            raise StateConflict(
                _("%(township)s has already given its opinion on this request.")
                % {"township": township.name},
                code="opinion_given",
            ) from exc
        reason = REASON_OPINION.format(township=township.name, opinion=OPINION_LABELS[opinion])
        _stamp(locked, user, _reason(reason, text))
        locked.save(update_fields=["updated_at"])
    _refresh_caller(delegation, locked)
    return locked


# --------------------------------------------------------------------------- office


def record_legal_review(user, delegation, result, note="") -> Delegation:
    """Record the legality review (合法性审查) of a submitted request (office); a failed
    review needs a note. It may be recorded again while the request is under review."""
    with transaction.atomic():
        locked = _lock(delegation)
        _require(user, "review", locked)
        errors = {}
        if result not in (Delegation.LegalReview.PASSED, Delegation.LegalReview.FAILED):
            _add(errors, "result", _("Choose passed or failed."))
        note = (note or "").strip()
        if result == Delegation.LegalReview.FAILED and not note:
            _add(errors, "note", _("Say why the legality review failed."))
        _raise_if(errors)
        locked.legal_review = result
        locked.legal_review_note = note
        reason = REASON_LEGAL_REVIEW.format(result=LEGAL_REVIEW_LABELS[result])
        _stamp(locked, user, _reason(reason, note))
        locked.save()
    _refresh_caller(delegation, locked)
    return locked


def decide_request(user, delegation, decision, decision_no="", note="") -> Delegation:
    """Approve (needs the decision document number) or reject (needs the reason) a
    submitted request (office). Approval re-checks the submit-time rules, is refused after
    a failed legality review, and puts the items on the townships' lists in the same
    transaction: the admission list for 交办, the power list (source 赋权/委托) otherwise.
    Of two office users deciding at once, the second gets a StateConflict."""
    decision_no = (decision_no or "").strip()
    note = (note or "").strip()
    with transaction.atomic():
        locked = _lock(delegation)
        _require(user, "decide", locked)
        errors = {}
        if decision not in ("approve", "reject"):
            _add(errors, "decision", _("Choose approve or reject."))
        elif decision == "approve" and not decision_no:
            _add(errors, "decision_no", _("An approval needs its decision document number."))
        elif decision == "reject" and not note:
            _add(errors, "note", _("A rejection must state its reason."))
        _raise_if(errors)
        now = timezone.now()
        locked.decided_at = now
        locked.decided_by = _real_user(user)
        locked.decision_note = note
        if decision == "approve":
            if locked.legal_review == Delegation.LegalReview.FAILED:
                raise StateConflict(
                    _("The legality review failed; this request cannot be approved."),
                    code="legal_review_failed",
                )
            _raise_if(validate_request(locked))
            locked.state = State.APPROVED
            locked.decision_no = decision_no
            reason = _reason(REASON_APPROVED.format(decision_no=decision_no), note)
            _stamp(locked, user, reason)
            locked.save()
            _put_on_lists(locked, user, reason, timezone.localdate(now))
        else:
            locked.state = State.REJECTED
            locked.decision_no = decision_no
            _stamp(locked, user, _reason(REASON_REJECTED, note))
            locked.save()
    _refresh_caller(delegation, locked)
    return locked


def _list_kind(delegation):
    return ListKind.ADMISSION if delegation.mode == Mode.ASSIGN else ListKind.POWER


def _put_on_lists(delegation, user, reason, decided_on):
    townships = list(delegation.townships.all())
    existing = {
        e.item_id: e
        for e in ListEntry.objects.filter(delegation=delegation, kind=_list_kind(delegation))
    }
    for item in delegation.duty_items.all():
        _add_list_entry(delegation, item, townships, existing.get(item.pk), user, reason, decided_on)


def _add_list_entry(delegation, item, townships, entry, user, reason, decided_on):
    """One entry per (list, item, delegation) — the ListEntry uniqueness rule — so an
    existing one is updated rather than duplicated."""
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
        entry.staff_posts = delegation.staff_posts
        entry.funding_wan_yuan = delegation.funding_wan_yuan
    else:
        entry.source = (
            PowerSource.GRANTED if delegation.mode == Mode.GRANT else PowerSource.ENTRUSTED
        )
    _stamp(entry, user, reason)
    entry.save()
    entry.townships.set(townships)
    return entry


def revoke_delegation(user, delegation, revoked_on=None, note="") -> Delegation:
    """Revoke an approved delegation (office) from ``revoked_on`` (default today; not before
    the decision day). Its list entries end the day before; an entry that would end before
    it began (revoked before taking effect) is removed, the history keeping a row of it."""
    with transaction.atomic():
        locked = _lock(delegation)
        _require(user, "revoke", locked)
        revoked_on = revoked_on or timezone.localdate()
        decided_on = timezone.localdate(locked.decided_at) if locked.decided_at else None
        if decided_on and revoked_on < decided_on:
            raise InvalidRequest(
                {"revoked_on": [_("A delegation cannot be revoked before it was approved.")]}
            )
        locked.state = State.REVOKED
        locked.revoked_on = revoked_on
        reason = _reason(REASON_REVOKED.format(decision_no=locked.decision_no), note)
        _stamp(locked, user, reason)
        locked.save()
        last_day = revoked_on - datetime.timedelta(days=1)
        for entry in ListEntry.objects.filter(delegation=locked):
            _stamp(entry, user, reason)
            if last_day < entry.effective_from:
                entry.delete()
            elif entry.effective_to is None or entry.effective_to > last_day:
                entry.effective_to = last_day
                entry.save()
    _refresh_caller(delegation, locked)
    return locked


def record_publication(user, delegation, published_on) -> Delegation:
    """Record the day an approved delegation was published (office)."""
    with transaction.atomic():
        locked = _lock(delegation)
        _require(user, "publish", locked)
        if not published_on:
            raise InvalidRequest({"published_on": [_("State the publication date.")]})
        locked.published_on = published_on
        _stamp(locked, user, REASON_PUBLISHED.format(day=published_on.isoformat()))
        locked.save()
    _refresh_caller(delegation, locked)
    return locked


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
