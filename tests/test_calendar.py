"""Counting working days on a calendar each test states (tests/test_holidays.py checks the
State Council's days the install comes with)."""

import datetime

import pytest

from delegations import calendar
from delegations.models import CalendarDay
from tests.factories import CalendarDayFactory

pytestmark = pytest.mark.django_db

D = datetime.date
FRIDAY = D(2025, 3, 7)
SATURDAY = D(2025, 3, 8)
MONDAY = D(2025, 3, 10)


@pytest.fixture(autouse=True)
def empty_calendar(db):
    """Only the days a test creates: the install's State Council days (migration 0006) out."""
    CalendarDay.objects.all().delete()


def test_weekdays_are_working_days_and_weekends_are_not():
    assert calendar.is_working_day(FRIDAY)
    assert not calendar.is_working_day(SATURDAY)
    assert not calendar.is_working_day(D(2025, 3, 9))


def test_a_holiday_is_not_a_working_day():
    CalendarDayFactory(date=MONDAY, kind=CalendarDay.Kind.HOLIDAY)
    assert not calendar.is_working_day(MONDAY)


def test_an_adjusted_weekend_day_is_a_working_day():
    CalendarDayFactory(date=SATURDAY, kind=CalendarDay.Kind.WORKDAY, name="调休")
    assert calendar.is_working_day(SATURDAY)


def test_adding_working_days_skips_the_weekend():
    assert calendar.add_working_days(FRIDAY, 1) == MONDAY
    assert calendar.add_working_days(FRIDAY, 5) == D(2025, 3, 14)


def test_adding_zero_working_days_gives_the_start():
    assert calendar.add_working_days(SATURDAY, 0) == SATURDAY


def test_adding_negative_working_days_is_refused():
    with pytest.raises(ValueError):
        calendar.add_working_days(FRIDAY, -1)


def test_adding_working_days_skips_holidays_and_counts_adjusted_days():
    # National Day 2025: Oct 1–8 off, Sat Sep 28 … here: Sun Sep 28 and Sat Oct 11 are working days.
    for day in range(1, 9):
        CalendarDayFactory(date=D(2025, 10, day), kind=CalendarDay.Kind.HOLIDAY, name="国庆节")
    CalendarDayFactory(date=D(2025, 9, 28), kind=CalendarDay.Kind.WORKDAY, name="调休")
    CalendarDayFactory(date=D(2025, 10, 11), kind=CalendarDay.Kind.WORKDAY, name="调休")
    # From Fri Sep 26: Sun 28 (调休), Mon 29, Tue 30, then Thu Oct 9, Fri 10, Sat 11 (调休).
    assert calendar.add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 28)
    assert calendar.add_working_days(D(2025, 9, 26), 3) == D(2025, 9, 30)
    assert calendar.add_working_days(D(2025, 9, 26), 4) == D(2025, 10, 9)
    assert calendar.add_working_days(D(2025, 9, 26), 6) == D(2025, 10, 11)
    assert calendar.working_days_between(D(2025, 9, 26), D(2025, 10, 11)) == 6


def test_adding_working_days_reads_the_calendar_once(django_assert_num_queries):
    CalendarDayFactory(date=D(2025, 3, 12), kind=CalendarDay.Kind.HOLIDAY)
    with django_assert_num_queries(1):
        assert calendar.add_working_days(FRIDAY, 15) == D(2025, 3, 31)


def test_a_long_run_of_holidays_still_counts_right():
    start = D(2025, 1, 1)
    for offset in range(1, 41):
        CalendarDayFactory(date=start + datetime.timedelta(days=offset), kind="holiday")
    # Day 41 after Jan 1 is Tue Feb 11 2025.
    assert calendar.add_working_days(start, 1) == D(2025, 2, 11)


def test_the_review_deadline_counts_fifteen_working_days_by_default(settings):
    settings.QINGDAN = {}
    assert calendar.review_deadline(FRIDAY) == D(2025, 3, 28)


def test_the_review_deadline_follows_the_setting(settings):
    settings.QINGDAN = {"REVIEW_DEADLINE_WORKING_DAYS": 2}
    assert calendar.review_deadline(FRIDAY) == D(2025, 3, 11)
