"""Who may see and do what: the one scoping module used by the API, the admin and the pages.

Roles (``role_of``): ``office`` (编办; superusers count as office), ``department``,
``township`` and ``public`` (anonymous users and accounts without a profile).

Scope decisions (``restrict``):

- Reference data is public: counties, townships, departments (and their aliases), the
  catalog of duty items (the catalog is drawn from published law and carries nothing
  confidential, so every catalog item is visible, on a list or not) and the calendar.
- List entries: everybody sees published entries; the office also sees drafts.
- An office profile with a county sees and writes that county's rows (plus the public
  data everybody sees); an office profile without a county (or a superuser) sees all.
- A department user sees its own department's delegations, assignments and the township
  opinions on its delegations.
- A township user sees the delegations that name its township once submitted (never a
  department's drafts), the assignments that name it or that it reported, and its own
  opinions.
- The public sees only the public data above.
- User accounts are never public: a superuser sees every account; an office user of every
  county every account but the superusers'; an office user of one county the accounts whose
  profile belongs to that county (its ``county``, or its department's or township's county),
  never a superuser's (``user_accounts_q``); nobody else sees any.

``action="change"`` (or ``"delete"``) narrows to the rows the user may write, whatever
their state; the workflow's steps (``delegations.workflow.TRANSITIONS``: state × step →
next state, role) are checked by ``explain``/``can``, which read that table:

- office: every row of its scope (all, or its county);
- department: its own delegations, and its own assignments except the ones a township
  reported about it;
- township: the assignments it reported and its own opinions;
- public: nothing.

Querysets are filtered with ``Exists`` subqueries, never joins over many-to-many tables, so
no ``.distinct()`` is needed and counts stay right.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

OFFICE = "office"
DEPARTMENT = "department"
TOWNSHIP = "township"
PUBLIC = "public"
ROLES = (OFFICE, DEPARTMENT, TOWNSHIP, PUBLIC)

# Group names are data (they appear in the admin as stored), hence Chinese constants.
OFFICE_GROUP = "编办"
DEPARTMENT_GROUP = "部门"
TOWNSHIP_GROUP = "乡镇"
ROLE_GROUPS = {OFFICE: OFFICE_GROUP, DEPARTMENT: DEPARTMENT_GROUP, TOWNSHIP: TOWNSHIP_GROUP}
OFFICE_APPS = ("townships", "duties", "delegations")

VIEW = "view"
CHANGE = "change"
DELETE = "delete"
QUERYSET_ACTIONS = (VIEW, CHANGE, DELETE)

# Always-true / always-false conditions that survive being OR-ed (an empty Q() does not).
_ALL = Q(pk__isnull=False)
_NONE = Q(pk__in=[])


# --------------------------------------------------------------------------- roles


def profile_of(user):
    """The user's profile, or None (anonymous, or an account without one)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.profile
    except (ObjectDoesNotExist, AttributeError):
        return None


def role_of(user) -> str:
    """``"office"`` | ``"department"`` | ``"township"`` | ``"public"``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return PUBLIC
    if getattr(user, "is_superuser", False):
        return OFFICE
    profile = profile_of(user)
    if profile is None or profile.role not in ROLES:
        return PUBLIC
    return profile.role


def office_county_id(user):
    """The county an office user is limited to, or None for every county."""
    if getattr(user, "is_superuser", False):
        return None
    profile = profile_of(user)
    return profile.county_id if profile is not None else None


def user_county(user):
    """The county a user works in: its department's or township's, an office profile's own
    county; None for an office user of every county, a superuser or the public. Item and
    department codes are resolved in it, and the pages offer its catalog."""
    profile = profile_of(user)
    if profile is None or getattr(user, "is_superuser", False):
        return None
    role = role_of(user)
    if role == DEPARTMENT and profile.department_id:
        return profile.department.county
    if role == TOWNSHIP and profile.township_id:
        return profile.township.county
    if role == OFFICE and profile.county_id:
        return profile.county
    return None


def department_of(user):
    profile = profile_of(user)
    return profile.department if profile is not None and role_of(user) == DEPARTMENT else None


def township_of(user):
    profile = profile_of(user)
    return profile.township if profile is not None and role_of(user) == TOWNSHIP else None


# --------------------------------------------------------------------------- querysets


def _concrete(model):
    return model._meta.concrete_model


def _through_exists(m2m_model, owner_field, other_field, value):
    """EXISTS (a row of the M2M table linking the outer row to ``value``)."""
    return Exists(
        m2m_model.objects.filter(**{owner_field: OuterRef("pk"), other_field: value})
    )


def _rules():
    """model -> (county path or None, public view Q, scope function(user, role, action) -> Q)."""
    from delegations.models import Assignment, CalendarDay, Delegation, TownshipOpinion
    from duties.models import DutyItem, ListEntry
    from townships.models import County, Department, DepartmentAlias, Township

    delegation_townships = Delegation.townships.through
    assignment_townships = Assignment.townships.through

    def nothing(user, role, action):
        return _NONE

    def delegation_scope(user, role, action):
        if role == DEPARTMENT:
            return Q(department_id=profile_of(user).department_id)
        if role == TOWNSHIP and action == VIEW:
            township_id = profile_of(user).township_id
            return ~Q(state="draft") & _through_exists(
                delegation_townships, "delegation_id", "township_id", township_id
            )
        return _NONE

    def assignment_scope(user, role, action):
        if role == DEPARTMENT:
            scope = Q(department_id=profile_of(user).department_id)
            if action != VIEW:
                scope &= ~Q(recorded_by="township")
            return scope
        if role == TOWNSHIP:
            township_id = profile_of(user).township_id
            scope = Q(reporting_township_id=township_id)
            if action == VIEW:
                scope |= _through_exists(
                    assignment_townships, "assignment_id", "township_id", township_id
                )
            return scope
        return _NONE

    def opinion_scope(user, role, action):
        if role == DEPARTMENT and action == VIEW:
            return Q(delegation__department_id=profile_of(user).department_id)
        if role == TOWNSHIP:
            return Q(township_id=profile_of(user).township_id)
        return _NONE

    return {
        County: ("pk", _ALL, nothing),
        Township: ("county_id", _ALL, nothing),
        Department: ("county_id", _ALL, nothing),
        DepartmentAlias: ("department__county_id", _ALL, nothing),
        DutyItem: ("county_id", _ALL, nothing),
        CalendarDay: (None, _ALL, nothing),
        ListEntry: ("item__county_id", Q(status="published"), nothing),
        Delegation: ("department__county_id", _NONE, delegation_scope),
        Assignment: ("department__county_id", _NONE, assignment_scope),
        TownshipOpinion: ("delegation__department__county_id", _NONE, opinion_scope),
    }


def _is_user_model(model) -> bool:
    from django.contrib.auth import get_user_model

    return _concrete(model) is _concrete(get_user_model())


def user_accounts_q(user) -> Q:
    """The user accounts ``user`` may see and manage (the same for every action): see the
    module's docstring."""
    if getattr(user, "is_superuser", False):
        return _ALL
    if role_of(user) != OFFICE:
        return _NONE
    not_superuser = Q(is_superuser=False)
    county_id = office_county_id(user)
    if county_id is None:
        return not_superuser
    return not_superuser & (
        Q(profile__county_id=county_id)
        | Q(profile__department__county_id=county_id)
        | Q(profile__township__county_id=county_id)
    )


def has_rule(model) -> bool:
    """Whether ``restrict`` has a scope rule for ``model``."""
    return _is_user_model(model) or _concrete(model) in _rules()


def county_id_of(obj):
    """The id of the county ``obj`` belongs to, read from the instance along the model's
    county path (for an object no longer in the database, e.g. a deleted row's history);
    None for a model without one (the calendar) or when the path is broken."""
    county_path = _rules().get(_concrete(type(obj)), (None,))[0]
    if county_path is None:
        return None
    if county_path == "pk":
        return obj.pk
    value = obj
    *relations, last = county_path.split("__")
    try:
        for name in relations:
            value = getattr(value, name)
        return getattr(value, last)
    except (ObjectDoesNotExist, AttributeError):
        return None


def scope_q(user, model, action: str = VIEW) -> Q:
    """The condition ``restrict`` applies, for use inside other queries (e.g. Exists)."""
    if action not in QUERYSET_ACTIONS:
        raise ValueError(f"Unknown action {action!r}; use one of {QUERYSET_ACTIONS}.")
    if _is_user_model(model):
        return user_accounts_q(user)
    rules = _rules()
    concrete = _concrete(model)
    if concrete not in rules:
        raise TypeError(f"restrict() has no scope rule for {concrete.__name__}.")
    county_path, public_q, scope = rules[concrete]
    role = role_of(user)

    if role == OFFICE:
        county_id = office_county_id(user)
        if county_id is None or county_path is None:
            own = _ALL
        else:
            own = Q(**{county_path: county_id})
    elif role in (DEPARTMENT, TOWNSHIP):
        own = scope(user, role, action)
    else:
        own = _NONE

    if action == VIEW:
        return public_q | own
    return own


def restrict(user, queryset, action: str = VIEW):
    """``queryset`` narrowed to the rows ``user`` may see (``action="view"``) or write
    (``"change"``/``"delete"``). Works on Delegation, Assignment, ListEntry (and its list
    proxies), DutyItem, Township, Department, DepartmentAlias, County, TownshipOpinion,
    CalendarDay and the user model; any other model raises TypeError (a missing rule is a bug,
    not "all")."""
    return queryset.filter(scope_q(user, queryset.model, action))


def flag_filters(user) -> dict:
    """The filters a flag query must apply for ``user``: office ``{}`` (or ``{"county": c}``),
    department ``{"department": d}``, township ``{"township": t}``. Flags are not public."""
    role = role_of(user)
    if role == OFFICE:
        profile = profile_of(user)
        county_id = office_county_id(user)
        return {"county": profile.county} if county_id is not None else {}
    if role == DEPARTMENT:
        return {"department": profile_of(user).department}
    if role == TOWNSHIP:
        return {"township": profile_of(user).township}
    raise PermissionDenied(_("Flags are visible to signed-in staff only."))


# --------------------------------------------------------------------------- objects


def _office_covers(user, county_id) -> bool:
    limit = office_county_id(user)
    return limit is None or limit == county_id


def _delegation_role_problem(user, role_needed, delegation):
    """Why ``user``'s role forbids a step taken by ``role_needed`` on ``delegation``."""
    role = role_of(user)
    if role_needed == DEPARTMENT:
        if role != DEPARTMENT:
            return _("Only the requesting department may do this.")
        if profile_of(user).department_id != delegation.department_id:
            return _("This request belongs to another department.")
        return None
    if role_needed == OFFICE:
        if role != OFFICE:
            return _("Only the compilation office may do this.")
        if not _office_covers(user, delegation.department.county_id):
            return _("This request belongs to another county.")
        return None
    if role_needed == TOWNSHIP:
        if delegation.claimed_by_id is not None and (
            role != TOWNSHIP or profile_of(user).township_id != delegation.claimed_by_id
        ):
            return _("Only the township that filed this claim may do this.")
        if role != TOWNSHIP:
            return _("Only a township named in the request may give its opinion.")
        township_id = profile_of(user).township_id
        if not delegation.townships.filter(pk=township_id).exists():
            return _("This request does not concern your township.")
        return None
    raise ValueError(f"Unknown role {role_needed!r}.")


def state_problem(action, delegation):
    """Why ``delegation``'s state forbids workflow ``action`` (None if it does not), read from
    the workflow's transition table."""
    from delegations.transitions import transition

    problem = transition(action).state_problem(delegation)
    return problem[1] if problem else None


def explain(user, action: str, obj):
    """None if ``user`` may do ``action`` on ``obj``; else ``(kind, message)`` with kind
    ``"forbidden"`` (the role or scope forbids it: HTTP 403) or ``"state"`` (the object's
    state forbids it: HTTP 409)."""
    from delegations.models import Delegation
    from townships.models import Department, Township

    from delegations.transitions import transition

    model = _concrete(type(obj))
    step = transition(action) if model is Delegation else None
    if step is not None and step.from_states:
        problem = _delegation_role_problem(user, step.role, obj)
        if problem:
            return ("forbidden", problem)
        problem = state_problem(action, obj)
        return ("state", problem) if problem else None

    if action == "record_decision" and model is Department:
        if role_of(user) == OFFICE and _office_covers(user, obj.county_id):
            return None
        return ("forbidden", _("Only the compilation office may record a decision."))

    if action == "claim" and model is Township:
        if role_of(user) == TOWNSHIP and profile_of(user).township_id == obj.pk:
            return None
        return ("forbidden", _("Only the township itself may claim a power for it."))

    if action in ("create_request", "create_assignment") and model in (Department, Township):
        role = role_of(user)
        # The office records assignments it learns of; requests are the department's own act
        # (the office reviews and decides them, so it does not file them).
        if role == OFFICE and action == "create_assignment" and _office_covers(user, obj.county_id):
            return None
        if model is Department and role == DEPARTMENT:
            if profile_of(user).department_id == obj.pk:
                return None
            return ("forbidden", _("You may act only for your own department."))
        if model is Township and role == TOWNSHIP and action == "create_assignment":
            if profile_of(user).township_id == obj.pk:
                return None
            return ("forbidden", _("You may report only for your own township."))
        return ("forbidden", _("You may not do this."))

    if action in QUERYSET_ACTIONS:
        allowed = restrict(user, model._default_manager.filter(pk=obj.pk), action).exists()
        return None if allowed else ("forbidden", _("You may not do this."))
    raise ValueError(f"Unknown action {action!r} for {model.__name__}.")


def can(user, action: str, obj) -> bool:
    """Object-level check. Delegation actions: ``view``, ``change``, and the steps of the
    workflow's transition table (``delegations.workflow.TRANSITIONS``: ``edit``, ``discard``,
    ``submit``, ``withdraw`` by the requesting department, ``give_opinion`` by a township the
    request names, ``respond``, ``review``, ``approve``/``reject`` (together ``decide``),
    ``revoke`` by the office), each from the states the table names. ``record_decision`` on a
    Department (the office of its county). ``create_request`` on a Department (its own department user),
    ``create_assignment`` on a Department (its user, or the office) or a Township (its
    user reporting, or the office). ``view``/``change``/``delete`` on any scoped model."""
    return explain(user, action, obj) is None


def check(user, action: str, obj) -> None:
    """Raise PermissionDenied unless ``user`` may do ``action`` on ``obj``."""
    problem = explain(user, action, obj)
    if problem:
        raise PermissionDenied(problem[1])


# --------------------------------------------------------------------------- groups


# The office manages the accounts of its county in the admin (it deactivates them, never
# deletes them); which accounts is ``user_accounts_q``.
OFFICE_USER_PERMISSIONS = ("view_user", "add_user", "change_user")


@transaction.atomic
def ensure_groups() -> dict:
    """Create the three role groups (idempotent). The office group gets every model
    permission of the three apps (which covers django-import-export's import/export, as
    it checks model permissions) and ``OFFICE_USER_PERMISSIONS`` on user accounts;
    department and township users work through the pages and the API, not the admin, so
    their groups carry no model permission. Permissions added by hand are kept (we only
    add)."""
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType

    groups = {}
    for role, name in ROLE_GROUPS.items():
        groups[role], _created = Group.objects.get_or_create(name=name)
    perms = Permission.objects.filter(
        Q(content_type__app_label__in=OFFICE_APPS)
        | Q(
            content_type=ContentType.objects.get_for_model(get_user_model()),
            codename__in=OFFICE_USER_PERMISSIONS,
        )
    )
    groups[OFFICE].permissions.add(*perms)
    return groups


def sync_user_group(user) -> None:
    """Put ``user`` in the group of its profile's role and out of the other role groups
    (a user without a profile leaves them all), and let exactly the office accounts into
    the admin (``is_staff``; a superuser's is left alone). Called when a profile is saved."""
    profile = profile_of(user)
    wanted = ROLE_GROUPS.get(profile.role) if profile is not None else None
    others = [name for name in ROLE_GROUPS.values() if name != wanted]
    user.groups.remove(*Group.objects.filter(name__in=others))
    if wanted:
        if not Group.objects.filter(name=wanted).exists():
            ensure_groups()
        user.groups.add(Group.objects.get(name=wanted))
    staff = wanted == OFFICE_GROUP
    if profile is not None and not user.is_superuser and user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])
