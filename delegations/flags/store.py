"""The flag store: ``Finding`` rows kept equal to what the rules compute, in the transaction of
every write that can change them, and their cases (``delegations.flags.cases``: opened,
reopened and closed as resolved by the data along with the findings).

A write recomputes the scope it touched with the engine (``FlagQuery`` filtered to those
townships, or that county, and to the rules the write can affect; set-based SQL, nothing
decided in Python) and applies the difference to the store: new findings are inserted,
findings whose evidence or codes changed are updated, vanished ones are deleted.

    store.refresh(townships=[t1, t2], rules=store.ASSIGNMENT_RULES, reason="登记交办", user=u)
    store.refresh(county=county, reason="导入 权责清单.xlsx")   # every rule of a county
    with store.batch(reason="导入 …"):                          # many writes, one refresh
        ...

Who calls it: the workflow's steps, assignment recording, the demo loader and the generator
of synthetic data, the Excel imports and the admin saves (each with the reason its history
rows carry; a case closed because its findings vanished names that reason).

Rules that depend on today's date (a delegation running out, an overdue review, a list entry
ending) are brought up to date once a day by ``bring_dates_up_to_date``, which every read of
the store calls first (``StoredFlagQuery``): it refreshes those rules only, and only in the
townships where a date boundary fell since the last day it ran. ``manage.py refresh_flags``
recomputes everything; ``--verify`` lists every difference from a fresh computation
(``differences``).
"""

from __future__ import annotations

import contextvars
import datetime
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Model, Q
from django.utils import timezone

from delegations.flags.engine import FlagQuery, row_facts
from delegations.flags.models import Finding, FlagStoreState
from delegations.flags.registry import RULES, Context, Rule
from duties.excel.bulk import insert_objects

# History reasons of the store's own refreshes (stored data, Chinese like every reason).
REASON_DAILY = "按日更新（依日期判断的规则）"
REASON_FULL = "重新计算全部预警"

STATE_DATES = "dates"
# Past this many days since the last daily refresh, refresh every date-dependent finding
# rather than look for the boundaries that fell in between.
INCREMENTAL_DAYS = 31
CHUNK = 500


# --------------------------------------------------------------------------- rule groups


def _probe_context(today: datetime.date) -> Context:
    cutoff = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    return Context(today=today, overdue_cutoff=cutoff)


def _kinds(rule: Rule) -> set[str]:
    kinds = set()
    for part in rule.rows(_probe_context(datetime.date(2000, 1, 1))).parts:
        if part.late_filters:
            kinds.add("window")
        if part.assignment:
            kinds.add("assignment")
        if part.entry:
            kinds.add("entry")
        if part.delegation:
            kinds.add("delegation")
    return kinds


def _sql(rule: Rule, today: datetime.date) -> list:
    compiled = []
    for part in rule.rows(_probe_context(today)).parts:
        sql, params = part.queryset.query.sql_with_params()
        compiled.append((sql, [str(p) for p in params]))
    return compiled


_GROUPS: dict[str, tuple[str, ...]] = {}


def _tables(rule: Rule) -> str:
    """The SQL of the rule's parts (to see which tables it reads)."""
    return " ".join(sql for sql, _params in _sql(rule, datetime.date(2000, 1, 1)))


def _reads(rule: Rule, *models) -> bool:
    text = _tables(rule)
    names = set()
    for model in models:
        names.add(model._meta.db_table)
        for m2m in model._meta.many_to_many:
            names.add(m2m.remote_field.through._meta.db_table)
    return any(f'"{name}"' in text for name in names)


def _group(name: str) -> tuple[str, ...]:
    """Rule codes by what their rows rest on, read from the rules themselves: ``assignment``,
    ``entry``, ``delegation`` (a part of the rule has such rows), ``window`` (a row depends on
    other rows: window functions), ``reads_delegations`` / ``reads_entries`` (its SQL reads
    delegations or list entries) and ``dated`` (the rule's SQL changes with today's date)."""
    if not _GROUPS:
        from delegations.models import Delegation, Revocation
        from duties.models import ListEntry

        for code, rule in RULES.items():
            kinds = set(_kinds(rule))
            if _reads(rule, Delegation, Revocation):
                kinds.add("reads_delegations")
            if _reads(rule, ListEntry):
                kinds.add("reads_entries")
            for kind in sorted(kinds):
                _GROUPS.setdefault(kind, ())
                _GROUPS[kind] += (code,)
            if _sql(rule, datetime.date(2000, 1, 1)) != _sql(rule, datetime.date(2000, 1, 2)):
                _GROUPS.setdefault("dated", ())
                _GROUPS["dated"] += (code,)
    return _GROUPS.get(name, ())


def assignment_rules() -> tuple[str, ...]:
    """What an assignment's writing can change: the rules on assignments."""
    return _group("assignment")


def window_rules() -> tuple[str, ...]:
    """The rules whose rows compare several rows (an assignment and the township's others)."""
    return _group("window")


def list_rules() -> tuple[str, ...]:
    """What a list entry's writing can change: the rules that read list entries (whether an
    item is listed, and the rules on entries)."""
    return _group("reads_entries")


def delegation_rules() -> tuple[str, ...]:
    """What a workflow step can change: the rules that read delegations, and those that read
    the list entries the step writes or ends."""
    wanted = set(_group("reads_delegations")) | set(_group("reads_entries"))
    return tuple(c for c in RULES if c in wanted)


def township_rules() -> tuple[str, ...]:
    """What a new township can change: county-wide list entries now cover it."""
    return _group("entry")


def dated_rules() -> tuple[str, ...]:
    """The rules whose result depends on today's date."""
    return _group("dated")


# --------------------------------------------------------------------------- batches


@dataclass
class _Pending:
    reason: str = ""
    user: object = None
    now: datetime.datetime | None = None
    everything: bool = False
    counties: set = field(default_factory=set)
    townships: set = field(default_factory=set)
    rules: set = field(default_factory=set)
    # The items every refresh asked for was narrowed to (None: one was not narrowed).
    items: set | None = field(default_factory=set)


_BATCH: contextvars.ContextVar[_Pending | None] = contextvars.ContextVar("flag_batch", default=None)


@contextmanager
def batch(*, reason: str = "", user=None, now=None):
    """Collect the refreshes asked for inside the block and run them once at its end, for
    the union of their scopes and rules (bulk paths: the demo loader, the generator, an
    import of many rows). Use it inside the write's transaction; nothing is refreshed if the
    block raises (the transaction is rolled back anyway)."""
    outer = _BATCH.get()
    if outer is not None:
        yield outer
        return
    pending = _Pending(reason=reason, user=user, now=now)
    token = _BATCH.set(pending)
    try:
        yield pending
    finally:
        _BATCH.reset(token)
    if not (pending.everything or pending.counties or pending.townships):
        return
    rules = [c for c in RULES if c in pending.rules]
    options = dict(rules=rules, reason=pending.reason, user=pending.user, now=pending.now)
    if pending.everything:
        refresh(**options)
        return
    for county in sorted(pending.counties):
        refresh(county=county, **options)
    if pending.townships:
        items = {} if pending.items is None else {"items": sorted(pending.items)}
        refresh(townships=_outside(pending.townships, pending.counties), **options, **items)


def _outside(townships, counties) -> list[int]:
    if not counties:
        return sorted(townships)
    from townships.models import Township

    inside = set(
        Township.objects.filter(pk__in=townships, county_id__in=counties).values_list("pk", flat=True)
    )
    return sorted(set(townships) - inside)


# --------------------------------------------------------------------------- refresh


@dataclass
class Changes:
    """What a refresh did to the store."""

    created: list = field(default_factory=list)  # Finding rows inserted (ids not read back)
    changed: list = field(default_factory=list)  # Finding rows whose evidence changed
    removed: list = field(default_factory=list)  # Finding rows deleted (instances, pk kept)

    def __bool__(self):
        return bool(self.created or self.changed or self.removed)

    def merge(self, other: "Changes") -> "Changes":
        self.created += other.created
        self.changed += other.changed
        self.removed += other.removed
        return self


def _pk(value):
    return value.pk if isinstance(value, Model) else value


def _county_pk(county) -> int:
    """A county given as an instance, a primary key or a code (a string)."""
    if isinstance(county, Model):
        return county.pk
    if isinstance(county, str):
        from townships.models import County

        return County.objects.get(code=county).pk
    return int(county)


def _codes(rules) -> list[str]:
    if rules is None:
        return list(RULES)
    wanted = {r.code if isinstance(r, Rule) else str(r) for r in ([rules] if isinstance(rules, str) else rules)}
    unknown = wanted - set(RULES)
    if unknown:
        raise ValueError(f"unknown rules: {sorted(unknown)}")
    return [c for c in RULES if c in wanted]


def refresh(
    *,
    townships=None,
    county=None,
    rules=None,
    assignments=None,
    items=None,
    reason: str = "",
    user=None,
    now: datetime.datetime | None = None,
    today: datetime.date | None = None,
) -> Changes:
    """Bring the store up to date for ``townships`` (instances or primary keys) or ``county``
    (instance, primary key or code) — everything when neither is given — and for ``rules``
    (codes; default every rule): recompute them with the engine and apply the difference.
    ``assignments`` (instances or ids) narrows the scope to the findings of those assignments,
    ``items`` to the findings of those items and the findings naming no item (a batch keeps
    the items, the union of all its refreshes', when each refresh was narrowed to items; it
    refreshes the whole townships for assignments).

    ``reason`` and ``user`` name the write (the reason its history rows carry); ``now`` is its
    time (default now; a loader of past data passes the day it happened), ``today`` the day
    the rules are judged on (default today, whatever ``now`` is: the store holds today's
    flags). Inside a ``batch`` the refresh is only recorded and runs at the batch's end."""
    codes = _codes(rules)
    if townships is not None and county is not None:
        raise TypeError("refresh() takes townships or county, not both")
    pending = _BATCH.get()
    if pending is not None:
        pending.rules.update(codes)
        pending.reason = pending.reason or reason
        pending.user = pending.user or user
        if townships is None and county is None:
            pending.everything = True
        elif county is not None:
            pending.counties.add(_county_pk(county))
        else:
            pending.townships.update(_pk(t) for t in townships)
        if items is None or pending.items is None:
            pending.items = None
        else:
            pending.items.update(_pk(i) for i in items)
        return Changes()
    if not codes:
        return Changes()
    now = now or timezone.now()
    today = today or timezone.localdate()
    if townships is None and county is None:
        from townships.models import County

        changes = Changes()
        for pk in County.objects.order_by("pk").values_list("pk", flat=True):
            changes.merge(_refresh_scope({"county": pk}, codes, reason, user, now, today))
        return changes
    if county is not None:
        return _refresh_scope({"county": _county_pk(county)}, codes, reason, user, now, today)
    ids = sorted({_pk(t) for t in townships})
    if not ids:
        return Changes()
    extra = {}
    if assignments is not None:
        extra["assignments"] = sorted({_pk(a) for a in assignments})
    if items is not None:
        extra["items"] = sorted({_pk(i) for i in items})
    changes = Changes()
    for start in range(0, len(ids), CHUNK):
        scope = {"townships": ids[start : start + CHUNK], **extra}
        changes.merge(_refresh_scope(scope, codes, reason, user, now, today))
    return changes


def assignment_recorded(assignment, townships, *, reason: str = "", user=None, now=None) -> Changes:
    """After ``assignment`` is recorded for ``townships``: its own findings there (the rules on
    assignments), and the rules comparing a township's assignments (DUPLICATE_ASSIGNMENT) in
    those townships, where the others' findings can change too."""
    window = set(window_rules())
    own = [c for c in assignment_rules() if c not in window]
    changes = refresh(townships=townships, assignments=[assignment], rules=own, reason=reason,
                      user=user, now=now)
    return changes.merge(refresh(townships=townships, rules=[c for c in assignment_rules()
                                                             if c in window],
                                 reason=reason, user=user, now=now))


def delegation_changed(delegation, *, user=None, now=None) -> Changes:
    """After a workflow step on ``delegation`` and the list entries it wrote or ended
    (``delegations.list_entries``): every rule in the townships the step can have changed,
    with the reason the step stamped on the delegation (``delegations.stamps.stamp``).

    Those are the delegation's townships (its own rows), the townships of the list entries
    resting on it (an import may have widened an entry beyond them), and once it is approved
    the townships of the reclaimed entries of its items: an approval that hands a reclaimed
    item back ends that entry for its townships and rewrites the entry (its document number)
    for the others. In them, only the findings of its items can change, and those naming no
    item (its own rows without an item; assignments of a task whose title may now name a
    listed item). A draft has no flags: nothing to do."""
    from delegations.models import Delegation
    from duties.models import ListEntry, ListKind
    from townships.models import Township

    if delegation.state == Delegation.State.DRAFT:
        return Changes()
    towns = set(delegation.townships.values_list("pk", flat=True))
    entries = Q(delegation=delegation)
    if delegation.state in (Delegation.State.APPROVED, Delegation.State.REVOKED):
        entries |= Q(kind=ListKind.RECLAIMED, item__in=delegation.duty_items.values("pk"))
    touched = ListEntry.objects.filter(entries)
    towns |= set(
        ListEntry.townships.through.objects.filter(listentry__in=touched).values_list(
            "township_id", flat=True
        )
    )
    if touched.filter(all_townships=True).exists():
        towns |= set(Township.objects.filter(
            county__departments=delegation.department_id).values_list("pk", flat=True))
    return refresh(
        townships=sorted(towns),
        rules=delegation_rules(),
        items=list(delegation.duty_items.values_list("pk", flat=True)),
        reason=getattr(delegation, "_change_reason", "") or "",
        user=user,
        now=now,
    )


def key_of(rule_code: str, row: dict) -> str:
    """A finding's identity: its rule and the ids of the objects it names (0: none)."""
    return ":".join(
        [rule_code]
        + [str(int(row[c] or 0)) for c in ("f_township", "f_department", "f_item",
                                            "f_assignment", "f_delegation", "f_entry")]
    )


def compute(scope: dict, codes, today) -> dict[str, dict]:
    """What the rules say for ``scope`` (``{"county": pk}`` or ``{"townships": [pk…]}``):
    key → the values a Finding row holds."""
    if "county" in scope:
        query = FlagQuery(county=_county_instance(scope["county"]), rules=codes, today=today)
        counties = _Always(scope["county"])
    else:
        query = FlagQuery(townships=scope["townships"], assignments=scope.get("assignments"),
                          items=scope.get("items"), rules=codes, today=today)
        counties = _counties_of(scope["townships"])
    by_index = {RULES[c].index: RULES[c] for c in codes}
    result = {}
    for row in query.records(ordered=False):
        rule = by_index[row["f_rule"]]
        result[key_of(rule.code, row)] = {
            "rule": rule.code,
            "rule_index": rule.index,
            "severity": rule.severity,
            "county_id": counties[row["f_township"]],
            "township_id": row["f_township"],
            "township_code": row["f_tcode"] or "",
            "department_id": row["f_department"] or None,
            "department_code": row["f_dcode"] or "",
            "duty_item_id": row["f_item"] or None,
            "item_code": row["f_icode"] or "",
            "assignment_pk": row["f_assignment"] or 0,
            "delegation_pk": row["f_delegation"] or 0,
            "entry_pk": row["f_entry"] or 0,
            "facts": row_facts(row),
        }
    return result


def _county_instance(pk):
    from townships.models import County

    return County(pk=pk)


def stored(scope: dict, codes):
    """The store's findings (a queryset) of ``scope`` and ``codes``: by township (a township
    moved to another county takes its findings along; their county is corrected)."""
    from townships.models import Township

    findings = Finding.objects.filter(rule__in=codes)
    if "county" in scope:
        towns = Township.objects.filter(county_id=scope["county"]).values("pk")
        return findings.filter(township_id__in=towns)
    if "assignments" in scope:
        findings = findings.filter(assignment_pk__in=scope["assignments"])
    if "items" in scope:
        findings = findings.filter(Q(duty_item__in=scope["items"]) | Q(duty_item__isnull=True))
    return findings.filter(township_id__in=scope["townships"])


# The values a refresh compares (and rewrites when they differ).
COMPARED = ("county_id", "township_code", "department_code", "item_code", "facts")


def stored_values(scope: dict, codes) -> dict[str, tuple]:
    """key → (pk, case id, *COMPARED) of the stored findings of ``scope`` and ``codes``: plain
    tuples (a county's findings are compared, not turned into model instances)."""
    rows = stored(scope, codes).values_list("key", "pk", "case_id", *COMPARED)
    return {row[0]: row[1:] for row in rows.iterator(chunk_size=5000)}


def _finding(key, row) -> Finding:
    """A stored finding rebuilt from its ``stored_values`` row (for an update or a delete)."""
    pk, case_id, *values = row
    return Finding(pk=pk, key=key, case_id=case_id, **dict(zip(COMPARED, values)))


def _lock(scope):
    """Lock the scope's townships (in primary key order): two writes refreshing the same
    township take turns, the second computing after the first committed (PostgreSQL; SQLite
    runs one writer at a time anyway)."""
    from townships.models import Township

    towns = Township.objects.select_for_update()
    if "county" in scope:
        towns = towns.filter(county_id=scope["county"])
    else:
        towns = towns.filter(pk__in=scope["townships"])
    list(towns.order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def _refresh_scope(scope, codes, reason, user, now, today) -> Changes:
    from delegations.flags import cases

    _lock(scope)
    fresh = compute(scope, codes, today)
    old = stored_values(scope, codes)
    changes = Changes()
    for key, values in fresh.items():
        row = old.pop(key, None)
        if row is None:
            changes.created.append(Finding(key=key, first_seen=now, updated_at=now, **values))
        elif any(kept != values[name] for name, kept in zip(COMPARED, row[2:])):
            finding = _finding(key, row)
            finding.facts_changed = finding.facts != values["facts"]
            for name in COMPARED:
                setattr(finding, name, values[name])
            finding.updated_at = now
            changes.changed.append(finding)
    changes.removed = [_finding(key, row) for key, row in old.items()]
    cases.attach(changes, reason=reason, user=user, now=now)
    _apply(changes)
    cases.settle(changes, reason=reason, user=user, now=now)
    return changes


class _Always(dict):
    """{township: county} when every township of the scope lies in one county."""

    def __init__(self, county):
        super().__init__()
        self.county = county

    def __missing__(self, key):
        return self.county


def _counties_of(township_ids) -> dict[int, int]:
    if not township_ids:
        return {}
    from townships.models import Township

    return dict(Township.objects.filter(pk__in=township_ids).values_list("pk", "county_id"))


def _apply(changes: Changes):
    if changes.removed:
        ids = [f.pk for f in changes.removed]
        for start in range(0, len(ids), CHUNK):
            Finding.objects.filter(pk__in=ids[start : start + CHUNK]).delete()
    if changes.changed:
        Finding.objects.bulk_update(changes.changed, [*COMPARED, "updated_at"], batch_size=CHUNK)
    if changes.created:
        # Plain INSERTs (the importer's lean writer): a county's findings at once cost far
        # less than Django's bulk_create; the new rows' ids are not read back.
        insert_objects(Finding, changes.created)


# --------------------------------------------------------------------------- dates


_CURRENT: dict[str, datetime.date] = {}


def bring_dates_up_to_date(*, now: datetime.datetime | None = None, force=False) -> bool:
    """Bring the date-dependent rules up to date for today, once a day: the first read of
    the day does it (the day is remembered in the database, ``FlagStoreState``, and in this
    process). Only the townships where a date boundary fell since the last run are
    recomputed (a delegation or list entry starting or ending, a revocation taking effect,
    a review deadline passing), every date-dependent finding after a long pause. A store never
    built (after upgrading a database that had data) is built in full. Returns whether it
    refreshed anything."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    alias = connection.alias
    if not force and _CURRENT.get(alias) == today:
        return False
    with transaction.atomic():
        state = FlagStoreState.objects.select_for_update().filter(name=STATE_DATES).first()
        if state is None:
            # A database without the row has never held data the store missed (a new
            # install, or a test database): it is up to date.
            FlagStoreState.objects.create(name=STATE_DATES, day=today)
            _CURRENT[alias] = today
            return False
        if state.day is not None and state.day >= today:
            _CURRENT[alias] = today
            return False
        if state.day is None:
            refresh(reason=REASON_FULL, now=now, today=today)
        elif (today - state.day).days > INCREMENTAL_DAYS:
            refresh(rules=dated_rules(), reason=REASON_DAILY, now=now, today=today)
        else:
            refresh(townships=boundary_townships(state.day, today), rules=dated_rules(),
                    reason=REASON_DAILY, now=now, today=today)
        state.day = today
        state.save(update_fields=["day", "updated_at"])
    _CURRENT[alias] = today
    return True


def mark_built(today: datetime.date):
    """Record that the store was just computed in full for ``today``."""
    FlagStoreState.objects.update_or_create(name=STATE_DATES, defaults={"day": today})
    _CURRENT[connection.alias] = today


def boundary_townships(last: datetime.date, today: datetime.date) -> list[int]:
    """The townships whose date-dependent findings may differ between ``last`` and ``today``:
    those of the delegations that start, end, are revoked or pass their review deadline in
    between (or whose review, without a stored deadline, falls due in between), and those
    of the list entries that start or end in between (every township of the county for a
    county-wide entry)."""
    from delegations.flags.sources import overdue_context
    from delegations.models import Delegation
    from duties.models import ListEntry
    from townships.models import Township

    window = (last, today)
    cutoffs = (overdue_context(last).overdue_cutoff, overdue_context(today).overdue_cutoff)
    delegations = Delegation.objects.filter(
        Q(effective_from__range=window)
        | Q(effective_to__range=window)
        | Q(revoked_on__range=window)
        | Q(deadline__range=window)
        | Q(deadline__isnull=True, submitted_at__range=cutoffs)
    )
    towns = set(
        Delegation.townships.through.objects.filter(delegation__in=delegations).values_list(
            "township_id", flat=True
        )
    )
    entries = ListEntry.objects.filter(Q(effective_from__range=window) | Q(effective_to__range=window))
    towns |= set(
        ListEntry.townships.through.objects.filter(
            listentry__in=entries.filter(all_townships=False)
        ).values_list("township_id", flat=True)
    )
    wide = entries.filter(all_townships=True).values("item__county")
    towns |= set(Township.objects.filter(county__in=wide).values_list("pk", flat=True))
    return sorted(towns)


# --------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class Difference:
    """One way the store differs from a fresh computation."""

    kind: str  # "missing" (computed, not stored), "extra" (stored, not computed), "changed"
    key: str
    detail: str = ""

    def __str__(self):
        return f"{self.kind}: {self.key}{' ' + self.detail if self.detail else ''}"


def differences(*, county=None, now: datetime.datetime | None = None) -> list[Difference]:
    """Every difference between the store and the rules computed afresh (for ``county``, or
    every county), after bringing the date-dependent rules up to date as a read does (at
    ``now``, default now)."""
    from townships.models import County

    bring_dates_up_to_date(now=now)
    today = timezone.localdate(now) if now else timezone.localdate()
    codes = list(RULES)
    counties = [_county_pk(county)] if county is not None else list(
        County.objects.order_by("pk").values_list("pk", flat=True)
    )
    found = []
    for pk in counties:
        scope = {"county": pk}
        fresh = compute(scope, codes, today)
        old = {key: dict(zip(COMPARED, row[2:])) for key, row in stored_values(scope, codes).items()}
        for key in sorted(set(fresh) | set(old)):
            if key not in old:
                found.append(Difference("missing", key))
            elif key not in fresh:
                found.append(Difference("extra", key))
            else:
                changed = [n for n in COMPARED if old[key][n] != fresh[key][n]]
                if changed:
                    found.append(Difference("changed", key, ", ".join(
                        f"{n}: {old[key][n]!r} → {fresh[key][n]!r}" for n in changed
                    )))
    return found
