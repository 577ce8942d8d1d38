"""Deterministic synthetic counties for benchmarks and scale tests (``manage.py generate_data``).

Everything happens in one transaction, and the same seed with the same ``today`` gives the
same data. The rows that are no delegation's life — counties, townships, departments, the
catalog, the county's published lists, the accounts, assignments — are bulk inserts (no
history rows: django-simple-history records saves one by one, and these have no past worth
recording). Delegations are made as production makes them: each goes through
``delegations.workflow`` (``demo.lifecycle``) — filed and submitted by its department's
account, answered by a township, reviewed and decided by the office, withdrawn, revoked —
dated with ``now=``, so their states, list entries and history rows are the workflow's own.

Each county gets townships, departments, a catalog, its four lists, delegations in every
state and mode, and assignments of which a realistic share offload duties, so that every flag
rule production data can break has work: unlisted and reclaimed items, main responsibility
on territorial items, pledges and assessments, unpublished entrustments, approved
delegations whose items a later list revision reclassified (coercion entrusted, penalties
granted without a provincial decision), unfunded and overdue requests, entries left on lists
after their delegation ended, vague territorial duties and duplicate assignments. A
delegation derived from an entrustment (REDELEGATION) cannot be made: the workflow refuses it.

The flag store (``delegations.flags.store``) is filled once per county at the end, in the same
transaction: the workflow's refreshes are gathered by a ``batch``.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from delegations.flags import store as flag_store
from delegations.models import Assignment, CalendarDay, Delegation
from demo import lifecycle
from duties.models import Category, DutyItem, ListEntry, ListKind
from townships.models import County, Department, Profile, Township

OFFICE_USERNAME = "synthetic-office"
REASON_GENERATED = "生成合成数据"


@dataclass(frozen=True)
class Scale:
    counties: int
    townships: int  # per county
    departments: int  # per county
    items: int  # per county
    entries: int  # per county (target, list entries incl. those resting on delegations)
    assignments: int  # per county
    delegations: int  # per county


SCALES = {
    "tiny": Scale(counties=2, townships=4, departments=6, items=80, entries=240, assignments=120, delegations=30),
    "city": Scale(counties=10, townships=20, departments=40, items=1000, entries=12000, assignments=5000, delegations=500),
    "province": Scale(counties=100, townships=20, departments=40, items=1000, entries=12000, assignments=5000, delegations=500),
}

DEPARTMENT_NAMES = [
    "应急管理局", "自然资源局", "农业农村局", "市场监督管理局", "生态环境局", "住房和城乡建设局",
    "综合行政执法局", "卫生健康局", "交通运输局", "水利局", "林业局", "教育局", "民政局",
    "人力资源和社会保障局", "文化和旅游局", "商务局", "财政局", "司法局", "退役军人事务局",
    "医疗保障局", "统计局", "审计局", "发展和改革局", "工业和信息化局", "科学技术局", "公安局",
    "消防救援大队", "气象局", "税务局", "供销合作社", "乡村振兴局", "信访局", "城市管理局",
    "畜牧兽医中心", "能源局", "粮食和物资储备局", "人防办", "地震局", "档案局", "数据局",
]
CATEGORY_WEIGHTS = [
    (Category.PENALTY, 35), (Category.LICENSING, 10), (Category.COERCION, 8),
    (Category.INSPECTION, 15), (Category.PUBLIC_SERVICE, 12), (Category.CONFIRMATION, 5),
    (Category.PAYMENT, 5), (Category.OTHER, 10),
]
CATEGORY_WORDS = {
    Category.PENALTY: "处罚", Category.LICENSING: "许可", Category.COERCION: "强制",
    Category.INSPECTION: "检查", Category.PUBLIC_SERVICE: "服务", Category.CONFIRMATION: "确认",
    Category.PAYMENT: "给付", Category.OTHER: "其他",
}
OBJECTS = ["安全生产", "耕地保护", "食品安全", "河道管理", "森林防火", "燃气安全", "违法建设",
           "秸秆焚烧", "农药经营", "生猪屠宰", "校园周边", "养老服务", "殡葬管理", "渔业资源"]
TASK_WORDS = ["专项整治", "大排查", "百日攻坚", "督导检查", "迎检准备", "信息填报", "考核验收"]
GOOD_TOWNSHIP_DUTY = "开展日常巡查，发现问题及时劝阻制止并报告"
VAGUE_TOWNSHIP_DUTIES = ["协调配合", "视情况协调配合", "必要时协调配合、其他工作"]
CHANNELS = [
    (Assignment.Channel.NOTICE, 40), (Assignment.Channel.DOCUMENT, 20),
    (Assignment.Channel.MEETING, 15), (Assignment.Channel.PLEDGE, 8),
    (Assignment.Channel.ASSESSMENT, 7), (Assignment.Channel.TASK_FORCE, 7),
    (Assignment.Channel.OTHER, 3),
]
STATES = [
    ("draft", 4), ("submitted", 14), ("approved", 55), ("rejected", 8), ("withdrawn", 5),
    ("revoked", 14),
]
MODES = [("assign", 45), ("entrust", 35), ("grant", 20)]
ENFORCEMENT_BUREAU = DEPARTMENT_NAMES.index("综合行政执法局")


class Generator:
    def __init__(self, scale: Scale, seed: int, today: datetime.date):
        self.scale = scale
        self.rng = random.Random(seed)
        self.today = today
        self.stats: dict[str, int] = {}

    # --- helpers ---------------------------------------------------------------------
    def pick(self, weighted):
        values, weights = zip(*weighted)
        return self.rng.choices(values, weights)[0]

    def day_before(self, max_days: int, min_days: int = 0) -> datetime.date:
        return self.today - datetime.timedelta(days=self.rng.randint(min_days, max_days))

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    # --- the whole run -----------------------------------------------------------------
    def run(self) -> dict[str, int]:
        counties = [
            County(code=f"{700000 + (c // 15) * 100 + c % 15 + 1:06d}", name=f"合成{c + 1}县",
                   prefecture=f"合成{c // 15 + 1}市", province="合成省")
            for c in range(self.scale.counties)
        ]
        if County.objects.filter(code__in=[c.code for c in counties]).exists():
            raise ValueError("synthetic counties already exist in this database")
        with transaction.atomic(), flag_store.batch(reason=REASON_GENERATED):
            counties = County.objects.bulk_create(counties)
            self._calendar()
            self.office = self._office()
            for county in counties:
                self._county(county)
            self._analyze()
            # The flag store of each county once, at the end (the workflow's steps are
            # gathered by the batch into these refreshes).
            for county in counties:
                flag_store.refresh(county=county)
        self._analyze()
        return {
            "counties": County.objects.filter(pk__in=[c.pk for c in counties]).count(),
            "townships": Township.objects.filter(county__in=counties).count(),
            "departments": Department.objects.filter(county__in=counties).count(),
            "duty_items": DutyItem.objects.filter(county__in=counties).count(),
            "list_entries": ListEntry.objects.filter(item__county__in=counties).count(),
            "assignments": Assignment.objects.filter(department__county__in=counties).count(),
            "delegations": Delegation.objects.filter(department__county__in=counties).count(),
        }

    @staticmethod
    def _analyze():
        """Statistics for the query planner after a bulk load."""
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def _calendar(self):
        days = []
        for year in (self.today.year - 2, self.today.year - 1, self.today.year):
            days += [(datetime.date(year, 1, 1), "元旦")]
            days += [(datetime.date(year, 5, d), "劳动节") for d in range(1, 6)]
            days += [(datetime.date(year, 10, d), "国庆节") for d in range(1, 8)]
        CalendarDay.objects.bulk_create(
            [CalendarDay(date=d, kind=CalendarDay.Kind.HOLIDAY, name=n) for d, n in days],
            ignore_conflicts=True,
        )

    def _county(self, county: County):
        s, rng = self.scale, self.rng
        townships = Township.objects.bulk_create(
            [Township(county=county, code=f"{county.code}{101 + t:03d}", name=f"合成{t + 1}镇",
                      population=rng.randint(8000, 90000))
             for t in range(s.townships)]
        )
        names = [DEPARTMENT_NAMES[d % len(DEPARTMENT_NAMES)] + ("" if d < len(DEPARTMENT_NAMES)
                 else f"{d // len(DEPARTMENT_NAMES) + 1}") for d in range(s.departments)]
        departments = Department.objects.bulk_create(
            [Department(county=county, code=f"{county.code}D{d + 1:03d}", name=f"{county.name}{name}",
                        short_name=name)
             for d, name in enumerate(names)]
        )
        # 综合行政执法局 holds most penalty powers (乡镇综合执法改革) and hands them down in
        # batches: the batch delegations below are its own.
        bureau = departments[ENFORCEMENT_BUREAU % len(departments)]
        items = []
        for n in range(s.items):
            category = self.pick(CATEGORY_WEIGHTS)
            owner = None if self.chance(0.08) else rng.choice(departments)
            if category == Category.PENALTY and self.chance(0.6):
                owner = bureau
            items.append(DutyItem(
                county=county, code=f"{county.code}-{n + 1:05d}",
                name=f"{OBJECTS[n % len(OBJECTS)]}{CATEGORY_WORDS[category]}事项{n + 1:05d}",
                category=category, department=owner, legal_basis="《合成法规》第十条",
            ))
        items = DutyItem.objects.bulk_create(items)
        rng.shuffle(items)
        # The county's lists: disjoint slices of the catalog; the rest is the "pool" of items
        # on no list (delegations draw from it; assignments of it are offloading).
        n = len(items)
        cut = [0, int(n * 0.25), int(n * 0.45), int(n * 0.60), int(n * 0.63)]
        power, territorial, reclaimed, admission = (items[cut[i]:cut[i + 1]] for i in range(4))
        pool = items[cut[4]:]
        entries, scopes = [], []

        def scope(entry, named):
            entries.append(entry)
            scopes.append(named)

        for item in power:
            named = rng.sample(townships, rng.randint(1, min(5, len(townships)))) if self.chance(0.1) else None
            scope(self._entry(ListKind.POWER, item, source="statutory", named=named), named)
        for item in territorial:
            duty = GOOD_TOWNSHIP_DUTY
            if self.chance(0.06):
                duty = rng.choice(VAGUE_TOWNSHIP_DUTIES)
            scope(self._entry(ListKind.TERRITORIAL, item, lead_department=item.department or departments[0],
                              department_duty="" if self.chance(0.03) else "负责行业监管和执法",
                              township_duty=duty), None)
        for item in reclaimed:
            scope(self._entry(ListKind.RECLAIMED, item, receiving_department=item.department or departments[0],
                              working_method="部门直接实施"), None)
        for item in admission:
            scope(self._entry(ListKind.ADMISSION, item, requesting_department=item.department or departments[0],
                              admission_mode="assign", approval_document=f"{county.name}委〔2024〕{rng.randint(1, 99)}号",
                              staff_posts=1, funding_wan_yuan=5), None)

        # The county's published lists first: the workflow reads them when it decides.
        entries = ListEntry.objects.bulk_create(entries, batch_size=500)
        self._scope(entries, scopes)
        actors = _Actors(self.office, self._accounts(departments, townships))
        reclaimed_ids = {i.pk for i in reclaimed}
        bureau_items = [i for i in items if i.department_id == bureau.pk and i.pk not in reclaimed_ids]
        delegations = self._delegations(county, departments, townships, pool, len(entries), bureau,
                                        bureau_items, actors)
        self._assignments(departments, townships, power, territorial, reclaimed, admission, pool,
                          delegations)

    def _scope(self, entries, scopes):
        through = ListEntry.townships.through
        through.objects.bulk_create(
            [through(listentry_id=e.pk, township_id=t.pk)
             for e, named in zip(entries, scopes) if named for t in named],
            batch_size=2000,
        )

    def _office(self):
        """The office account every county's decisions are taken by (any county)."""
        user, _created = get_user_model().objects.get_or_create(
            username=OFFICE_USERNAME,
            defaults={"first_name": "合成编办", "is_staff": True, "password": make_password(None)},
        )
        Profile.objects.get_or_create(user=user, defaults={"role": Profile.Role.OFFICE})
        return user

    def _accounts(self, departments, townships) -> dict:
        """One account per department and township (bulk; no usable password):
        ``{("department" | "township", pk): user}``."""
        User = get_user_model()
        units = [(Profile.Role.DEPARTMENT, d) for d in departments]
        units += [(Profile.Role.TOWNSHIP, t) for t in townships]
        names = {f"synthetic-{unit.code.lower()}": (role, unit) for role, unit in units}
        password = make_password(None)
        existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
        User.objects.bulk_create(
            [User(username=name, first_name=unit.name[:150], password=password)
             for name, (_role, unit) in names.items() if name not in existing],
            batch_size=500,
        )
        users = {u.username: u for u in User.objects.filter(username__in=names)}
        Profile.objects.filter(user__in=users.values()).delete()  # accounts of a former run
        Profile.objects.bulk_create(
            [Profile(user=users[name], role=role,
                     department=unit if role == Profile.Role.DEPARTMENT else None,
                     township=unit if role == Profile.Role.TOWNSHIP else None)
             for name, (role, unit) in names.items()],
            batch_size=500,
        )
        return {(role, unit.pk): users[name] for name, (role, unit) in names.items()}

    def _entry(self, kind, item, named=None, **fields):
        effective_from = self.day_before(1500, 800)
        effective_to = None
        status = ListEntry.Status.PUBLISHED
        if self.chance(0.02):
            status = ListEntry.Status.DRAFT
        elif self.chance(0.03):
            effective_to = self.day_before(400, 30)
        return ListEntry(kind=kind, item=item, all_townships=named is None, status=status,
                         effective_from=effective_from, effective_to=effective_to,
                         document_no=f"合成编〔{effective_from.year}〕{self.rng.randint(1, 50)}号",
                         **fields)

    # --- delegations -------------------------------------------------------------------
    def _at(self, day: datetime.date, hour: int) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

    def _delegations(self, county, departments, townships, pool, listed_entries, bureau,
                     bureau_items, actors):
        """The county's delegations, each through the workflow; returns
        ``[(delegation, items, townships)]``."""
        s, rng = self.scale, self.rng
        wanted_entries = max(0, s.entries - listed_entries)
        specs = []
        for _n in range(s.delegations):
            state = self.pick(STATES)
            mode = self.pick(MODES)
            batch = self.chance(0.2)
            specs.append([state, mode, batch])
        # Size the batch delegations so that approved ones bring the county's lists to
        # ``scale.entries`` entries (a county's batch grant or entrustment of many items).
        with_entries = [sp for sp in specs if sp[0] in ("approved", "revoked")]
        small_items = 3
        batches = [sp for sp in with_entries if sp[2]] or with_entries[:1]
        remaining = wanted_entries - small_items * (len(with_entries) - len(batches))
        batch_size = max(1, min(len(bureau_items), remaining // max(1, len(batches))))
        batch_ids = {id(sp) for sp in batches}

        made, grants, leftovers = [], [], []
        self.unpublished = self.undecided = False  # each county has one of each, at least
        for spec in specs:
            state, mode, _batch = spec
            department = rng.choice(departments)
            own = [i for i in pool if i.department_id == department.pk] or pool
            if id(spec) in batch_ids:
                department = bureau
                chosen = rng.sample(bureau_items, min(batch_size, len(bureau_items)))
                chosen_townships = rng.sample(townships, rng.randint(max(1, len(townships) // 4), len(townships)))
            else:
                chosen = rng.sample(own, min(len(own), rng.randint(1, 2 * small_items - 1)))
                if self.chance(0.1):  # an item owned by another department
                    chosen.append(rng.choice(pool))
                chosen_townships = rng.sample(townships, rng.randint(1, min(4, len(townships))))
            chosen = list(dict.fromkeys(chosen))
            fields, life = self._request_and_life(county, state, mode, grants)
            if mode == "entrust":  # 行政强制 cannot be entrusted: the workflow refuses it
                chosen = [i for i in chosen if i.category != Category.COERCION] or [
                    next(i for i in pool if i.category != Category.COERCION)]
            if mode == "grant" and not fields["provincial_decision"]:
                # without a provincial decision, a grant may not hold penalty powers
                chosen = [i for i in chosen if i.category != Category.PENALTY] or [
                    next(i for i in pool if i.category != Category.PENALTY)]
            if state == "submitted":
                life.opinions = self._opinions(chosen_townships)
            request = lifecycle.Request(department, chosen, chosen_townships, fields)
            delegation = lifecycle.file(actors, request, life)
            made.append((delegation, chosen, chosen_townships))
            if mode == "grant" and state in ("approved", "submitted"):
                grants.append(delegation)
            if state == "revoked" and self.chance(0.1) or state in ("submitted", "rejected") and self.chance(0.05):
                leftovers.append((delegation, chosen, chosen_townships))
        self._leftovers(leftovers)
        self._reclassify(made, bureau)
        return made

    def _request_and_life(self, county, state, mode, grants):
        """A request's fields and the steps its life takes, dated around ``today``."""
        rng = self.rng
        effective_from = self.day_before(900, 0)
        effective_to = None if self.chance(0.5) else effective_from + datetime.timedelta(days=rng.randint(200, 1100))
        submitted_on = effective_from - datetime.timedelta(days=rng.randint(20, 60))
        if state == "submitted":  # recent requests: some within their deadline, some past it
            submitted_on = self.day_before(60, 1)
        staff = 0 if self.chance(0.1) else rng.randint(1, 3)
        fields = dict(
            mode=mode, reason="工作需要", legal_basis="《合成法规》", staff_posts=staff,
            funding_wan_yuan=rng.randint(2, 30) if staff else 0,
            effective_from=effective_from, effective_to=effective_to, provincial_decision="",
        )
        if mode == "entrust":  # the written agreement; a tenth are never published
            fields.update(agreement_scope="乡镇辖区内", agreement_powers="检查、责令改正、罚款",
                          agreement_term_end=effective_to or effective_from + datetime.timedelta(days=1095))
            current = state == "approved" and effective_to is None
            if self.chance(0.9) and (self.unpublished or not current):
                fields["published_on"] = effective_from
            self.unpublished |= current and not fields.get("published_on")
        if mode == "grant":
            fields["published_on"] = effective_from
            live = state in ("approved", "submitted") and effective_to is None
            if self.chance(0.8) and (self.undecided or not live):
                fields["provincial_decision"] = "合成省政府〔2021〕12号"
            self.undecided |= live and not fields["provincial_decision"]
        if grants and state in ("approved", "submitted") and self.chance(0.03):
            fields["derived_from"] = rng.choice(grants)  # the department holds it by a grant
        submitted = self._at(submitted_on, 10)
        decided = submitted + datetime.timedelta(days=10, hours=6)
        review = "passed" if state in ("approved", "revoked") or self.chance(0.3) else "pending"
        decision_no = ""
        if state in ("approved", "revoked"):
            decision_no = f"{county.name}委〔{effective_from.year}〕{rng.randint(1, 99)}号"
        review_note = ""
        if state == "rejected":  # half of them after a failed legality review
            failed = self.chance(0.5)
            review, review_note = ("failed", "缺乏上位法依据") if failed else ("pending", "")
        revocation = {}
        if state == "revoked":
            day = min(self.today, effective_from + datetime.timedelta(days=rng.randint(30, 400)))
            revocation = dict(
                revoked_on=day, revoked_at=max(self._at(day, 9), decided),
                revocation_reason="职责调整",
                revocation_document_no=f"{county.name}编〔{day.year}〕{rng.randint(1, 99)}号",
            )
        life = lifecycle.Life(
            state=state,
            created_at=submitted - datetime.timedelta(days=2),
            submitted_at=submitted,
            legal_review=review,
            legal_review_note=review_note,
            reviewed_at=decided - datetime.timedelta(hours=6),
            decided_at=decided,
            decision_no=decision_no,
            decision_note="不符合准入条件" if state == "rejected" else "",
            withdrawn_at=submitted + datetime.timedelta(days=5),
            **revocation,
        )
        return fields, life

    def _opinions(self, townships) -> list:
        """The first townships' opinions on a request under review; a quarter object."""
        opinions = []
        for township in townships[:2]:
            if self.chance(0.4):
                objects = self.chance(0.25)
                opinions.append(lifecycle.Opinion(
                    township, "object" if objects else "agree", "人手和经费不足" if objects else ""))
        return opinions

    def _leftovers(self, leftovers):
        """Entries that outlive their delegation: a revoked one's entries a clerk left open,
        and entries put on the lists before a request was decided (or after it was rejected)."""
        reopened, early, scopes = [], [], []
        for delegation, items, townships in leftovers:
            if delegation.state == "revoked":
                reopened.append(delegation.pk)
                continue
            kind = ListKind.ADMISSION if delegation.mode == "assign" else ListKind.POWER
            for item in items:
                fields = dict(kind=kind, item=item, all_townships=False, delegation=delegation,
                              effective_from=delegation.effective_from,
                              effective_to=delegation.effective_to, document_no="合成编〔2025〕1号")
                if kind == ListKind.ADMISSION:
                    fields.update(requesting_department=delegation.department, admission_mode="assign",
                                  approval_document="合成编〔2025〕1号")
                else:
                    fields["source"] = "entrusted" if delegation.mode == "entrust" else "granted"
                early.append(ListEntry(**fields))
                scopes.append(townships)
        for delegation in Delegation.objects.filter(pk__in=reopened):
            ListEntry.objects.filter(delegation=delegation).update(effective_to=delegation.effective_to)
        self._scope(ListEntry.objects.bulk_create(early, batch_size=500), scopes)

    def _reclassify(self, made, bureau):
        """A list revision after the decisions: an item of a few live small entrustments turns
        out to be 行政强制, and of a few live grants without a provincial decision 行政处罚
        (the rules catch the approvals the revision put in the wrong). Items of the
        enforcement bureau's batches are left alone: one of them sits in dozens of them."""
        coercion, penalty = set(), set()
        for delegation, items, _townships in made:
            if (delegation.state not in ("submitted", "approved") or delegation.effective_to
                    or delegation.department_id == bureau.pk):
                continue
            own = [i for i in items if i.department_id != bureau.pk]
            if not own:
                continue
            if delegation.mode == "entrust" and (not coercion or self.chance(0.1)):
                coercion.add(own[0].pk)
            elif (delegation.mode == "grant" and not delegation.provincial_decision
                  and (not penalty or self.chance(0.5))):
                penalty.add(own[0].pk)
        DutyItem.objects.filter(pk__in=coercion).update(category=Category.COERCION)
        DutyItem.objects.filter(pk__in=penalty - coercion).update(category=Category.PENALTY)

    # --- assignments -------------------------------------------------------------------
    def _assignments(self, departments, townships, power, territorial, reclaimed, admission, pool,
                     delegations):
        s, rng = self.scale, self.rng
        delegated = [(d, its, ts) for d, its, ts in delegations if d.state in ("approved", "revoked")]
        kinds = [("power", 42), ("territorial", 12), ("reclaimed", 6), ("admission", 5),
                 ("pool", 8), ("delegated", 10), ("task", 12), ("task_named", 3), ("duplicate", 2)]
        objects, township_sets = [], []
        for n in range(s.assignments):
            kind = self.pick(kinds)
            if kind == "duplicate" and objects:
                original = rng.randrange(len(objects))
                other = objects[original]
                department = rng.choice([d for d in departments if d.pk != other.department_id] or departments)
                t = other.title
                title = rng.choice([t, f"{t[:2]} {t[2:]}", t.replace("的", "的，", 1)])
                objects.append(Assignment(
                    department=department, title=title, duty_item=other.duty_item,
                    channel=self.pick(CHANNELS), responsibility=other.responsibility,
                    assigned_on=other.assigned_on + datetime.timedelta(days=rng.randint(-60, 60)),
                    document_no=f"合成文〔2025〕{n}号"))
                township_sets.append(township_sets[original])
                continue
            item = None
            ts = None
            if kind in ("power", "territorial", "reclaimed", "admission", "pool"):
                item = rng.choice({"power": power, "territorial": territorial, "reclaimed": reclaimed,
                                   "admission": admission, "pool": pool}[kind])
            elif kind == "delegated" and delegated:
                delegation, its, dts = rng.choice(delegated)
                item = rng.choice(its)
                ts = rng.sample(dts, rng.randint(1, len(dts)))
            if item is not None and item.department_id and self.chance(0.85):
                department = next(d for d in departments if d.pk == item.department_id)
            else:
                department = rng.choice(departments)
            if kind == "task_named":
                title = rng.choice(power).name
            elif item is not None:
                title = f"关于做好{item.name}工作的通知"
            else:
                title = f"{rng.choice(OBJECTS)}{rng.choice(TASK_WORDS)}{n % 97}"
            if ts is None:
                r = rng.random()
                ts = ([rng.choice(townships)] if r < 0.6 else
                      rng.sample(townships, min(len(townships), rng.randint(2, 3))) if r < 0.92 else
                      list(townships))
            responsibility = "main" if (kind == "territorial" and self.chance(0.3)) or self.chance(0.05) else "cooperate"
            objects.append(Assignment(
                department=department, title=title[:300], duty_item=item, channel=self.pick(CHANNELS),
                responsibility=responsibility, assigned_on=self.day_before(730),
                document_no=f"合成文〔2025〕{n}号"))
            township_sets.append(ts)
        objects = Assignment.objects.bulk_create(objects, batch_size=500)
        through = Assignment.townships.through
        through.objects.bulk_create(
            [through(assignment_id=a.pk, township_id=t.pk) for a, ts in zip(objects, township_sets) for t in ts],
            batch_size=2000,
        )


class _Actors:
    """The generator's accounts as ``demo.lifecycle`` asks for them."""

    def __init__(self, office, accounts: dict):
        self.office = office
        self.accounts = accounts

    def department_user(self, department):
        return self.accounts[(Profile.Role.DEPARTMENT, department.pk)]

    def township_user(self, township):
        return self.accounts[(Profile.Role.TOWNSHIP, township.pk)]


def generate(scale: str | Scale = "tiny", seed: int = 1, today: datetime.date | None = None) -> dict:
    """Build one synthetic data set; returns the row counts per model."""
    if isinstance(scale, str):
        if scale not in SCALES:
            raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
        scale = SCALES[scale]
    return Generator(scale, seed, today or timezone.localdate()).run()
