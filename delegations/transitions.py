"""The workflow's declared steps: state × step → next state, role, preconditions.

One table, ``TRANSITIONS``, read by the workflow's writers (``delegations.workflow``), by
``townships.access`` (``explain``/``can``: who may take a step from which state) and by the
pages (which buttons to show, what still stands in the way of an approval). This module reads
a delegation; it never writes one.

A refused step is one of these exceptions, which the API and the pages map to a status:

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
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from delegations.models import Delegation, TownshipOpinion
from delegations.request_warnings import warnings_for
from delegations.validation import names, validate_request
from townships import access

State = Delegation.State
LegalReview = Delegation.LegalReview
DECIDED_STATES = (State.APPROVED, State.REJECTED, State.REVOKED)


# --------------------------------------------------------------------------- refusals


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
_ONLY_SUBMITTED_WITHDRAWN = gettext_lazy(
    "Only a submitted request can be withdrawn; this one is %(state)s."
)

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
            ("not_a_claim",),
            refusal=_ONLY_SUBMITTED_WITHDRAWN,
        ),
        Transition(
            "give_opinion",
            (State.SUBMITTED,),
            State.SUBMITTED,
            access.TOWNSHIP,
            ("not_a_claim", "opinion_given_once"),
            refusal=_NOT_UNDER_REVIEW,
        ),
        # A township's claim (认领): filed submitted by the township, answered by the
        # department holding the power, withdrawn by the township.
        Transition("claim", (), State.SUBMITTED, access.TOWNSHIP),
        Transition(
            "department_opinion",
            (State.SUBMITTED,),
            State.SUBMITTED,
            access.DEPARTMENT,
            ("a_claim", "department_opinion_once"),
            refusal=_NOT_UNDER_REVIEW,
        ),
        Transition(
            "withdraw_claim",
            (State.SUBMITTED,),
            State.WITHDRAWN,
            access.TOWNSHIP,
            ("a_claim",),
            refusal=_ONLY_SUBMITTED_WITHDRAWN,
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
            ("department_answered", "legal_review_passed", "objections_answered", "submit_rules",
             "reclaimed_ended"),
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
    "edit", "discard", "submit", "withdraw", "withdraw_claim", "give_opinion",
    "department_opinion", "respond", "review", "decide", "revoke",
)


def transition(action: str) -> Transition | None:
    """The table's transition for an access action (``decide`` reads ``approve``: both
    decisions start from the same states with the same role)."""
    step = ACTION_GROUPS.get(action, (action,))[0]
    return TRANSITIONS.get(step)


def require(user, step, delegation):
    """Raise ``NotAllowed`` when the role or scope forbids ``step`` on ``delegation``,
    ``StateConflict`` (with the table's code) when its state does."""
    problem = access.explain(user, step, delegation)
    if problem is None:
        return
    kind, message = problem
    if kind == "forbidden":
        raise NotAllowed(message)
    code, _message = TRANSITIONS[step].state_problem(delegation) or ("illegal_state", message)
    raise StateConflict(message, code=code)


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
                    f"{names([w.item])}（{'、'.join(t.name for t in w.townships)}）"
                    for w in reclaimed
                )}
            ]
        })
    return None


def opinion_already_given(township) -> StateConflict:
    """The refusal of a township's second opinion (also raised when two arrive at once)."""
    return StateConflict(
        _("%(township)s has already given its opinion on this request.")
        % {"township": township.name},
        code="opinion_given",
    )


def _opinion_given_once(delegation, inputs):
    township = inputs.get("township")
    if township is not None and TownshipOpinion.objects.filter(
        delegation=delegation, township=township
    ).exists():
        return opinion_already_given(township)
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


def _a_claim(delegation, inputs):
    if delegation.claimed_by_id is None:
        return StateConflict(
            _("This is a department's request, not a township's claim."), code="not_a_claim"
        )
    return None


def _not_a_claim(delegation, inputs):
    if delegation.claimed_by_id is not None:
        return StateConflict(
            _("This is a claim of %(township)s: the township withdraws it, and the department "
              "gives its opinion on it.") % {"township": delegation.claimed_by.name},
            code="a_claim",
        )
    return None


def _department_opinion_once(delegation, inputs):
    if delegation.department_opinion:
        return StateConflict(
            _("The department has already given its opinion on this claim."),
            code="opinion_given",
        )
    return None


def _department_answered(delegation, inputs):
    if delegation.claimed_by_id is not None and not delegation.department_opinion:
        return StateConflict(
            _("%(department)s, which holds these powers, has not yet given its opinion on "
              "this claim.") % {"department": delegation.department.name},
            code="department_opinion_pending",
        )
    return None


PRECONDITIONS = {
    "a_claim": _a_claim,
    "not_a_claim": _not_a_claim,
    "department_opinion_once": _department_opinion_once,
    "department_answered": _department_answered,
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


def check_preconditions(step, delegation, **inputs):
    """Raise the first refusal of ``step``'s preconditions, in the table's order."""
    for name in TRANSITIONS[step].preconditions:
        refusal = PRECONDITIONS[name](delegation, inputs)
        if refusal is not None:
            raise refusal
