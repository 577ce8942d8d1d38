"""Roles and scope: restrict() for every persona on every model, can(), flag_filters, groups."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import PermissionDenied

from delegations.models import Assignment, Delegation, TownshipOpinion
from duties.models import DutyItem, ListEntry, PowerEntry
from tests.factories import (
    AssignmentFactory,
    CountyFactory,
    DelegationFactory,
    DepartmentFactory,
    DutyItemFactory,
    ListEntryFactory,
    TownshipFactory,
    TownshipOpinionFactory,
    UserFactory,
    make_user,
)
from townships import access
from townships.models import County, Department, Profile, Township

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world):
    """The world plus rows of every kind, in the demo county and in a second county."""
    w = world
    county_c = CountyFactory(code="990102", name="邻县")
    dept_c = DepartmentFactory(county=county_c, code="YJJ", name="邻县应急管理局")
    township_c = TownshipFactory(county=county_c, code="990102101", name="南山镇")
    item_a = DutyItemFactory(county=w.county, department=w.dept_a)
    item_b = DutyItemFactory(county=w.county, department=w.dept_b)
    item_c = DutyItemFactory(county=county_c, department=dept_c)

    s = SimpleNamespace(w=w, county_c=county_c, dept_c=dept_c, township_c=township_c)
    s.del_a_draft = DelegationFactory(
        department=w.dept_a, duty_items=[item_a], townships=[w.township_a]
    )
    s.del_a_sub = DelegationFactory(
        department=w.dept_a,
        duty_items=[item_a],
        townships=[w.township_a, w.township_b],
        state="submitted",
    )
    s.del_b_sub = DelegationFactory(
        department=w.dept_b, duty_items=[item_b], townships=[w.township_b], state="submitted"
    )
    s.del_c = DelegationFactory(
        department=dept_c, duty_items=[item_c], townships=[township_c], state="approved"
    )
    s.asg_a = AssignmentFactory(department=w.dept_a, townships=[w.township_a])
    s.asg_b = AssignmentFactory(department=w.dept_b, townships=[w.township_b])
    s.asg_report = AssignmentFactory(
        department=w.dept_b,
        townships=[w.township_a],
        recorded_by="township",
        reporting_township=w.township_a,
    )
    s.asg_c = AssignmentFactory(department=dept_c, townships=[township_c])
    s.entry_pub = ListEntryFactory(item=item_a)
    s.entry_draft = ListEntryFactory(item=item_b, status="draft")
    s.entry_c = ListEntryFactory(item=item_c)
    s.entry_del_c = ListEntry.objects.get(delegation=s.del_c)  # the approval's own entry
    s.op_a = TownshipOpinionFactory(delegation=s.del_a_sub, township=w.township_a)
    s.op_b = TownshipOpinionFactory(delegation=s.del_b_sub, township=w.township_b)
    s.item_a, s.item_b, s.item_c = item_a, item_b, item_c
    s.users = {
        "office": w.office,
        "county_office": make_user(Profile.Role.OFFICE, username="county_office", county=w.county),
        "dept_a": w.dept_a_user,
        "dept_b": w.dept_b_user,
        "township_a": w.township_a_user,
        "township_b": w.township_b_user,
        "anonymous": AnonymousUser(),
    }
    return s


def visible(user, model, action="view"):
    return set(access.restrict(user, model.objects.all(), action).values_list("pk", flat=True))


def pks(*objects):
    return {o.pk for o in objects}


DELEGATION_VIEW = {
    "office": ("del_a_draft", "del_a_sub", "del_b_sub", "del_c"),
    "county_office": ("del_a_draft", "del_a_sub", "del_b_sub"),
    "dept_a": ("del_a_draft", "del_a_sub"),
    "dept_b": ("del_b_sub",),
    "township_a": ("del_a_sub",),
    "township_b": ("del_a_sub", "del_b_sub"),
    "anonymous": (),
}
DELEGATION_CHANGE = {
    "office": ("del_a_draft", "del_a_sub", "del_b_sub", "del_c"),
    "county_office": ("del_a_draft", "del_a_sub", "del_b_sub"),
    "dept_a": ("del_a_draft", "del_a_sub"),
    "dept_b": ("del_b_sub",),
    "township_a": (),
    "township_b": (),
    "anonymous": (),
}
ASSIGNMENT_VIEW = {
    "office": ("asg_a", "asg_b", "asg_report", "asg_c"),
    "county_office": ("asg_a", "asg_b", "asg_report"),
    "dept_a": ("asg_a",),
    "dept_b": ("asg_b", "asg_report"),
    "township_a": ("asg_a", "asg_report"),
    "township_b": ("asg_b",),
    "anonymous": (),
}
ASSIGNMENT_CHANGE = {
    "office": ("asg_a", "asg_b", "asg_report", "asg_c"),
    "county_office": ("asg_a", "asg_b", "asg_report"),
    "dept_a": ("asg_a",),
    "dept_b": ("asg_b",),
    "township_a": ("asg_report",),
    "township_b": (),
    "anonymous": (),
}
ENTRY_VIEW = {
    "office": ("entry_pub", "entry_draft", "entry_c", "entry_del_c"),
    "county_office": ("entry_pub", "entry_draft", "entry_c", "entry_del_c"),
    "dept_a": ("entry_pub", "entry_c", "entry_del_c"),
    "dept_b": ("entry_pub", "entry_c", "entry_del_c"),
    "township_a": ("entry_pub", "entry_c", "entry_del_c"),
    "township_b": ("entry_pub", "entry_c", "entry_del_c"),
    "anonymous": ("entry_pub", "entry_c", "entry_del_c"),
}
ENTRY_CHANGE = {
    "office": ("entry_pub", "entry_draft", "entry_c", "entry_del_c"),
    "county_office": ("entry_pub", "entry_draft"),
}
OPINION_VIEW = {
    "office": ("op_a", "op_b"),
    "county_office": ("op_a", "op_b"),
    "dept_a": ("op_a",),
    "dept_b": ("op_b",),
    "township_a": ("op_a",),
    "township_b": ("op_b",),
    "anonymous": (),
}
OPINION_CHANGE = {
    "office": ("op_a", "op_b"),
    "county_office": ("op_a", "op_b"),
    "township_a": ("op_a",),
    "township_b": ("op_b",),
}
PERSONAS = list(DELEGATION_VIEW)


@pytest.mark.parametrize(
    "model, action, table",
    [
        (Delegation, "view", DELEGATION_VIEW),
        (Delegation, "change", DELEGATION_CHANGE),
        (Assignment, "view", ASSIGNMENT_VIEW),
        (Assignment, "change", ASSIGNMENT_CHANGE),
        (ListEntry, "view", ENTRY_VIEW),
        (ListEntry, "change", ENTRY_CHANGE),
        (TownshipOpinion, "view", OPINION_VIEW),
        (TownshipOpinion, "change", OPINION_CHANGE),
    ],
    ids=lambda v: getattr(v, "__name__", v) if not isinstance(v, dict) else "",
)
@pytest.mark.parametrize("persona", PERSONAS)
def test_restrict_shows_each_persona_exactly_its_rows(scene, persona, model, action, table):
    expected = {getattr(scene, name).pk for name in table.get(persona, ())}
    assert visible(scene.users[persona], model, action) == expected


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("model", [County, Township, Department, DutyItem])
def test_reference_data_is_visible_to_everyone(scene, persona, model):
    assert visible(scene.users[persona], model) == set(model.objects.values_list("pk", flat=True))


@pytest.mark.parametrize("persona", ["dept_a", "township_a", "anonymous"])
@pytest.mark.parametrize("model", [County, Township, Department, DutyItem])
def test_only_the_office_may_change_reference_data(scene, persona, model):
    assert visible(scene.users[persona], model, "change") == set()


def test_a_county_office_changes_only_its_own_county_reference_data(scene):
    user = scene.users["county_office"]
    assert visible(user, DutyItem, "change") == pks(scene.item_a, scene.item_b)
    assert visible(user, Township, "change") == pks(scene.w.township_a, scene.w.township_b)
    assert visible(user, County, "change") == {scene.w.county.pk}


def test_restrict_works_on_list_proxies(scene):
    assert set(
        access.restrict(scene.users["anonymous"], PowerEntry.objects.all()).values_list("pk", flat=True)
    ) == pks(scene.entry_pub, scene.entry_c)  # the approval's entry is on the admission list


def test_restrict_does_not_duplicate_rows_naming_several_townships(scene):
    user = scene.users["township_b"]
    DelegationFactory(
        department=scene.w.dept_a,
        townships=[scene.w.township_a, scene.w.township_b],
        state="submitted",
    )
    qs = access.restrict(user, Delegation.objects.all())
    assert qs.count() == len(set(qs.values_list("pk", flat=True))) == 3


def test_restrict_refuses_a_model_without_a_rule(scene):
    with pytest.raises(TypeError):
        access.restrict(scene.w.office, Profile.objects.all())


def test_restrict_refuses_an_unknown_action(scene):
    with pytest.raises(ValueError):
        access.restrict(scene.w.office, Delegation.objects.all(), "approve")


def test_role_of_each_persona(world):
    assert access.role_of(world.office) == "office"
    assert access.role_of(world.dept_a_user) == "department"
    assert access.role_of(world.township_a_user) == "township"
    assert access.role_of(AnonymousUser()) == "public"
    assert access.role_of(None) == "public"


def test_a_superuser_is_office_and_a_user_without_profile_is_public(db):
    assert access.role_of(UserFactory(is_superuser=True)) == "office"
    assert access.role_of(UserFactory()) == "public"


def test_a_user_without_profile_sees_only_public_rows(scene):
    user = UserFactory()
    assert visible(user, Delegation) == set()
    assert visible(user, ListEntry) == pks(scene.entry_pub, scene.entry_c, scene.entry_del_c)


# ---------------------------------------------------------------- can()


def test_the_requesting_department_may_submit_its_draft(scene):
    assert access.can(scene.users["dept_a"], "submit", scene.del_a_draft)


@pytest.mark.parametrize("persona", ["dept_b", "township_a", "office", "anonymous"])
def test_nobody_else_may_submit_a_department_draft(scene, persona):
    assert access.explain(scene.users[persona], "submit", scene.del_a_draft)[0] == "forbidden"


def test_a_submitted_request_cannot_be_submitted_again(scene):
    assert access.explain(scene.users["dept_a"], "submit", scene.del_a_sub)[0] == "state"


def test_a_township_named_in_a_submitted_request_may_give_its_opinion(scene):
    assert access.can(scene.users["township_b"], "give_opinion", scene.del_a_sub)


def test_a_township_not_named_may_not_give_an_opinion(scene):
    assert access.explain(scene.users["township_a"], "give_opinion", scene.del_b_sub)[0] == (
        "forbidden"
    )


def test_no_opinion_is_given_on_a_draft(scene):
    assert access.explain(scene.users["township_a"], "give_opinion", scene.del_a_draft)[0] == "state"


@pytest.mark.parametrize("action", ["decide", "review"])
def test_only_the_office_decides_and_reviews(scene, action):
    assert access.can(scene.users["office"], action, scene.del_a_sub)
    assert access.can(scene.users["county_office"], action, scene.del_a_sub)
    for persona in ("dept_a", "township_a", "anonymous"):
        assert not access.can(scene.users[persona], action, scene.del_a_sub)


def test_a_county_office_may_not_decide_for_another_county(scene):
    other = make_user(Profile.Role.OFFICE, username="other_office", county=scene.county_c)
    assert access.explain(other, "decide", scene.del_a_sub)[0] == "forbidden"


def test_only_an_approved_delegation_may_be_revoked(scene):
    assert access.can(scene.users["office"], "revoke", scene.del_c)
    assert access.explain(scene.users["office"], "revoke", scene.del_a_sub)[0] == "state"


def test_a_department_user_creates_requests_for_its_own_department_only(scene):
    assert access.can(scene.users["dept_a"], "create_request", scene.w.dept_a)
    assert not access.can(scene.users["dept_a"], "create_request", scene.w.dept_b)
    assert not access.can(scene.users["office"], "create_request", scene.w.dept_a)
    assert not access.can(scene.users["township_a"], "create_request", scene.w.dept_a)


def test_assignments_are_logged_by_their_department_or_reported_by_their_township(scene):
    w = scene.w
    assert access.can(scene.users["dept_a"], "create_assignment", w.dept_a)
    assert not access.can(scene.users["dept_a"], "create_assignment", w.dept_b)
    assert access.can(scene.users["township_a"], "create_assignment", w.township_a)
    assert not access.can(scene.users["township_a"], "create_assignment", w.township_b)
    assert access.can(scene.users["office"], "create_assignment", w.dept_b)
    assert not access.can(scene.users["anonymous"], "create_assignment", w.township_a)
    other = make_user(Profile.Role.OFFICE, username="other_office", county=scene.county_c)
    assert not access.can(other, "create_assignment", w.township_a)


def test_view_and_change_checks_follow_restrict(scene):
    anonymous = scene.users["anonymous"]
    assert access.can(anonymous, "view", scene.entry_pub)
    assert not access.can(anonymous, "view", scene.entry_draft)
    assert access.can(scene.users["township_a"], "change", scene.asg_report)
    assert not access.can(scene.users["dept_b"], "change", scene.asg_report)
    assert access.can(scene.users["dept_b"], "view", scene.asg_report)


def test_check_raises_permission_denied(scene):
    with pytest.raises(PermissionDenied):
        access.check(scene.users["dept_b"], "submit", scene.del_a_draft)


# ---------------------------------------------------------------- flags and groups


def test_flag_filters_per_persona(scene):
    w = scene.w
    assert access.flag_filters(w.office) == {}
    assert access.flag_filters(scene.users["county_office"]) == {"county": w.county}
    assert access.flag_filters(w.dept_a_user) == {"department": w.dept_a}
    assert access.flag_filters(w.township_b_user) == {"township": w.township_b}


@pytest.mark.parametrize("user", [AnonymousUser(), None])
def test_flags_are_not_public(db, user):
    with pytest.raises(PermissionDenied):
        access.flag_filters(user)


def test_the_role_groups_exist_after_migrate_with_their_permissions(db):
    office = Group.objects.get(name=access.OFFICE_GROUP)
    codenames = set(office.permissions.values_list("content_type__app_label", "codename"))
    assert {("delegations", "change_delegation"), ("duties", "add_listentry"),
            ("townships", "delete_township")} <= codenames
    assert not Group.objects.get(name=access.DEPARTMENT_GROUP).permissions.exists()
    assert not Group.objects.get(name=access.TOWNSHIP_GROUP).permissions.exists()


def test_ensure_groups_is_safe_to_run_twice(db):
    before = Group.objects.get(name=access.OFFICE_GROUP).permissions.count()
    access.ensure_groups()
    access.ensure_groups()
    assert Group.objects.filter(name__in=access.ROLE_GROUPS.values()).count() == 3
    assert Group.objects.get(name=access.OFFICE_GROUP).permissions.count() == before


def test_saving_a_profile_puts_the_user_in_its_role_group(world):
    assert list(world.dept_a_user.groups.values_list("name", flat=True)) == ["部门"]
    assert list(world.township_a_user.groups.values_list("name", flat=True)) == ["乡镇"]
    assert list(world.office.groups.values_list("name", flat=True)) == ["编办"]
    profile = world.township_a_user.profile
    profile.role, profile.township = "office", None
    profile.save()
    assert list(world.township_a_user.groups.values_list("name", flat=True)) == ["编办"]
