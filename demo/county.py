"""The demo county (云岭县, code 999001): loaded from the JSON files in ``fixtures/``.

``load_demo()`` creates or brings up to date, in one transaction:

- the county, its townships and departments (with aliases);
- the demo accounts: one office user (编办), one user per department and per township, each
  with a profile of the right role and the password ``DEMO_PASSWORD``;
- the catalog (``demo_catalog.json``), the delegations with their township opinions
  (``demo_delegations.json``), the four lists (``demo_lists.json``), the assignments
  (``demo_assignments.json``), the townships' calls (``demo_calls.json``, ``demo.calls``) and
  claims (``demo_claims.json``, ``demo.claims``).

It is idempotent: every object is found by its natural key (codes, a delegation's ``ref``, an
assignment's title) and compared with the data before anything is saved; unchanged objects
are skipped, so a second run writes no row and no history row. New objects get history rows
dated when the fact happened (an item when the catalog was compiled, a list entry when it took
effect, a delegation at each step of its workflow), so "the lists as they stood on day D"
works on the demo data too.

Delegations are made the way production makes them, through ``delegations.workflow``
(``demo.lifecycle``): each department's account files and submits its requests, the township
accounts give their opinions, the office account answers objections, records the legality
review and decides, the department withdraws, the office revokes — each step dated with the
workflow's ``now=`` on the day the data gives. The workflow puts approved items on the lists;
``demo_lists.json`` then completes those entries as a clerk would (the handling office, a note,
an end date left out). A delegation the workflow refuses cannot be in the demo, so the flags
about delegations that break the law at their approval fire where the law catches up with an
approval: a catalog item reclassified afterwards (a catalog row's ``reclassified``: its former
category and the day the list revision changed it). A delegation carries its stable ``ref`` at
the end of its reason (``REF_MARK``); ``find_delegation(ref)`` returns it.

The flag store (``delegations.flags.store``) is brought up to date for the county once, at the
end of the same transaction (a ``batch`` gathers the workflow steps' refreshes).

Dates written ``load_day``, ``load_day+N`` or ``load_day+Nwd`` (N days / N working days) are
counted from the day the delegation is first loaded, and on later runs from the day it was
created, so they never change once written.
"""

from __future__ import annotations

import datetime
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from delegations import workflow
from delegations.calendar import add_working_days
from delegations.flags import store as flag_store
from delegations.models import Assignment, Delegation
from demo import lifecycle
from demo.calls import load_calls
from demo.claims import load_claims
from duties.models import DutyItem, ListEntry
from townships.models import County, Department, DepartmentAlias, Profile, Township

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
DEMO_COUNTY_CODE = "999001"
DEMO_PASSWORD = "qingdan-demo-2026"
OFFICE_USERNAME = "bianban"
REF_MARK = "（演示编号：{ref}）"
# The history reason the flag store's cases carry for the demo's load (stored data).
REASON_LOADED = "载入演示数据"
_REF_RE = re.compile(r"（演示编号：(D\d+)）$")
_RELATIVE_RE = re.compile(r"^load_day(?:\+(\d+)(wd)?)?$")

FILES = {
    "county": "demo_county.json",
    "catalog": "demo_catalog.json",
    "lists": "demo_lists.json",
    "delegations": "demo_delegations.json",
    "assignments": "demo_assignments.json",
    "calls": "demo_calls.json",
    "claims": "demo_claims.json",
    "expected_flags": "demo_expected_flags.json",
}

# Times of day at which the demo's dated events are recorded (China time).
_MORNING = datetime.time(9, 0)
_SUBMIT_TIME = datetime.time(10, 0)
_OPINION_TIME = datetime.time(11, 0)
_RESPONSE_TIME = datetime.time(15, 0)
_DECISION_TIME = datetime.time(16, 0)


def department_username(code: str) -> str:
    return f"dept-{code.lower()}"


def township_username(code: str) -> str:
    return f"town-{code}"


def read_fixture(name: str, fixtures_dir: Path | None = None) -> dict:
    path = Path(fixtures_dir or FIXTURES_DIR) / FILES[name]
    return json.loads(path.read_text(encoding="utf-8"))


def expected_flags(fixtures_dir: Path | None = None) -> list[dict]:
    """The cases of ``demo_expected_flags.json`` (each: rule, fires, township, …)."""
    return read_fixture("expected_flags", fixtures_dir)["cases"]


def manifest_mismatches(flags, cases: list[dict] | None = None) -> list[dict]:
    """The manifest cases that ``flags`` (``delegations.flags.Flag`` objects of the demo
    county) contradict: a firing case no flag matches, or a near miss some flag matches.

    Matching, as ``demo_expected_flags.json`` states it: same rule and township, and every
    non-null department, duty item, assignment (by title) and delegation (by ref) equal; for
    DUPLICATE_ASSIGNMENT a flag on either assignment of the pair counts.
    """
    cases = expected_flags() if cases is None else cases
    flags = list(flags)
    titles = dict(
        Assignment.objects.filter(pk__in={f.assignment for f in flags if f.assignment}).values_list(
            "pk", "title"
        )
    )
    refs = {
        d.pk: delegation_ref(d)
        for d in Delegation.objects.filter(pk__in={f.delegation for f in flags if f.delegation})
    }

    def code(ref):
        return ref.code if ref is not None else None

    def matches(case, flag) -> bool:
        if flag.rule != case["rule"] or code(flag.township) != case["township"]:
            return False
        if case.get("pair_assignment_title"):
            pair = {
                case["assignment_title"]: case["department"],
                case["pair_assignment_title"]: case.get("pair_department"),
            }
            title = titles.get(flag.assignment)
            return title in pair and (pair[title] is None or code(flag.department) == pair[title])
        if case["assignment_title"] and titles.get(flag.assignment) != case["assignment_title"]:
            return False
        if case["department"] and code(flag.department) != case["department"]:
            return False
        if case["duty_item"] and code(flag.duty_item) != case["duty_item"]:
            return False
        if case["delegation_ref"] and refs.get(flag.delegation) != case["delegation_ref"]:
            return False
        return True

    return [
        case for case in cases
        if any(matches(case, flag) for flag in flags) != bool(case["fires"])
    ]


def find_delegation(ref: str) -> Delegation:
    """The demo delegation with that ``ref`` (e.g. ``"D01"``)."""
    return Delegation.objects.get(reason__endswith=REF_MARK.format(ref=ref))


def delegation_ref(delegation: Delegation) -> str | None:
    match = _REF_RE.search(delegation.reason or "")
    return match.group(1) if match else None


@dataclass
class Login:
    username: str
    role: str
    unit: str


@dataclass
class LoadResult:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    logins: list[Login] = field(default_factory=list)
    county: County | None = None

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.updated.values()))


class DemoDataError(ValueError):
    """A demo fixture names something that does not exist."""


def load_demo(*, fixtures_dir: Path | None = None, today: datetime.date | None = None) -> LoadResult:
    """Load (or bring up to date) the demo county; see the module docstring."""
    loader = _Loader(Path(fixtures_dir or FIXTURES_DIR), today or timezone.localdate())
    with transaction.atomic(), flag_store.batch(reason=REASON_LOADED):
        loader.run()
        # The lists and assignments are bulk inserted: the county's flags once, at the end
        # (with the workflow's steps, which the batch gathers into this one refresh).
        flag_store.refresh(county=loader.county)
    return loader.result


# --------------------------------------------------------------------------- helpers


def _date(value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


def _at(day: datetime.date | None, time: datetime.time) -> datetime.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, time))


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))




def _same(a, b) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return a is not None and b is not None and Decimal(a) == Decimal(b)
    return a == b


def _changes(obj, values: dict) -> dict:
    """The subset of ``values`` (attribute names) that differ from ``obj``."""
    return {k: v for k, v in values.items() if not _same(getattr(obj, k), v)}


class _Actors:
    """The demo accounts as ``demo.lifecycle`` asks for them."""

    def __init__(self, loader):
        self.loader = loader
        self.office = loader.office

    def department_user(self, department):
        return self.loader.department_user(department.code)

    def township_user(self, township):
        return self.loader.township_user(township.code)


class _Loader:
    def __init__(self, fixtures_dir: Path, today: datetime.date):
        self.dir = fixtures_dir
        self.today = today
        self.result = LoadResult()
        self.reason = ""
        self.office = None
        self.users: dict[tuple[str, str], object] = {}
        self._password_hash = None

    # -- bookkeeping

    def _count(self, kind: str, label: str):
        getattr(self.result, kind)[label] += 1

    def _unknown(self, what: str, code) -> DemoDataError:
        return DemoDataError(
            _("Demo data: unknown %(what)s “%(code)s”.") % {"what": what, "code": code}
        )

    def _mark(self, obj, when: datetime.datetime | None, user=None):
        """Stamp what django-simple-history records for the next save of ``obj``."""
        obj._change_reason = self.reason
        obj._history_user = user or self.office
        if when is not None:
            obj._history_date = when
        elif hasattr(obj, "_history_date"):
            del obj._history_date

    def _save_changes(
        self, obj, values: dict, label: str, *, user=None, when=None, extra_change=False
    ) -> bool:
        """Save ``obj`` with ``values`` if anything differs (one history row); True if saved.

        ``extra_change``: something else of ``obj`` (its many-to-many sets) was already changed,
        so it counts as updated even when its own fields are unchanged."""
        diff = _changes(obj, values)
        if not diff:
            self._count("updated" if extra_change else "unchanged", label)
            return False
        for key, value in diff.items():
            setattr(obj, key, value)
        self._mark(obj, when, user)
        obj.save()
        self._count("updated", label)
        return True

    def _set_m2m(self, obj, attr: str, wanted: set[int], *, when=None, user=None) -> bool:
        """Set a many-to-many set to ``wanted`` (primary keys) if it differs; True if changed."""
        manager = getattr(obj, attr)
        current = set(manager.values_list("pk", flat=True))
        if current == wanted:
            return False
        self._mark(obj, when, user)
        manager.set(sorted(wanted))
        return True

    # -- the run

    def run(self):
        county_data = read_fixture("county", self.dir)
        self.reason = county_data.get("change_reason", "")
        self.load_county(county_data)
        self.load_users()
        self.load_catalog(read_fixture("catalog", self.dir))
        self.load_delegations(read_fixture("delegations", self.dir)["delegations"])
        self.reclassify()
        self.load_lists(read_fixture("lists", self.dir))
        self.load_assignments(read_fixture("assignments", self.dir)["assignments"])
        load_calls(self, read_fixture("calls", self.dir)["calls"])
        load_claims(self, read_fixture("claims", self.dir)["claims"])

    # -- county, townships, departments

    def load_county(self, data: dict):
        values = dict(data["county"])
        code = values.pop("code")
        county = County.objects.filter(code=code).first()
        if county is None:
            county = County.objects.create(code=code, **values)
            self._count("created", "county")
        else:
            self._save_changes(county, values, "county")
        self.county = county
        self.result.county = county
        self.office_name = data.get("office", {}).get("name") or county.name

        existing = {t.code: t for t in Township.objects.filter(county=county)}
        self.townships = {}
        for row in data["townships"]:
            values = {
                "name": row["name"],
                "kind": row["kind"],
                "category": row["category"],
                "population": row.get("population"),
                "area_km2": _decimal(row.get("area_km2")),
            }
            township = existing.get(row["code"])
            if township is None:
                township = Township.objects.create(county=county, code=row["code"], **values)
                self._count("created", "township")
            else:
                self._save_changes(township, values, "township")
            self.townships[township.code] = township

        existing = {d.code: d for d in Department.objects.filter(county=county)}
        aliases = set(
            DepartmentAlias.objects.filter(department__county=county).values_list(
                "department__code", "name"
            )
        )
        self.departments = {}
        new_aliases = []
        for row in data["departments"]:
            values = {"name": row["name"], "short_name": row.get("short_name", ""), "kind": row["kind"]}
            department = existing.get(row["code"])
            if department is None:
                department = Department.objects.create(county=county, code=row["code"], **values)
                self._count("created", "department")
            else:
                self._save_changes(department, values, "department")
            self.departments[department.code] = department
            for alias in row.get("aliases", []):
                if (department.code, alias) not in aliases:
                    new_aliases.append(DepartmentAlias(department=department, name=alias))
        DepartmentAlias.objects.bulk_create(new_aliases)
        self.result.created["department alias"] += len(new_aliases)

    def township(self, code: str) -> Township:
        try:
            return self.townships[code]
        except KeyError:
            raise self._unknown(_("township"), code) from None

    def department(self, code: str | None) -> Department | None:
        if code is None:
            return None
        try:
            return self.departments[code]
        except KeyError:
            raise self._unknown(_("department"), code) from None

    # -- accounts

    def _hash(self) -> str:
        if self._password_hash is None:
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    def load_users(self):
        User = get_user_model()
        county = self.county
        wanted = [(OFFICE_USERNAME, Profile.Role.OFFICE, None, None, self.office_name)]
        wanted += [
            (department_username(code), Profile.Role.DEPARTMENT, d, None, d.name)
            for code, d in self.departments.items()
        ]
        wanted += [
            (township_username(code), Profile.Role.TOWNSHIP, None, t, t.name)
            for code, t in self.townships.items()
        ]
        usernames = [w[0] for w in wanted]
        existing = {u.username: u for u in User.objects.filter(username__in=usernames)}
        profiles = {p.user_id: p for p in Profile.objects.filter(user__in=existing.values())}

        # Checking a password hash is slow on purpose: check each distinct hash once.
        hash_ok: dict[str, bool] = {}
        for user in existing.values():
            if user.password not in hash_ok:
                hash_ok[user.password] = user.check_password(DEMO_PASSWORD)

        try:
            from townships import access
        except ImportError:  # pragma: no cover
            access = None
        ensure_groups = getattr(access, "ensure_groups", None)
        sync_user_group = getattr(access, "sync_user_group", None)
        if ensure_groups:
            ensure_groups()

        for username, role, department, township, unit in wanted:
            staff = role == Profile.Role.OFFICE
            user = existing.get(username)
            if user is None:
                validate_password(DEMO_PASSWORD, User(username=username))
                user = User(username=username, first_name=unit[:150], is_staff=staff, is_active=True)
                user.password = self._hash()
                user.save()
                self._count("created", "user")
            else:
                values = {"first_name": unit[:150], "is_staff": staff, "is_active": True}
                diff = _changes(user, values)
                if not hash_ok.get(user.password, False):
                    diff["password"] = self._hash()
                if diff:
                    for key, value in diff.items():
                        setattr(user, key, value)
                    user.save()
                    self._count("updated", "user")
                else:
                    self._count("unchanged", "user")
            profile_values = {
                "role": role,
                "county_id": county.pk if role == Profile.Role.OFFICE else None,
                "department_id": department.pk if department else None,
                "township_id": township.pk if township else None,
            }
            profile = profiles.get(user.pk)
            if profile is None:
                Profile.objects.create(user=user, **profile_values)
                self._count("created", "profile")
            elif _changes(profile, profile_values):
                for key, value in profile_values.items():
                    setattr(profile, key, value)
                profile.save()
                self._count("updated", "profile")
            if sync_user_group:
                sync_user_group(user)
            if staff and not ensure_groups:
                perms = set(
                    Permission.objects.filter(
                        content_type__app_label__in=["townships", "duties", "delegations"]
                    ).values_list("pk", flat=True)
                )
                if set(user.user_permissions.values_list("pk", flat=True)) != perms:
                    user.user_permissions.set(perms)
            self.users[(role, department.code if department else township.code if township else "")] = user
            if staff:
                self.office = user
            self.result.logins.append(Login(username, Profile.Role(role).label, unit))

    def department_user(self, code: str):
        return self.users.get((Profile.Role.DEPARTMENT, code))

    def township_user(self, code: str):
        return self.users.get((Profile.Role.TOWNSHIP, code))

    # -- catalog

    def load_catalog(self, data: dict):
        stages = data.get("responsibility_stages", {})
        cases = data.get("accountability_cases", {})
        recorded = _at(_date(data.get("recorded_on")), _MORNING)
        existing = {i.code: i for i in DutyItem.objects.filter(county=self.county)}
        new = []
        self.items = {}
        self.reclassifications = []

        def values_of(row, category):
            department = self.department(row.get("department"))
            return {
                "name": row["name"],
                "sub_item": row.get("sub_item", ""),
                "category": category,
                "legal_basis": row.get("legal_basis", ""),
                "department_id": department.pk if department else None,
                "responsibility_stages": row.get(
                    "responsibility_stages", stages.get(category, "")
                ),
                "accountability_cases": row.get("accountability_cases", cases.get(category, "")),
            }

        for row in data["items"]:
            values = values_of(row, row["category"])
            item = existing.get(row["code"])
            if item is None:
                # A reclassified item starts under its former category; the revision that
                # changed it comes after the delegations (``reclassify``).
                former = row.get("reclassified")
                if former:
                    self.reclassifications.append((row["code"], values, former))
                    values = values_of(row, former["from"])
                item = DutyItem(county=self.county, code=row["code"], **values)
                new.append(item)
            else:
                self._save_changes(item, values, "duty item")
            self.items[row["code"]] = item
        if new:
            created = bulk_create_with_history(
                new,
                DutyItem,
                default_user=self.office,
                default_change_reason=self.reason,
                default_date=recorded,
            )
            for item in created:
                self.items[item.code] = item
            self.result.created["duty item"] += len(created)

    def reclassify(self):
        """The list revisions that changed the category of catalog items, each dated the day
        it took effect (only for items created in this run: later runs see them changed)."""
        for code, values, former in self.reclassifications:
            item = self.items[code]
            item.refresh_from_db()
            for key, value in values.items():
                setattr(item, key, value)
            item._change_reason = former.get("reason") or self.reason
            item._history_user = self.office
            item._history_date = _at(_date(former["on"]), _MORNING)
            item.save()

    def item(self, code: str | None) -> DutyItem | None:
        if code is None:
            return None
        try:
            return self.items[code]
        except KeyError:
            raise self._unknown(_("duty item"), code) from None

    # -- delegations

    def _relative(self, value, anchor: datetime.date) -> datetime.date | None:
        if isinstance(value, str):
            match = _RELATIVE_RE.match(value)
            if match:
                n = int(match.group(1) or 0)
                if match.group(2):
                    return add_working_days(anchor, n)
                return anchor + datetime.timedelta(days=n)
        return _date(value)

    def _moment(self, day: datetime.date | None, time: datetime.time) -> datetime.datetime | None:
        """``day`` at ``time`` (China time), never later than now (a step dated ``load_day``
        is taken when the demo is loaded)."""
        moment = _at(day, time)
        return None if moment is None else min(moment, timezone.now())

    def _request(self, row: dict, anchor: datetime.date, refs: dict) -> lifecycle.Request:
        day = lambda key: self._relative(row.get(key), anchor)  # noqa: E731
        derived = row.get("derived_from")
        if derived and derived not in refs:
            raise self._unknown(_("delegation"), derived)
        return lifecycle.Request(
            department=self.department(row["department"]),
            duty_items=[self.item(code) for code in row["items"]],
            townships=[self.township(code) for code in row["townships"]],
            fields={
                "mode": row["mode"],
                "reason": row["reason"] + REF_MARK.format(ref=row["ref"]),
                "legal_basis": row.get("legal_basis", ""),
                "provincial_decision": row.get("provincial_decision", ""),
                "agreement_scope": row.get("agreement_scope", ""),
                "agreement_powers": row.get("agreement_powers", ""),
                "agreement_term_end": day("agreement_term_end"),
                "published_on": day("published_on"),
                "staff_posts": row.get("staff_posts", 0),
                "funding_wan_yuan": _decimal(row.get("funding_wan_yuan", 0)),
                "support_measures": row.get("support_measures", ""),
                "effective_from": day("effective_from"),
                "effective_to": day("effective_to"),
                "derived_from": refs[derived] if derived else None,
            },
        )

    def _life(self, row: dict, anchor: datetime.date) -> lifecycle.Life:
        """The steps of the row, dated: created 09:00, submitted 10:00, opinions 11:00,
        responses 15:00, legality review 09:00 and decision 16:00 of the decision day,
        revocation recorded 09:00."""
        day = lambda key: self._relative(row.get(key), anchor)  # noqa: E731
        created = day("created_on") or anchor
        revocation = row.get("revocation", {})
        decided = day("decided_on")
        return lifecycle.Life(
            state=row["state"],
            created_at=self._moment(created, _MORNING),
            submitted_at=self._moment(day("submitted_on"), _SUBMIT_TIME),
            opinions=[
                lifecycle.Opinion(
                    township=self.township(o["township"]),
                    opinion=o["opinion"],
                    text=o.get("text", ""),
                    at=self._moment(self._relative(o.get("given_on"), anchor), _OPINION_TIME),
                    response=o.get("response", ""),
                    response_at=self._moment(
                        self._relative(o.get("response_on"), anchor), _RESPONSE_TIME
                    ),
                )
                for o in row.get("opinions", [])
            ],
            legal_review=row.get("legal_review", Delegation.LegalReview.PENDING),
            legal_review_note=row.get("legal_review_note", ""),
            reviewed_at=self._moment(day("reviewed_on") or decided, _MORNING),
            decided_at=self._moment(decided, _DECISION_TIME),
            decision_no=row.get("decision_no", "") or "",
            decision_note=row.get("decision_note", ""),
            withdrawn_at=self._moment(day("withdrawn_on"), _DECISION_TIME),
            revoked_on=day("revoked_on"),
            revoked_at=self._moment(
                self._relative(revocation.get("recorded_on"), anchor) or day("revoked_on"),
                _MORNING,
            ),
            revocation_reason=revocation.get("reason", ""),
            revocation_document_no=revocation.get("document_no", ""),
        )

    def load_delegations(self, rows: list[dict]):
        """Each delegation through the workflow (``demo.lifecycle``): filed by its
        department, opinions by the townships, review and decision by the office, each on
        its day. An existing one is walked on from where it stands; one that recorded
        something the data no longer says is an error (decisions are not rewritten)."""
        existing = {}
        for delegation in Delegation.objects.filter(department__county=self.county):
            ref = delegation_ref(delegation)
            if ref:
                existing[ref] = delegation
        actors = _Actors(self)
        self.delegations: dict[str, Delegation] = {}
        self.new_delegations: set[str] = set()
        for row in rows:
            ref = row["ref"]
            delegation = existing.get(ref)
            anchor = timezone.localdate(delegation.created_at) if delegation else self.today
            request = self._request(row, anchor, self.delegations)
            life = self._life(row, anchor)
            try:
                if delegation is None:
                    delegation = lifecycle.file(actors, request, life)
                    self.new_delegations.add(ref)
                    self._count("created", "delegation")
                else:
                    changed = self._update_request(delegation, request, ref)
                    problems = lifecycle.differences(delegation, life)
                    if problems:
                        raise DemoDataError(
                            _("Demo data: delegation %(ref)s was recorded differently "
                              "(%(fields)s); decided delegations are not rewritten. Load "
                              "the demo into a fresh database.")
                            % {"ref": ref, "fields": ", ".join(problems)}
                        )
                    changed |= lifecycle.advance(actors, delegation, life)
                    self._count("updated" if changed else "unchanged", "delegation")
            except ValidationError as exc:
                raise DemoDataError(
                    _("Demo data: delegation %(ref)s: %(message)s")
                    % {"ref": ref, "message": " ".join(exc.messages)}
                ) from exc
            self.delegations[ref] = delegation

    def _update_request(self, delegation: Delegation, request: lifecycle.Request, ref) -> bool:
        """Bring a draft's fields to the data (``workflow.update_draft``); a submitted
        request's fields cannot change."""
        fields = {
            name: value for name, value in request.fields.items()
            if not _same(getattr(delegation, name), value)
        }
        items = {i.pk for i in request.duty_items}
        townships = {t.pk for t in request.townships}
        if set(delegation.duty_items.values_list("pk", flat=True)) != items:
            fields["duty_items"] = sorted(items)
        if set(delegation.townships.values_list("pk", flat=True)) != townships:
            fields["townships"] = sorted(townships)
        if not fields:
            return False
        if delegation.state != Delegation.State.DRAFT:
            raise DemoDataError(
                _("Demo data: delegation %(ref)s was recorded differently (%(fields)s); only "
                  "a draft can be changed. Load the demo into a fresh database.")
                % {"ref": ref, "fields": ", ".join(sorted(fields))}
            )
        workflow.update_draft(self.department_user(request.department.code), delegation, **fields)
        return True

    # -- lists

    def load_lists(self, data: dict):
        existing = {}
        for entry in (
            ListEntry.objects.filter(item__county=self.county)
            .select_related("item", "delegation")
            .prefetch_related("townships")
        ):
            ref = delegation_ref(entry.delegation) if entry.delegation_id else None
            existing[(entry.kind, entry.item.code, ref)] = entry
        bulk = []
        for kind in ("power", "territorial", "admission", "reclaimed"):
            for row in data.get(kind, []):
                self._load_entry(kind, row, existing, bulk)
        if bulk:
            created = bulk_create_with_history(
                bulk, ListEntry, default_user=self.office, default_change_reason=self.reason
            )
            self.result.created["list entry"] += len(created)

    def _entry_values(self, kind: str, row: dict) -> dict:
        ref = row.get("delegation")
        if ref and ref not in self.delegations:
            raise self._unknown(_("delegation"), ref)
        dept = lambda key: getattr(self.department(row.get(key)), "pk", None)  # noqa: E731
        staff = row.get("staff_posts")
        return {
            "kind": kind,
            "item_id": self.item(row["item"]).pk,
            "all_townships": "townships" not in row,
            "status": row.get("status", ListEntry.Status.PUBLISHED),
            "effective_from": _date(row["effective_from"]),
            "effective_to": _date(row.get("effective_to")),
            "delegation_id": self.delegations[ref].pk if ref else None,
            "document_no": row.get("document_no", ""),
            "notes": row.get("notes", ""),
            "source": row.get("source", ""),
            "handling_office": row.get("handling_office", ""),
            "domain": row.get("domain", ""),
            "lead_department_id": dept("lead_department"),
            "department_duty": row.get("department_duty", ""),
            "township_duty": row.get("township_duty", ""),
            "cooperating_departments": row.get("cooperating_departments", ""),
            "requesting_department_id": dept("requesting_department"),
            "admission_mode": row.get("admission_mode", ""),
            "approval_document": row.get("approval_document", ""),
            "approved_on": _date(row.get("approved_on")),
            "staff_posts": staff,
            "funding_wan_yuan": _decimal(row.get("funding_wan_yuan")),
            "receiving_department_id": dept("receiving_department"),
            "working_method": row.get("working_method", ""),
        }

    def _load_entry(self, kind: str, row: dict, existing: dict, bulk: list):
        values = self._entry_values(kind, row)
        townships = {self.township(code).pk for code in row.get("townships", [])}
        when = _at(values["effective_from"], _MORNING)
        entry = existing.get((kind, row["item"], row.get("delegation")))
        if entry is None:
            entry = ListEntry(**values)
            self._mark(entry, when)
            if townships:
                entry.save()
                entry.townships.set(sorted(townships))
                self._count("created", "list entry")
            else:
                bulk.append(entry)
            return
        # An entry the workflow put on the list in this run is completed as the clerk did
        # once it took effect (not before the step that wrote it); later changes are dated now.
        when = None
        if row.get("delegation") in self.new_delegations:
            latest = entry.history.latest("history_date").history_date
            when = max(_at(values["effective_from"], _MORNING), latest)
        scope_changed = {t.pk for t in entry.townships.all()} != townships
        if scope_changed:
            self._mark(entry, when)
            entry.townships.set(sorted(townships))
        self._save_changes(entry, values, "list entry", when=when, extra_change=scope_changed)

    # -- assignments

    def load_assignments(self, rows: list[dict]):
        existing = {
            a.title: a
            for a in Assignment.objects.filter(department__county=self.county).prefetch_related(
                "townships"
            )
        }
        for row in rows:
            department = self.department(row["department"])
            reporter = row.get("reported_by")
            reporting = self.township(reporter) if reporter else None
            item = self.item(row.get("duty_item"))
            assigned_on = _date(row["assigned_on"])
            author = self.township_user(reporter) if reporter else self.department_user(department.code)
            values = {
                "department_id": department.pk,
                "duty_item_id": item.pk if item else None,
                "channel": row["channel"],
                "responsibility": row.get("responsibility", Assignment.Responsibility.COOPERATE),
                "document_no": row.get("document_no", ""),
                "assigned_on": assigned_on,
                "description": row.get("description", ""),
                "recorded_by": (
                    Assignment.RecordedBy.TOWNSHIP if reporter else Assignment.RecordedBy.DEPARTMENT
                ),
                "reporting_township_id": reporting.pk if reporting else None,
                "created_by_id": getattr(author, "pk", None),
            }
            townships = {self.township(code).pk for code in row["townships"]}
            assignment = existing.get(row["title"])
            if assignment is None:
                assignment = Assignment(title=row["title"], **values)
                self._mark(assignment, _at(assigned_on, _SUBMIT_TIME), author)
                assignment.save()
                assignment.townships.set(sorted(townships))
                Assignment.objects.filter(pk=assignment.pk).update(
                    created_at=_at(assigned_on, _SUBMIT_TIME)
                )
                self._count("created", "assignment")
                continue
            scope_changed = {t.pk for t in assignment.townships.all()} != townships
            if scope_changed:
                self._mark(assignment, None, author)
                assignment.townships.set(sorted(townships))
            self._save_changes(assignment, values, "assignment", user=author, extra_change=scope_changed)
