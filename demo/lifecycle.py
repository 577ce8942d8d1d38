"""A delegation's life, walked through ``delegations.workflow`` on the days it happened.

The demo county (``demo.county``), the synthetic counties (``demo.synthetic``) and the test
factories (``tests/factories.py``) build delegations only this way: the department files its
request and submits it, the townships give their opinions, the office answers objections,
records the legality review and decides — or records a decision taken on paper outside
qingdan — the department withdraws, the office revokes. Each step is taken by the user whose
step it is and dated with the workflow's ``now=``, so every delegation these builders hold is
one production could hold, with the list entries and history rows production writes; what
the workflow refuses, they cannot build.

``file(actors, request, life)`` files a new request and walks it; ``advance`` walks an
existing one further and takes only the steps not yet taken, so walking the same ``Life``
twice changes nothing the second time; ``differences`` names what a delegation recorded
differently from a ``Life`` (what no further step can change).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Protocol

from delegations import workflow
from delegations.models import Delegation, TownshipOpinion
from townships.models import Department, Township

State = Delegation.State
PENDING = Delegation.LegalReview.PENDING

# The states a delegation may still reach from each state (itself included).
REACHABLE = {
    State.DRAFT: set(State.values),
    State.SUBMITTED: {State.SUBMITTED, State.WITHDRAWN, State.APPROVED, State.REJECTED,
                      State.REVOKED},
    State.APPROVED: {State.APPROVED, State.REVOKED},
    State.REJECTED: {State.REJECTED},
    State.WITHDRAWN: {State.WITHDRAWN},
    State.REVOKED: {State.REVOKED},
}


class Actors(Protocol):
    """Who takes each step: the office, a department's user, a township's user."""

    office: object

    def department_user(self, department: Department): ...

    def township_user(self, township: Township): ...


@dataclass(frozen=True)
class Opinion:
    """A township's opinion; an objection may carry the office's written response."""

    township: Township
    opinion: str
    text: str = ""
    at: datetime.datetime | None = None
    response: str = ""
    response_at: datetime.datetime | None = None


@dataclass
class Request:
    """A request as its department files it: the department, the items, the townships and
    the other fields of ``workflow.create_request`` (``fields``)."""

    department: Department
    duty_items: list
    townships: list
    fields: dict = field(default_factory=dict)


@dataclass
class Life:
    """What happens to a request once filed: the state it reaches and when each step is
    taken (aware datetimes; ``None`` = the moment the step is walked)."""

    state: str = State.DRAFT
    created_at: datetime.datetime | None = None
    submitted_at: datetime.datetime | None = None
    opinions: list[Opinion] = field(default_factory=list)
    legal_review: str = Delegation.LegalReview.PASSED
    legal_review_note: str = ""
    reviewed_at: datetime.datetime | None = None
    decided_at: datetime.datetime | None = None
    decision_no: str = ""
    decision_note: str = ""
    end_reclaimed_reason: str = ""
    withdrawn_at: datetime.datetime | None = None
    withdrawal_comment: str = ""
    revoked_on: datetime.date | None = None
    revoked_at: datetime.datetime | None = None
    revocation_reason: str = ""
    revocation_document_no: str = ""
    paper: bool = False  # decided outside qingdan: the office records the decision

    @property
    def decided(self) -> bool:
        return self.state in (State.APPROVED, State.REJECTED, State.REVOKED)

    @property
    def approved(self) -> bool:
        return self.state in (State.APPROVED, State.REVOKED)


def file(actors: Actors, request: Request, life: Life) -> Delegation:
    """File ``request`` and walk it through ``life``; returns the delegation."""
    if life.paper:
        delegation = workflow.record_paper_decision(
            actors.office,
            department=request.department,
            duty_items=request.duty_items,
            townships=request.townships,
            decision_no=life.decision_no,
            decided_on=life.decided_at.date(),
            note=life.decision_note,
            end_reclaimed_reason=life.end_reclaimed_reason,
            now=life.created_at or life.decided_at,
            **request.fields,
        )
    else:
        delegation = workflow.create_request(
            actors.department_user(request.department),
            department=request.department,
            duty_items=request.duty_items,
            townships=request.townships,
            now=life.created_at or life.submitted_at,
            **request.fields,
        )
    advance(actors, delegation, life)
    return delegation


def advance(actors: Actors, delegation: Delegation, life: Life) -> bool:
    """Walk ``delegation`` from where it stands to ``life.state``, taking only the steps not
    yet taken; True if any was taken."""
    if life.state == State.DRAFT:
        return False
    taken = 0
    department_user = actors.department_user(delegation.department)
    if delegation.state == State.DRAFT:
        workflow.submit_request(department_user, delegation, now=life.submitted_at)
        taken += 1
    if delegation.state == State.SUBMITTED:
        taken += _opinions(actors, delegation, life)
        if life.legal_review != PENDING and delegation.legal_review != life.legal_review:
            workflow.record_legal_review(
                actors.office, delegation, life.legal_review, life.legal_review_note,
                now=life.reviewed_at or life.decided_at,
            )
            taken += 1
        if life.state == State.WITHDRAWN:
            workflow.withdraw_request(
                department_user, delegation, life.withdrawal_comment, now=life.withdrawn_at
            )
            taken += 1
        elif life.decided:
            workflow.decide_request(
                actors.office,
                delegation,
                "approve" if life.approved else "reject",
                life.decision_no,
                life.decision_note,
                end_reclaimed_reason=life.end_reclaimed_reason,
                now=life.decided_at,
            )
            taken += 1
    if life.state == State.REVOKED and delegation.state == State.APPROVED:
        workflow.revoke_delegation(
            actors.office,
            delegation,
            revoked_on=life.revoked_on,
            reason=life.revocation_reason,
            document_no=life.revocation_document_no,
            now=life.revoked_at,
        )
        taken += 1
    return bool(taken)


def _opinions(actors, delegation, life) -> int:
    taken = 0
    given = {o.township_id: o for o in delegation.opinions.all()}
    for opinion in life.opinions:
        row = given.get(opinion.township.pk)
        if row is None:
            workflow.give_opinion(
                actors.township_user(opinion.township),
                delegation,
                opinion.township,
                opinion.opinion,
                opinion.text,
                now=opinion.at,
            )
            taken += 1
        if opinion.response and (row is None or not row.response):
            workflow.respond_to_objection(
                actors.office, delegation, opinion.township, opinion.response,
                now=opinion.response_at,
            )
            taken += 1
    return taken


def differences(delegation: Delegation, life: Life) -> list[str]:
    """The facts ``delegation`` recorded differently from ``life`` (field names): what a
    further step cannot change. Empty when walking ``life`` can bring it there."""
    found = []
    if life.state not in REACHABLE[delegation.state]:
        found.append("state")
    if delegation.state in (State.APPROVED, State.REJECTED, State.REVOKED):
        recorded = {
            "decision_no": (delegation.decision_no, life.decision_no),
            "decision_note": (delegation.decision_note, life.decision_note),
            "legal_review": (delegation.legal_review, life.legal_review),
        }
        if not life.paper:
            recorded["legal_review_note"] = (delegation.legal_review_note, life.legal_review_note)
        found += [name for name, (have, want) in recorded.items() if (have or "") != (want or "")]
    if delegation.state == State.REVOKED and delegation.revoked_on != life.revoked_on:
        found.append("revoked_on")
    given = {o.township_id: o for o in TownshipOpinion.objects.filter(delegation=delegation)}
    wanted = {o.township.pk: o for o in life.opinions}
    for township_id, row in given.items():
        opinion = wanted.get(township_id)
        if opinion is None or (row.opinion, row.text) != (opinion.opinion, opinion.text):
            found.append("opinions")
            break
    return found
