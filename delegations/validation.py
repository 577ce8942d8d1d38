"""Rules on the content of a delegation or an assignment, shared by forms and services.

Each function returns ``{field: [messages]}`` (empty when all is well) or raises a
ValidationError; none reads a delegation's state or writes anything. The workflow
(``delegations.workflow``) turns the messages into its 400 refusal; the pages show them per
field. The database keeps the backstop (delegations/migrations/0003: a non-draft delegation has
items and townships); these rules give the user a clear message before it is reached.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from delegations.models import Delegation, Revocation, TownshipOpinion
from delegations.uploads import validate_agreement_pdf
from duties.models import Category

Mode = Delegation.Mode
LegalReview = Delegation.LegalReview

# The delegation's input schema: the fields a request is filed with (pages, API, admin,
# loaders). One definition; the forms, the serializers and the workflow's steps read it.
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
REQUEST_REQUIRED_FIELDS = ("mode", "duty_items", "townships", "effective_from")
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
# What a new request holds in the fields it is filed without.
REQUEST_DEFAULTS = {
    **dict.fromkeys(REQUEST_TEXT_FIELDS, ""),
    **dict.fromkeys(REQUEST_OPTIONAL_FIELDS),
    **dict.fromkeys(REQUEST_NUMBER_FIELDS, 0),
}


# --------------------------------------------------------------------------- helpers


def names(objects, limit=5) -> str:
    """``code name`` (or the name) of the first ``limit`` objects, joined with 、."""
    labels = [getattr(o, "code", "") and f"{o.code} {o.name}" or o.name for o in objects]
    text = "、".join(labels[:limit])
    return text + ("…" if len(labels) > limit else "")


def add_error(errors, field, message):
    errors.setdefault(field, []).append(message)


def add_length_errors(errors, model, name, value, field=None):
    """The messages of ``model.name``'s own validators (length limits) on the text ``value``,
    added to ``errors[field]`` (default ``name``)."""
    if not isinstance(value, str) or not value:
        return
    try:
        model._meta.get_field(name).run_validators(value)
    except ValidationError as error:
        for message in error.messages:
            add_error(errors, field or name, message)


def text_errors(model, **values) -> dict:
    """The length errors of the text ``values``, each under its own field name."""
    errors = {}
    for name, value in values.items():
        add_length_errors(errors, model, name, value)
    return errors


def upload_errors(upload) -> dict:
    """The agreement upload's check (``delegations.uploads``), as field errors."""
    if not upload:
        return {}
    try:
        validate_agreement_pdf(upload)
    except ValidationError as error:
        return {"agreement_file": list(error.messages)}
    return {}


def _decimal(value):
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


# --------------------------------------------------------------------------- requests


def county_mismatches(county_id, *, duty_items=(), townships=()):
    """{field: message} for the items and townships that are not in the county ``county_id``."""
    errors = {}
    foreign_items = [item for item in duty_items if item.county_id != county_id]
    if foreign_items:
        errors["duty_items"] = _(
            "These items belong to another county than the department: %(items)s."
        ) % {"items": "、".join(str(item) for item in foreign_items)}
    foreign_townships = [t for t in townships if t.county_id != county_id]
    if foreign_townships:
        errors["townships"] = _(
            "These townships are not in the department's county: %(townships)s."
        ) % {"townships": "、".join(t.name for t in foreign_townships)}
    return errors


def validate_assignment_townships(*, department, townships):
    """The townships an assignment is handed to are in the department's county."""
    if department is None:
        return
    errors = county_mismatches(department.county_id, townships=list(townships or []))
    if errors:
        raise ValidationError(errors)


def normalise(values: dict) -> dict:
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


def request_values(delegation) -> dict:
    """The request's own fields (not the items and townships), as a dict."""
    return {name: getattr(delegation, name) for name in REQUEST_FIELDS
            if name not in ("duty_items", "townships")}


def request_errors(department, values, items, townships, pk=None) -> dict:
    """Rules every saved request keeps, draft or not (the database enforces some of them
    too; checking first gives a per-field message instead of an integrity error)."""
    errors = text_errors(Delegation, **{n: values.get(n) for n in REQUEST_TEXT_FIELDS})
    if values.get("mode") not in Mode.values:
        add_error(errors, "mode", _("Choose grant, entrustment or assignment."))
    start, end = values.get("effective_from"), values.get("effective_to")
    if not start:
        add_error(errors, "effective_from", _("State from when the delegation takes effect."))
    elif end and end < start:
        add_error(errors, "effective_to",
                  _("“Effective to” cannot be earlier than “effective from”."))
    try:
        staff = int(values.get("staff_posts"))
    except (TypeError, ValueError):
        staff = None
    if staff is None or staff < 0:
        add_error(errors, "staff_posts", _("Staff posts cannot be negative."))
    funding = _decimal(values.get("funding_wan_yuan"))
    if funding is None or funding < 0:
        add_error(errors, "funding_wan_yuan", _("Funding cannot be negative."))
    for field, message in county_mismatches(
        department.county_id, duty_items=items, townships=townships
    ).items():
        add_error(errors, field, message)
    derived = values.get("derived_from")
    if derived is not None and pk is not None and derived.pk == pk:
        add_error(errors, "derived_from", _("A delegation cannot derive from itself."))
    return errors


def _entrustment_errors(delegation, items, errors):
    coercive = [i for i in items if i.category == Category.COERCION]
    if coercive:
        add_error(
            errors,
            "duty_items",
            _("Administrative coercion cannot be entrusted (行政强制法 第十七条): %(items)s.")
            % {"items": names(coercive)},
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
            add_error(errors, field, messages[field])


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
    errors = request_errors(
        delegation.department, request_values(delegation), items, townships, pk=delegation.pk
    )
    if not items:
        add_error(errors, "duty_items", _("Choose at least one duty item."))
    if not townships:
        add_error(errors, "townships", _("Choose at least one township."))
    if delegation.mode == Mode.ENTRUST:
        _entrustment_errors(delegation, items, errors)
    if delegation.mode == Mode.GRANT and not (delegation.provincial_decision or "").strip():
        penalties = [i for i in items if i.category == Category.PENALTY]
        if penalties:
            add_error(
                errors,
                "provincial_decision",
                _(
                    "A grant of administrative penalty powers needs the provincial decision "
                    "that grants them (行政处罚法 第二十四条): %(items)s."
                )
                % {"items": names(penalties)},
            )
    others = [
        i for i in items
        if i.department_id is not None and i.department_id != delegation.department_id
    ]
    if others and not (delegation.reason or "").strip():
        add_error(
            errors,
            "reason",
            _("These items are owned by another department; state why you hand them down: "
              "%(items)s.")
            % {"items": names(others)},
        )
    derived = delegation.derived_from
    if derived is not None and derived.mode == Mode.ENTRUST:
        add_error(
            errors,
            "derived_from",
            _("Entrusted powers cannot be delegated again (行政处罚法 第二十条)."),
        )
    return errors


# --------------------------------------------------------------------------- step inputs


def opinion_errors(opinion, text) -> dict:
    """A township's opinion: agree or object, an objection with its reasons."""
    errors = {}
    if opinion not in TownshipOpinion.Opinion.values:
        add_error(errors, "opinion", _("Choose agree or object."))
    if opinion == TownshipOpinion.Opinion.OBJECT and not text:
        add_error(errors, "text", _("An objection must say why."))
    add_length_errors(errors, TownshipOpinion, "text", text)
    return errors


def response_errors(response) -> dict:
    """The office's written answer to an objection."""
    errors = {}
    if not response:
        add_error(errors, "response", _("Write the office's answer to the objection."))
    add_length_errors(errors, TownshipOpinion, "response", response)
    return errors


def legal_review_errors(result, note) -> dict:
    """A legality review: passed or failed, a failure with its reasons (``note``)."""
    errors = {}
    if result not in (LegalReview.PASSED, LegalReview.FAILED):
        add_error(errors, "result", _("Choose passed or failed."))
    if result == LegalReview.FAILED and not note:
        add_error(errors, "note", _("Say why the legality review failed."))
    add_length_errors(errors, Delegation, "legal_review_note", note, "note")
    return errors


def decision_errors(step, decision_no, note, legal_review, end_reclaimed_reason) -> dict:
    """A decision (``step`` ``approve``, ``reject``, or None when it is neither): an approval
    with its document number, a rejection with its reason (``note``)."""
    errors = {}
    if step is None:
        add_error(errors, "decision", _("Choose approve or reject."))
    elif step == "approve" and not decision_no:
        add_error(errors, "decision_no", _("An approval needs its decision document number."))
    elif step == "reject" and not note:
        add_error(errors, "note", _("A rejection must state its reason."))
    if legal_review not in (None, "", LegalReview.PASSED, LegalReview.FAILED):
        add_error(errors, "legal_review", _("Choose passed or failed."))
    add_length_errors(errors, Delegation, "decision_no", decision_no)
    add_length_errors(errors, Delegation, "decision_note", note, "note")
    add_length_errors(errors, Revocation, "reason", end_reclaimed_reason, "end_reclaimed_reason")
    return errors


def paper_decision_errors(decision_no, decided_on, note, today) -> dict:
    """A decision taken on paper: its document number and its own day (not after ``today``)."""
    errors = {}
    if not decision_no:
        add_error(errors, "decision_no", _("An approval needs its decision document number."))
    if not isinstance(decided_on, datetime.date):
        add_error(errors, "decided_on", _("State the day the decision was taken."))
    elif decided_on > today:
        add_error(errors, "decided_on", _("A decision cannot be dated in the future."))
    add_length_errors(errors, Delegation, "decision_no", decision_no)
    add_length_errors(errors, Delegation, "decision_note", note)
    return errors


def revocation_errors(reason, document_no, revoked_on, decided_on) -> dict:
    """A revocation: its reason and document number, not dated before the decision day."""
    errors = {}
    if not reason:
        add_error(errors, "reason", _("A revocation must state its reason."))
    if not document_no:
        add_error(errors, "document_no", _("A revocation needs its document number."))
    add_length_errors(errors, Revocation, "reason", reason)
    add_length_errors(errors, Revocation, "document_no", document_no)
    if decided_on and revoked_on < decided_on:
        add_error(errors, "revoked_on",
                  _("A delegation cannot be revoked before it was approved."))
    return errors
