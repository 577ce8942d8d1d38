"""factory_boy factories for every model; tests build their data with these."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from delegations.models import Assignment, CalendarDay, Delegation, TownshipOpinion
from duties.models import Category, DutyItem, ListEntry, ListKind, PowerSource
from townships.models import County, Department, DepartmentAlias, Profile, Township


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = County
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{990100 + n:06d}")
    name = factory.Sequence(lambda n: f"测试{n}县")


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Township

    county = factory.SubFactory(CountyFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.county.code}{500 + n % 500:03d}")
    name = factory.Sequence(lambda n: f"测试{n}镇")
    kind = Township.Kind.TOWN
    category = Township.Category.GENERAL


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    county = factory.SubFactory(CountyFactory)
    code = factory.Sequence(lambda n: f"D{n:04d}")
    name = factory.Sequence(lambda n: f"测试{n}局")
    kind = Department.Kind.GOVERNMENT


class DepartmentAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DepartmentAlias

    department = factory.SubFactory(DepartmentFactory)
    name = factory.Sequence(lambda n: f"别名{n}")


class DutyItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DutyItem

    county = factory.SubFactory(CountyFactory)
    code = factory.Sequence(lambda n: f"ITEM{n:05d}")
    name = factory.Sequence(lambda n: f"测试事项{n}")
    category = Category.INSPECTION
    legal_basis = "《中华人民共和国安全生产法》"
    department = factory.SubFactory(
        DepartmentFactory, county=factory.SelfAttribute("..county")
    )


class ListEntryFactory(factory.django.DjangoModelFactory):
    """A power-list entry by default; pass kind= and the kind's fields for the others."""

    class Meta:
        model = ListEntry
        skip_postgeneration_save = True

    kind = ListKind.POWER
    item = factory.SubFactory(DutyItemFactory)
    source = factory.LazyAttribute(lambda o: PowerSource.STATUTORY if o.kind == ListKind.POWER else "")
    effective_from = datetime.date(2024, 1, 1)
    lead_department = factory.LazyAttribute(
        lambda o: o.item.department if o.kind == ListKind.TERRITORIAL else None
    )
    department_duty = factory.LazyAttribute(
        lambda o: "负责行业监管，组织开展检查执法" if o.kind == ListKind.TERRITORIAL else ""
    )
    township_duty = factory.LazyAttribute(
        lambda o: "开展日常巡查，发现问题及时劝阻并报告" if o.kind == ListKind.TERRITORIAL else ""
    )
    approval_document = factory.LazyAttribute(
        lambda o: "测县办发〔2024〕1号" if o.kind == ListKind.ADMISSION else ""
    )
    receiving_department = factory.LazyAttribute(
        lambda o: o.item.department if o.kind == ListKind.RECLAIMED else None
    )

    @factory.post_generation
    def townships(self, create, extracted, **kwargs):
        """Pass townships=[...] to scope the entry to them (all_townships becomes False)."""
        if create and extracted:
            self.all_townships = False
            self.save(update_fields=["all_townships"])
            self.townships.set(extracted)


class DelegationFactory(factory.django.DjangoModelFactory):
    """Created as a draft (the database insists), then moved to ``state`` once it has
    items and townships. Pass duty_items=[...] and townships=[...]; by default one item of the
    department and one township of its county are made."""

    class Meta:
        model = Delegation
        skip_postgeneration_save = True

    department = factory.SubFactory(DepartmentFactory)
    mode = Delegation.Mode.ASSIGN
    reason = "工作需要"
    legal_basis = "《中华人民共和国安全生产法》"
    effective_from = datetime.date(2024, 1, 1)
    staff_posts = 1
    funding_wan_yuan = 10

    class Params:
        target_state = Delegation.State.DRAFT

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        state = kwargs.pop("state", Delegation.State.DRAFT)
        obj = super()._create(model_class, *args, state=Delegation.State.DRAFT, **kwargs)
        obj._target_state = state
        return obj

    @factory.post_generation
    def duty_items(self, create, extracted, **kwargs):
        if not create:
            return
        items = extracted if extracted is not None else [
            DutyItemFactory(county=self.department.county, department=self.department)
        ]
        self.duty_items.set(items)

    @factory.post_generation
    def townships(self, create, extracted, **kwargs):
        if not create:
            return
        townships = extracted if extracted is not None else [
            TownshipFactory(county=self.department.county)
        ]
        self.townships.set(townships)

    @factory.post_generation
    def finish(self, create, extracted, **kwargs):
        state = getattr(self, "_target_state", Delegation.State.DRAFT)
        if not create or state == Delegation.State.DRAFT:
            return
        now = timezone.now()
        self.state = state
        if state != Delegation.State.WITHDRAWN:
            self.submitted_at = self.submitted_at or now
        if state in (Delegation.State.APPROVED, Delegation.State.REJECTED, Delegation.State.REVOKED):
            self.decided_at = self.decided_at or now
        if state in (Delegation.State.APPROVED, Delegation.State.REVOKED):
            self.decision_no = self.decision_no or "测县委〔2024〕1号"
        if state == Delegation.State.REVOKED:
            self.revoked_on = self.revoked_on or timezone.localdate()
        self.save()


class TownshipOpinionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TownshipOpinion

    delegation = factory.SubFactory(DelegationFactory)
    township = factory.LazyAttribute(lambda o: o.delegation.townships.first())
    opinion = TownshipOpinion.Opinion.AGREE


class AssignmentFactory(factory.django.DjangoModelFactory):
    """Pass townships=[...]; by default one township of the department's county."""

    class Meta:
        model = Assignment
        skip_postgeneration_save = True

    department = factory.SubFactory(DepartmentFactory)
    title = factory.Sequence(lambda n: f"测试交办任务{n}")
    channel = Assignment.Channel.NOTICE
    responsibility = Assignment.Responsibility.COOPERATE
    assigned_on = datetime.date(2025, 3, 1)

    @factory.post_generation
    def townships(self, create, extracted, **kwargs):
        if not create:
            return
        townships = extracted if extracted is not None else [
            TownshipFactory(county=self.department.county)
        ]
        self.townships.set(townships)


class CalendarDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarDay
        django_get_or_create = ("date",)

    date = datetime.date(2025, 10, 1)
    kind = CalendarDay.Kind.HOLIDAY
    name = "国庆节"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("Qingdan-test-2026")


def make_user(role, *, username=None, department=None, township=None, county=None, **extra):
    """A user with a profile of the given role (office, department or township).

    Office users are staff with every permission of the three apps (the "编办" group);
    department and township users are not staff.
    """
    from django.contrib.auth.models import Permission

    user = UserFactory(username=username or factory.Faker._get_faker().user_name(), **extra)
    Profile.objects.create(
        user=user, role=role, department=department, township=township, county=county
    )
    if role == Profile.Role.OFFICE:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label__in=["townships", "duties", "delegations"]
            )
        )
    return user
