"""Who sees which cases and who takes which step, after ``townships.access``: its roles
(``role_of``), profiles (``profile_of``) and county limit (``office_county_id``).

- the office sees the cases of its county (every county without one) and takes the office's
  steps on them: the correction notice and the closing;
- a department sees the cases that name it (what it must do, and by when) and answers them;
- a township sees the cases about it, with every step and answer (its objection is answered
  where it can read it); it takes no step (基层减负);
- the public sees none.

Findings follow ``access.flag_filters``; a case is visible with its findings to whoever may see
the case.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from delegations.flags.models import Case
from delegations import steps
from townships import access

NOTIFY = "notify"
ANSWER = "answer"
CLOSE = "close"

# Step → (the role that takes it, the states it starts from).
STEPS = {
    NOTIFY: (access.OFFICE, (Case.Status.OPEN,)),
    ANSWER: (access.DEPARTMENT, (Case.Status.NOTIFIED,)),
    CLOSE: (access.OFFICE, (Case.Status.OPEN, Case.Status.NOTIFIED, Case.Status.ANSWERED)),
}


def scope_q(user) -> Q:
    """The cases ``user`` may see, as a condition on Case; PermissionDenied for the public."""
    role = access.role_of(user)
    if role == access.OFFICE:
        county_id = access.office_county_id(user)
        return Q(pk__isnull=False) if county_id is None else Q(county_id=county_id)
    profile = access.profile_of(user)
    if role == access.DEPARTMENT:
        return Q(department_id=profile.department_id)
    if role == access.TOWNSHIP:
        through = Case.townships.through
        return Exists(through.objects.filter(case_id=OuterRef("pk"), township_id=profile.township_id))
    raise PermissionDenied(_("Cases are visible to signed-in staff only."))


def visible(user, queryset=None):
    """``queryset`` (default every case) narrowed to what ``user`` may see."""
    queryset = Case.objects.all() if queryset is None else queryset
    return queryset.filter(scope_q(user))


def may_act_on(user, case) -> bool:
    """Whether ``case`` lies in the part of the data ``user``'s role acts on."""
    role = access.role_of(user)
    if role == access.OFFICE:
        county_id = access.office_county_id(user)
        return county_id is None or county_id == case.county_id
    if role == access.DEPARTMENT:
        return access.profile_of(user).department_id == case.department_id
    return False


def explain(user, step, case) -> tuple[str, str] | None:
    """Why ``user`` may not take ``step`` on ``case``: ``("forbidden", message)`` for the role
    or scope, ``("state", message)`` for the case's status; None when allowed."""
    role, states = STEPS[step]
    if access.role_of(user) != role or not may_act_on(user, case):
        messages = {
            NOTIFY: _("Only the compilation office of the case's county sends correction notices."),
            ANSWER: _("Only the department the case names answers it."),
            CLOSE: _("Only the compilation office of the case's county closes cases."),
        }
        return ("forbidden", messages[step])
    if case.status not in states:
        labels = "、".join(str(Case.Status(s).label) for s in states)
        return (
            "state",
            _("This case is %(status)s; this step needs a case that is %(states)s.")
            % {"status": case.get_status_display(), "states": labels},
        )
    return None


def can(user, step, case) -> bool:
    return explain(user, step, case) is None


def require(user, step, case):
    """Raise NotAllowed (403) or StateConflict (409) unless ``user`` may take ``step``."""
    steps.require(explain, user, step, case)
