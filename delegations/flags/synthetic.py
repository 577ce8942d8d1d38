"""Deterministic synthetic counties for benchmarks and scale tests (``manage.py generate_data``).

Everything is built with ``bulk_create`` in one transaction: no history rows are written
(django-simple-history records saves, and bulk inserts do not save one by one; synthetic data
has no past worth recording). The same seed and the same ``today`` give the same data.

Each county gets townships, departments, a catalog, its four lists, delegations in every
state and mode, and assignments of which a realistic share offload duties, so that every flag
rule has work: unlisted and reclaimed items, main responsibility on territorial items, pledges
and assessments, entrustments without agreements, coercion entrusted, grants without a
provincial decision, re-entrustment, unfunded and overdue requests, entries left on lists
after their delegation ended, vague territorial duties and duplicate assignments.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from delegations.models import Assignment, CalendarDay, Delegation
from duties.models import Category, DutyItem, ListEntry, ListKind
from townships.models import County, Department, Township


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
        with transaction.atomic():
            counties = County.objects.bulk_create(counties)
            self._calendar()
            for county in counties:
                self._county(county)
        with connection.cursor() as cursor:  # statistics for the query planner after a bulk load
            cursor.execute("ANALYZE")
        return {
            "counties": County.objects.filter(pk__in=[c.pk for c in counties]).count(),
            "townships": Township.objects.filter(county__in=counties).count(),
            "departments": Department.objects.filter(county__in=counties).count(),
            "duty_items": DutyItem.objects.filter(county__in=counties).count(),
            "list_entries": ListEntry.objects.filter(item__county__in=counties).count(),
            "assignments": Assignment.objects.filter(department__county__in=counties).count(),
            "delegations": Delegation.objects.filter(department__county__in=counties).count(),
        }

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

        delegations = self._delegations(county, departments, townships, pool, power, scope, len(entries),
                                        bureau, [i for i in items if i.department_id == bureau.pk])
        entries = ListEntry.objects.bulk_create(entries, batch_size=500)
        through = ListEntry.townships.through
        through.objects.bulk_create(
            [through(listentry_id=e.pk, township_id=t.pk)
             for e, named in zip(entries, scopes) if named for t in named],
            batch_size=2000,
        )
        self._assignments(departments, townships, power, territorial, reclaimed, admission, pool,
                          delegations)

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
    def _delegations(self, county, departments, townships, pool, power, scope, listed_entries,
                     bureau, bureau_items):
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
        objects, item_sets, township_sets = [], [], []
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
            effective_from = self.day_before(900, 0)
            effective_to = None if self.chance(0.5) else effective_from + datetime.timedelta(days=rng.randint(200, 1100))
            submitted = timezone.make_aware(datetime.datetime.combine(
                effective_from - datetime.timedelta(days=rng.randint(20, 60)), datetime.time(10)))
            fields = dict(
                department=department, mode=mode, reason="工作需要", legal_basis="《合成法规》",
                staff_posts=0 if self.chance(0.1) else rng.randint(1, 3),
                funding_wan_yuan=0, effective_from=effective_from, effective_to=effective_to,
                submitted_at=None if state == "draft" else submitted,
            )
            if fields["staff_posts"]:
                fields["funding_wan_yuan"] = rng.randint(2, 30)
            if mode == "entrust" and not self.chance(0.15):
                fields.update(agreement_scope="乡镇辖区内", agreement_powers="检查、责令改正、罚款",
                              agreement_term_end=effective_to or effective_from + datetime.timedelta(days=1095))
            if mode == "entrust" and not self.chance(0.1) or mode == "grant":
                fields["published_on"] = effective_from
            if mode == "grant" and not self.chance(0.2):
                fields["provincial_decision"] = "合成省政府〔2021〕12号"
            if state == "submitted":
                # Recent requests: some still within their deadline, some past it.
                submitted = timezone.make_aware(datetime.datetime.combine(self.day_before(60, 1), datetime.time(10)))
                fields["submitted_at"] = submitted
                fields["deadline"] = None if self.chance(0.1) else submitted.date() + datetime.timedelta(days=21)
            if state in ("approved", "rejected", "revoked"):
                fields["decided_at"] = submitted + datetime.timedelta(days=10)
            if state in ("approved", "revoked"):
                fields["decision_no"] = f"{county.name}委〔{effective_from.year}〕{rng.randint(1, 99)}号"
            objects.append(Delegation(state="draft", **fields))
            item_sets.append(chosen)
            township_sets.append(chosen_townships)
        objects = Delegation.objects.bulk_create(objects, batch_size=500)
        entrusts = [d for d in objects if d.mode == "entrust"]
        # Re-entrustment: a few delegations rest on an entrustment the department received.
        live = [d for d, spec in zip(objects, specs) if spec[0] in ("approved", "submitted")]
        for n, delegation in enumerate(d for d in live if entrusts and d is not entrusts[0]):
            if n == 0 or self.chance(0.03):
                delegation.derived_from = entrusts[0]
        items_through = Delegation.duty_items.through
        townships_through = Delegation.townships.through
        items_through.objects.bulk_create(
            [items_through(delegation_id=d.pk, dutyitem_id=i.pk) for d, its in zip(objects, item_sets) for i in its],
            batch_size=2000,
        )
        townships_through.objects.bulk_create(
            [townships_through(delegation_id=d.pk, township_id=t.pk)
             for d, ts in zip(objects, township_sets) for t in ts],
            batch_size=2000,
        )
        for (state, _mode, _batch), delegation in zip(specs, objects):
            delegation.state = state
            if state == "revoked":
                start = delegation.effective_from
                delegation.revoked_on = min(self.today, start + datetime.timedelta(days=self.rng.randint(30, 400)))
        Delegation.objects.bulk_update(objects, ["state", "revoked_on", "derived_from"], batch_size=300)

        # Approved delegations put their items on the townships' lists (as the workflow does);
        # a few entries outlive their delegation or precede its approval.
        for delegation, its, ts in zip(objects, item_sets, township_sets):
            leftover = False
            if delegation.state == "revoked":
                leftover = self.chance(0.1)
            elif delegation.state in ("submitted", "rejected"):
                leftover = self.chance(0.05)
            elif delegation.state != "approved":
                continue
            if delegation.state not in ("approved", "revoked") and not leftover:
                continue
            kind = ListKind.ADMISSION if delegation.mode == "assign" else ListKind.POWER
            end = delegation.effective_to
            if delegation.revoked_on and not leftover:
                end = max(delegation.effective_from, delegation.revoked_on - datetime.timedelta(days=1))
            for item in its:
                fields = dict(kind=kind, item=item, all_townships=False, delegation=delegation,
                              effective_from=delegation.effective_from, effective_to=end,
                              document_no=delegation.decision_no or "合成编〔2025〕1号")
                if kind == ListKind.ADMISSION:
                    fields.update(requesting_department=delegation.department, admission_mode="assign",
                                  approval_document=delegation.decision_no or "合成编〔2025〕1号",
                                  staff_posts=delegation.staff_posts,
                                  funding_wan_yuan=delegation.funding_wan_yuan)
                else:
                    fields["source"] = "entrusted" if delegation.mode == "entrust" else "granted"
                scope(ListEntry(**fields), ts)
        return [(d, its, ts) for d, its, ts in zip(objects, item_sets, township_sets)]

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


def generate(scale: str | Scale = "tiny", seed: int = 1, today: datetime.date | None = None) -> dict:
    """Build one synthetic data set; returns the row counts per model."""
    if isinstance(scale, str):
        if scale not in SCALES:
            raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
        scale = SCALES[scale]
    return Generator(scale, seed, today or timezone.localdate()).run()
