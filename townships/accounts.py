"""The accounts of a county: created, reset, deactivated and unlocked by its office.

Every function here is one atomic service: it checks that the acting user may manage the
accounts (``check_may_manage``: an office user covering the county, or ``actor=None`` for the
operator at the server's command line), refuses with a Chinese message (``AccountsRefused``,
a ValidationError, or PermissionDenied) before writing anything, writes, and records the step
in the admin's history of each account (``LogEntry``) when an acting user is known.

Usernames are derived from the units' codes, lower-case ASCII, stable and unique:

- a township: its 9-digit division code, e.g. ``990101101``;
- a department: its county's code, a hyphen and its department code in lower case, e.g.
  ``990101-yjj`` (a department code made of other characters than letters, digits, ``-`` and
  ``_`` cannot give a username: that department is refused, named in the message).

A username already taken (letter case aside) by an account that does not stand for the unit
is refused, never replaced by an invented one. Passwords are random one-time passwords
(``django.utils.crypto``), hashed by ``set_password`` and shown only once, in the returned
list that the admin and ``manage.py create_accounts`` hand out (``account_sheet``); the first
login must change them (``townships.first_login``).
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from townships import access
from townships.first_login import set_one_time_password
from townships.models import County, Department, Profile, Township

# Unambiguous characters only (no 0/O, 1/l/I): the password is read off a sheet and typed.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PASSWORD_LENGTH = 12
USERNAME_PART_RE = re.compile(r"^[a-z0-9_-]+$")

# The 类型 column of the sheet handed out: data, not translated strings.
KIND_LABELS = {
    Profile.Role.OFFICE: "编办",
    Profile.Role.DEPARTMENT: "部门",
    Profile.Role.TOWNSHIP: "乡镇",
}
# What the admin's history of each account says (data, as stored).
LOG_CREATED = "建立账号（一次性密码，首次登录须修改）"
LOG_RESET = "重置密码（一次性密码，首次登录须修改）"
LOG_DEACTIVATED = "停用账号"
LOG_REACTIVATED = "恢复账号"
LOG_UNLOCKED = "解除登录锁定"


class AccountsRefused(ValidationError):
    """The step is refused; ``messages`` says why (every reason, not only the first)."""


@dataclass(frozen=True)
class IssuedAccount:
    """One line of the sheet handed out: the unit, its kind, the username and the one-time
    password (in clear only here, never stored)."""

    unit: str
    kind: str
    username: str
    password: str


def township_username(township) -> str:
    return township.code


def department_username(department, county=None) -> str | None:
    """``<county code>-<department code>`` in lower case; None when the code cannot be one."""
    county = county or department.county
    part = department.code.strip().lower()
    if not USERNAME_PART_RE.fullmatch(part):
        return None
    return f"{county.code}-{part}"


def one_time_password(username: str = "") -> str:
    """A random password that passes the password validators."""
    user = get_user_model()(username=username)
    while True:
        password = get_random_string(PASSWORD_LENGTH, PASSWORD_ALPHABET)
        if not (any(c.isdigit() for c in password) and any(c.isalpha() for c in password)):
            continue
        try:
            validate_password(password, user)
        except ValidationError:
            continue
        return password


# --------------------------------------------------------------------------- checks


def check_may_manage(actor, county=None) -> None:
    """Refuse (PermissionDenied) unless ``actor`` may manage the accounts of ``county`` (of
    some county when None): an active office user whose scope covers it; ``None`` is the
    operator at the command line."""
    if actor is None:
        return
    if not getattr(actor, "is_active", False) or access.role_of(actor) != access.OFFICE:
        raise PermissionDenied(_("Only the compilation office manages accounts."))
    limit = access.office_county_id(actor)
    if county is not None and limit is not None and limit != county.pk:
        raise PermissionDenied(_("You may manage only the accounts of your own county."))


def _check_users(actor, users) -> list:
    """The accounts, checked: each one ``actor`` may manage (``access.user_accounts_q``),
    never its own."""
    users = list(users)
    if actor is None:
        return users
    check_may_manage(actor)
    allowed = set(
        access.restrict(actor, get_user_model().objects.filter(pk__in=[u.pk for u in users]),
                        access.CHANGE).values_list("pk", flat=True)
    )
    problems = []
    for user in users:
        if user.pk == actor.pk:
            problems.append(_("You cannot do this to your own account (%(username)s).")
                            % {"username": user.get_username()})
        elif user.pk not in allowed:
            problems.append(_("The account %(username)s is not one of your county's.")
                            % {"username": user.get_username()})
    if problems:
        raise PermissionDenied(" ".join(problems))
    return users


def _log(actor, users, flag, message) -> None:
    if actor is not None and users:
        LogEntry.objects.log_actions(actor.pk, users, flag, change_message=message)


def _unit_of(user) -> tuple[str, str]:
    """(单位, 类型) of an account, from its profile."""
    profile = access.profile_of(user)
    if profile is None:
        return user.get_full_name() or user.get_username(), ""
    kind = KIND_LABELS.get(profile.role, "")
    if profile.department_id:
        return profile.department.name, kind
    if profile.township_id:
        return profile.township.name, kind
    if profile.county_id:
        return f"{profile.county.name}编办", kind
    return "编办", kind


def _hash_passwords(users_and_passwords) -> None:
    """``set_one_time_password`` for each pair. Hashing is slow on purpose (a fraction of a
    second each); the hash functions release the GIL, so a county's accounts are hashed in
    parallel."""
    with ThreadPoolExecutor() as pool:
        list(pool.map(lambda pair: set_one_time_password(*pair), users_and_passwords))


# --------------------------------------------------------------------------- creation


@dataclass
class _Wanted:
    unit: object  # Department or Township
    role: str
    username: str | None


def _units_without_account(county) -> list[_Wanted]:
    """The county's departments (by code), then townships (by code), that no profile names."""
    departments = (
        Department.objects.filter(county=county)
        .exclude(Exists(Profile.objects.filter(department_id=OuterRef("pk"))))
        .order_by("code")
    )
    townships = (
        Township.objects.filter(county=county)
        .exclude(Exists(Profile.objects.filter(township_id=OuterRef("pk"))))
        .order_by("code")
    )
    return [
        *(_Wanted(d, Profile.Role.DEPARTMENT, department_username(d, county)) for d in departments),
        *(_Wanted(t, Profile.Role.TOWNSHIP, township_username(t)) for t in townships),
    ]


def _taken(usernames) -> set[str]:
    """The lower-cased usernames among ``usernames`` that an account already has."""
    lowered = {name.lower() for name in usernames}
    return set(
        get_user_model().objects.annotate(lowered=Lower("username"))
        .filter(lowered__in=lowered).values_list("lowered", flat=True)
    )


def _refusals(wanted: list[_Wanted]) -> list[str]:
    problems = []
    taken = _taken([w.username for w in wanted if w.username])
    for w in wanted:
        if w.username is None:
            problems.append(_(
                "The department %(unit)s cannot get an account: its code “%(code)s” is not made "
                "of letters, digits, “-” and “_” only. Change the code, or create its account by "
                "hand in the admin."
            ) % {"unit": w.unit.name, "code": w.unit.code})
        elif w.username.lower() in taken:
            problems.append(_(
                "%(unit)s cannot get the account %(username)s: another account already has "
                "that name. Rename that account, or link it to %(unit)s in its user profile."
            ) % {"unit": w.unit.name, "username": w.username})
    return problems


@transaction.atomic
def create_accounts(actor, county) -> list[IssuedAccount]:
    """One account for every department and township of ``county`` that has none (no user's
    profile names it), each with a random one-time password. Returns what to hand out
    (departments by code, then townships by code); an empty list when every unit has an
    account. Refused as a whole (AccountsRefused, nothing written) when a unit cannot get its
    username."""
    check_may_manage(actor, county)
    County.objects.select_for_update().filter(pk=county.pk).first()  # one run at a time
    wanted = _units_without_account(county)
    problems = _refusals(wanted)
    if problems:
        raise AccountsRefused(problems)
    if not wanted:
        return []
    User = get_user_model()
    users = [User(username=w.username, first_name=w.unit.name[:150]) for w in wanted]
    passwords = [one_time_password(w.username) for w in wanted]
    _hash_passwords(zip(users, passwords))
    issued = []
    for w, user, password in zip(wanted, users, passwords):
        user.save()
        Profile.objects.create(
            user=user,
            role=w.role,
            department=w.unit if w.role == Profile.Role.DEPARTMENT else None,
            township=w.unit if w.role == Profile.Role.TOWNSHIP else None,
            must_change_password=True,
        )
        issued.append(IssuedAccount(w.unit.name, KIND_LABELS[w.role], user.username, password))
    _log(actor, users, ADDITION, LOG_CREATED)
    return issued


@transaction.atomic
def create_office_account(username: str, county=None):
    """The first office account (编办) of an instance, or another one: staff, in the office
    group, limited to ``county`` (every county when None), with a one-time password.
    Returns ``(user, password)``. For the operator at the command line."""
    User = get_user_model()
    username = (username or "").strip()
    problems = []
    if not username:
        problems.append(_("A username is needed."))
    else:
        try:
            User.username_validator(username)
        except ValidationError as error:
            problems.extend(error.messages)
    if username and _taken([username]):
        problems.append(_("The username %(username)s is already taken.") % {"username": username})
    if problems:
        raise AccountsRefused(problems)
    password = one_time_password(username)
    user = User(username=username, is_staff=True,
                first_name=f"{county.name}编办" if county is not None else "编办")
    set_one_time_password(user, password)
    user.save()
    Profile.objects.create(
        user=user, role=Profile.Role.OFFICE, county=county, must_change_password=True
    )
    return user, password


# --------------------------------------------------------------------------- the admin's steps


def _with_profiles(users):
    return get_user_model().objects.filter(pk__in=[u.pk for u in users]).select_related(
        "profile", "profile__county", "profile__department", "profile__township"
    ).order_by("username")


@transaction.atomic
def reset_passwords(actor, users) -> list[IssuedAccount]:
    """A new one-time password for each account (the old one stops working at once)."""
    users = list(_with_profiles(_check_users(actor, users)))
    passwords = [one_time_password(user.username) for user in users]
    _hash_passwords(zip(users, passwords))
    issued = []
    for user, password in zip(users, passwords):
        user.save(update_fields=["password"])
        unit, kind = _unit_of(user)
        issued.append(IssuedAccount(unit, kind, user.username, password))
    _log(actor, users, CHANGE, LOG_RESET)
    return issued


@transaction.atomic
def set_active(actor, users, active: bool) -> int:
    """Deactivate (``active=False``: the account can no longer log in, its sessions and API
    tokens stop working) or reactivate accounts. Returns how many changed."""
    users = [u for u in _check_users(actor, users) if u.is_active != active]
    get_user_model().objects.filter(pk__in=[u.pk for u in users]).update(is_active=active)
    _log(actor, users, CHANGE, LOG_REACTIVATED if active else LOG_DEACTIVATED)
    return len(users)


@transaction.atomic
def unlock(actor, users) -> int:
    """Lift the login lockout (django-axes) of each account's username, from every address.
    Returns how many failure records were removed."""
    from axes.utils import reset

    users = _check_users(actor, users)
    removed = sum(reset(username=user.get_username()) for user in users)
    _log(actor, users, CHANGE, LOG_UNLOCKED)
    return removed
