"""Who sees which calls and who takes which step, after ``townships.access`` (its roles,
profiles and county limit), as ``delegations.flags.case_access`` does for cases.

- a township sees its own calls, files them, and confirms or reopens what the department
  reported;
- a department sees the calls routed to it (and those naming it as a co-operating department,
  read only); it accepts and reports the ones it leads;
- the office sees the calls of its county (every county without one) and routes the calls
  that wait for it (a call on no list);
- the public sees none.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from delegations.calls.models import Call
from delegations import steps
from delegations.transitions import NotAllowed
from townships import access

Status = Call.Status

FILE = "file"
ROUTE = "route"
ACCEPT = "accept"
REPORT = "report"
CONFIRM = "confirm"
REOPEN = "reopen"

# Step → (the role that takes it, the statuses it starts from).
STEPS = {
    ROUTE: (access.OFFICE, (Status.AT_OFFICE,)),
    ACCEPT: (access.DEPARTMENT, (Status.ROUTED,)),
    REPORT: (access.DEPARTMENT, (Status.ACCEPTED, Status.REOPENED)),
    CONFIRM: (access.TOWNSHIP, (Status.REPORTED,)),
    REOPEN: (access.TOWNSHIP, (Status.REPORTED,)),
}


def scope_q(user) -> Q:
    """The calls ``user`` may see, as a condition on Call; PermissionDenied for the public."""
    role = access.role_of(user)
    if role == access.OFFICE:
        county_id = access.office_county_id(user)
        return Q(pk__isnull=False) if county_id is None else Q(county_id=county_id)
    profile = access.profile_of(user)
    if role == access.DEPARTMENT:
        through = Call.cooperating_departments.through
        return Q(lead_department_id=profile.department_id) | Exists(
            through.objects.filter(call_id=OuterRef("pk"), department_id=profile.department_id)
        )
    if role == access.TOWNSHIP:
        return Q(township_id=profile.township_id)
    raise PermissionDenied(_("Calls are visible to signed-in staff only."))


def visible(user, queryset=None):
    """``queryset`` (default every call) narrowed to what ``user`` may see."""
    queryset = Call.objects.all() if queryset is None else queryset
    return queryset.filter(scope_q(user))


def may_act_on(user, call) -> bool:
    """Whether ``call`` lies in the part of the data ``user``'s role acts on."""
    role = access.role_of(user)
    if role == access.OFFICE:
        county_id = access.office_county_id(user)
        return county_id is None or county_id == call.county_id
    profile = access.profile_of(user)
    if role == access.DEPARTMENT:
        return call.lead_department_id is not None and profile.department_id == call.lead_department_id
    if role == access.TOWNSHIP:
        return profile.township_id == call.township_id
    return False


def explain(user, step, call) -> tuple[str, str] | None:
    """Why ``user`` may not take ``step`` on ``call``: ``("forbidden", message)`` for the role
    or scope, ``("state", message)`` for the call's status; None when allowed."""
    role, states = STEPS[step]
    if access.role_of(user) != role or not may_act_on(user, call):
        messages = {
            ROUTE: _("Only the compilation office of the call's county routes calls."),
            ACCEPT: _("Only the call's lead department accepts it."),
            REPORT: _("Only the call's lead department reports what it did."),
            CONFIRM: _("Only the township that filed the call confirms it."),
            REOPEN: _("Only the township that filed the call reopens it."),
        }
        return ("forbidden", messages[step])
    if call.status not in states:
        labels = "、".join(str(Status(s).label) for s in states)
        return ("state", _("This call is %(status)s; this step needs a call that is %(states)s.")
                % {"status": call.get_status_display(), "states": labels})
    return None


def can(user, step, call) -> bool:
    return explain(user, step, call) is None


def require(user, step, call):
    """Raise NotAllowed (403) or StateConflict (409) unless ``user`` may take ``step``."""
    steps.require(explain, user, step, call)


def may_file(user, township) -> bool:
    """Whether ``user`` files calls for ``township`` (its own users only): the pages show
    the "call the department" buttons by it."""
    return (user.is_authenticated and access.role_of(user) == access.TOWNSHIP
            and access.profile_of(user).township_id == getattr(township, "pk", township))


def require_filer(user, township=None):
    """The township ``user`` files calls for (its own); NotAllowed for any other role or for
    another township."""
    if access.role_of(user) != access.TOWNSHIP or access.profile_of(user).township_id is None:
        raise NotAllowed(_("Only a township's own users file calls."))
    own = access.profile_of(user).township
    if township is not None and getattr(township, "pk", township) != own.pk:
        raise NotAllowed(_("A township files calls for itself only."))
    return own
