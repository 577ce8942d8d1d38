"""Shared fixtures: a small county with two departments and two townships, and one user per
persona (office, department A, department B, township A, township B; anonymous is no user)."""

from dataclasses import dataclass

import pytest

from tests.factories import CountyFactory, DepartmentFactory, TownshipFactory, make_user
from townships.models import Profile


@dataclass
class World:
    county: object
    dept_a: object
    dept_b: object
    township_a: object
    township_b: object
    office: object
    dept_a_user: object
    dept_b_user: object
    township_a_user: object
    township_b_user: object


@pytest.fixture(autouse=True)
def run_day(request):
    """A module whose ``TODAY`` is the day the tests run (``TODAY_IS_RUN_DAY = True``) gets it
    afresh for each test: a run that crosses midnight in China (16:00 UTC) would otherwise
    compare the day the module was imported with the services' today."""
    from django.utils import timezone

    module = request.module
    if getattr(module, "TODAY_IS_RUN_DAY", False):
        module.TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Tests create many users; the production hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    county = CountyFactory(code="990101", name="示范县")
    dept_a = DepartmentFactory(county=county, code="YJJ", name="示范县应急管理局", short_name="应急局")
    dept_b = DepartmentFactory(county=county, code="NYJ", name="示范县农业农村局", short_name="农业农村局")
    township_a = TownshipFactory(county=county, code="990101101", name="东城镇")
    township_b = TownshipFactory(county=county, code="990101102", name="西河乡", kind="township")
    return World(
        county=county,
        dept_a=dept_a,
        dept_b=dept_b,
        township_a=township_a,
        township_b=township_b,
        office=make_user(Profile.Role.OFFICE, username="office"),
        dept_a_user=make_user(Profile.Role.DEPARTMENT, username="dept_a", department=dept_a),
        dept_b_user=make_user(Profile.Role.DEPARTMENT, username="dept_b", department=dept_b),
        township_a_user=make_user(Profile.Role.TOWNSHIP, username="township_a", township=township_a),
        township_b_user=make_user(Profile.Role.TOWNSHIP, username="township_b", township=township_b),
    )
