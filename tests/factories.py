"""factory_boy factories for every model; tests build their data with these.

Delegations and township opinions go through the workflow (``delegations.workflow``), as in
production, which keeps the flag store up to date. The other rows are inserted directly, as
production's bulk paths (the Excel imports) insert them, and like those paths the factories
of townships, list entries and assignments then bring the flag store up to date for what they
wrote (``delegations.flags.store.refresh``). A test that changes rows through the ORM after
creating them and then reads flags through the API or the pages must refresh the store as
the write path it stands for does."""

import datetime

import factory
import pytest
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from delegations import workflow
from delegations.flags import store as flag_store
from delegations.models import Assignment, CalendarDay, Delegation, TownshipOpinion
from demo import lifecycle
from duties.models import Category, DutyItem, ListEntry, ListKind, PowerSource
from townships.models import County, Department, DepartmentAlias, Profile, Township


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = County
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{990100 + n:06d}")
    name = factory.Sequence(lambda n: f"测试{n}县")


# The history reason of the factories' writes, as the importer's ``导入 <file>``.
REASON_FACTORY = "测试数据"


class TownshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Township
        skip_postgeneration_save = True

    county = factory.SubFactory(CountyFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.county.code}{500 + n % 500:03d}")
    name = factory.Sequence(lambda n: f"测试{n}镇")
    kind = Township.Kind.TOWN
    category = Township.Category.GENERAL

    @factory.post_generation
    def refresh_flags(self, create, extracted, **kwargs):
        """A new township falls under its county's county-wide list entries."""
        if create:
            flag_store.refresh(townships=[self], rules=flag_store.township_rules(),
                               reason=REASON_FACTORY)


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

    @factory.post_generation
    def refresh_flags(self, create, extracted, **kwargs):
        """The flags of the entry's townships (its county's, for a county-wide entry);
        ``refresh_flags=False`` leaves them to the caller (a write path's own hook)."""
        if not create or extracted is False:
            return
        if self.all_townships:
            scope = {"county": self.item.county_id}
        else:
            scope = {"townships": list(self.townships.all())}
        flag_store.refresh(**scope, rules=flag_store.list_rules(), reason=REASON_FACTORY)


class DelegationFactory(factory.django.DjangoModelFactory):
    """A delegation made the way production makes it (``demo.lifecycle``): its department's
    user files the request through the workflow, then the steps to ``state`` are taken by the
    users whose steps they are — submitted; reviewed (legality review passed) and approved, or
    rejected, by the office; withdrawn; revoked. What the workflow refuses cannot be built.

    Pass duty_items=[...] and townships=[...]; by default one item of the department and one
    township of its county are made. When: every step at ``submitted_on`` 10:00 (default:
    now), the decision at ``decided_on`` 16:00 when given; ``revoked_on`` defaults to the
    decision day. ``opinions``: ``demo.lifecycle.Opinion`` objects or (township, opinion[,
    text[, response]]) tuples, given before the decision. ``paper=True``: an approval
    recorded from a paper decision (``workflow.record_paper_decision``). Also
    ``decision_no``, ``decision_note``, ``legal_review``, ``legal_review_note``,
    ``end_reclaimed_reason``, ``revocation_reason``, ``revocation_document_no``; every other
    keyword is a request field of ``workflow.create_request``."""

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
    duty_items = factory.LazyAttribute(
        lambda o: [DutyItemFactory(county=o.department.county, department=o.department)]
    )
    townships = factory.LazyAttribute(lambda o: [TownshipFactory(county=o.department.county)])
    state = Delegation.State.DRAFT

    @classmethod
    def _create(cls, model_class, *, department, duty_items, townships, state, **kwargs):
        life = _life(state, kwargs)
        unknown = set(kwargs) - set(workflow.REQUEST_FIELDS)
        if unknown:
            raise TypeError(f"DelegationFactory got unknown fields: {', '.join(sorted(unknown))}")
        request = lifecycle.Request(department, list(duty_items), list(townships), kwargs)
        return lifecycle.file(Actors(department.county), request, life)


def _at(day, time):
    return timezone.make_aware(datetime.datetime.combine(day, time))


def _opinion(value, moment):
    if isinstance(value, lifecycle.Opinion):
        return value
    township, opinion, *rest = value
    text, response = (list(rest) + ["", ""])[:2]
    return lifecycle.Opinion(township, opinion, text, at=moment, response=response,
                             response_at=moment)


def _life(state, kwargs) -> lifecycle.Life:
    """The ``Life`` the factory's keywords describe (taken out of ``kwargs``)."""
    submitted_on = kwargs.pop("submitted_on", None)
    decided_on = kwargs.pop("decided_on", None)
    moment = _at(submitted_on, datetime.time(10)) if submitted_on else timezone.now()
    decided = _at(decided_on, datetime.time(16)) if decided_on else moment
    approved = state in (Delegation.State.APPROVED, Delegation.State.REVOKED)
    return lifecycle.Life(
        state=state,
        created_at=moment,
        submitted_at=moment,
        opinions=[_opinion(o, moment) for o in kwargs.pop("opinions", ())],
        legal_review=kwargs.pop(
            "legal_review",
            Delegation.LegalReview.PASSED if approved else Delegation.LegalReview.PENDING,
        ),
        legal_review_note=kwargs.pop("legal_review_note", ""),
        decided_at=decided,
        decision_no=kwargs.pop("decision_no", "测县委〔2024〕1号" if approved else ""),
        decision_note=kwargs.pop(
            "decision_note", "不符合准入条件" if state == Delegation.State.REJECTED else ""
        ),
        end_reclaimed_reason=kwargs.pop("end_reclaimed_reason", ""),
        withdrawn_at=moment,
        revoked_on=kwargs.pop("revoked_on", None),
        revoked_at=decided,
        revocation_reason=kwargs.pop("revocation_reason", "职责调整"),
        revocation_document_no=kwargs.pop("revocation_document_no", "测县编〔2024〕2号"),
        paper=kwargs.pop("paper", False),
    )


class Actors:
    """The users the factories take workflow steps as (``demo.lifecycle.Actors``)."""

    def __init__(self, county=None):
        self.county = county

    @property
    def office(self):
        return office_user(self.county)

    def department_user(self, department):
        return role_user(Profile.Role.DEPARTMENT, department=department)

    def township_user(self, township):
        return role_user(Profile.Role.TOWNSHIP, township=township)


def office_user(county=None):
    """The first office user who may act in ``county`` (any county when None); made when
    there is none."""
    profiles = Profile.objects.filter(role=Profile.Role.OFFICE).select_related("user")
    if county is not None:
        profiles = profiles.filter(Q(county=None) | Q(county=county))
    profile = profiles.order_by("pk").first()
    if profile is not None:
        return profile.user
    return make_user(Profile.Role.OFFICE, username=f"office-{getattr(county, 'code', 'all')}")


def role_user(role, **unit):
    """The first user of a department (``department=``) or township (``township=``) with
    ``role``; made when there is none."""
    profile = Profile.objects.filter(role=role, **unit).select_related("user").order_by("pk").first()
    if profile is not None:
        return profile.user
    ((field, obj),) = unit.items()
    return make_user(role, username=f"{field}-{obj.pk}", **unit)


def approve(delegation, decision_no="测县委〔2024〕1号", *, on=None, **kwargs):
    """Approve a submitted delegation as the office, with the legality review passed;
    ``on``: the decision day (default now)."""
    kwargs.setdefault("legal_review", Delegation.LegalReview.PASSED)
    return workflow.decide_request(
        office_user(delegation.department.county), delegation, "approve", decision_no,
        now=_at(on, datetime.time(16)) if on else None, **kwargs,
    )


def revoke(delegation, revoked_on=None, *, reason="职责调整", document_no="测县编〔2024〕2号",
           **kwargs):
    """Revoke an approved delegation as the office, from ``revoked_on``."""
    return workflow.revoke_delegation(
        office_user(delegation.department.county), delegation, revoked_on=revoked_on,
        reason=reason, document_no=document_no, **kwargs,
    )


class TownshipOpinionFactory(factory.django.DjangoModelFactory):
    """An opinion given through the workflow by the township's user (the delegation must be
    under review; by default a submitted one is made). ``response``: the office's written
    answer to an objection."""

    class Meta:
        model = TownshipOpinion

    delegation = factory.SubFactory(DelegationFactory, state=Delegation.State.SUBMITTED)
    township = factory.LazyAttribute(lambda o: o.delegation.townships.first())
    opinion = TownshipOpinion.Opinion.AGREE
    text = factory.LazyAttribute(
        lambda o: "人手和经费不足" if o.opinion == TownshipOpinion.Opinion.OBJECT else ""
    )
    response = ""

    @classmethod
    def _create(cls, model_class, *, delegation, township, opinion, text, response):
        actors = Actors(delegation.department.county)
        workflow.give_opinion(actors.township_user(township), delegation, township, opinion, text)
        if response:
            workflow.respond_to_objection(actors.office, delegation, township, response)
        return TownshipOpinion.objects.get(delegation=delegation, township=township)


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
        flag_store.assignment_recorded(self, townships, reason=REASON_FACTORY)


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


@pytest.fixture
def the_store_follows(request):
    """After the test (one using the database), the flag store equals the rules computed
    afresh."""
    names = request.fixturenames
    database = next((n for n in ("transactional_db", "db") if n in names), None)
    if database is None and request.node.get_closest_marker("django_db"):
        database = "db"
    if database is not None:
        request.getfixturevalue(database)  # set up first, so torn down after the check
    yield
    if database is not None:
        assert flag_store.differences() == []


@pytest.fixture(autouse=True)
def store_follows_every_test(the_store_follows):
    """Import it (with ``the_store_follows``) into a test module to check the store after
    each of its tests."""
