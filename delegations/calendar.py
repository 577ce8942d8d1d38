"""Working days for deadlines: weekends off, holidays off, adjusted working days (调休) on.

The holidays and the adjusted working days are ``CalendarDay`` rows kept by the office.
Counting reads the rows of the range in one query (a further one only if a very long run of
holidays pushes the count past the first window), never one query per day.
"""

import datetime

from django.conf import settings

from delegations.models import CalendarDay

DEFAULT_REVIEW_DEADLINE_WORKING_DAYS = 15


def is_working(day: datetime.date, special: dict) -> bool:
    """Whether ``day`` is a working day, given the calendar rows ``special`` ({date: kind})."""
    kind = special.get(day)
    if kind == CalendarDay.Kind.HOLIDAY:
        return False
    if kind == CalendarDay.Kind.WORKDAY:
        return True
    return day.weekday() < 5


def special_days(first: datetime.date, last: datetime.date) -> dict:
    """The holidays and adjusted working days from ``first`` to ``last``: {date: kind}."""
    return dict(
        CalendarDay.objects.filter(date__range=(first, last)).values_list("date", "kind")
    )


def is_working_day(day: datetime.date) -> bool:
    """Whether ``day`` is a working day (one query)."""
    return is_working(day, special_days(day, day))


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """The ``n``-th working day after ``start`` (``start`` itself does not count; ``n=0``
    gives ``start``)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    remaining = n
    while remaining:
        # A window comfortably longer than n working days, even around the Spring Festival.
        window_end = day + datetime.timedelta(days=remaining * 2 + 21)
        special = special_days(day + datetime.timedelta(days=1), window_end)
        while remaining and day < window_end:
            day += datetime.timedelta(days=1)
            if is_working(day, special):
                remaining -= 1
    return day


def nth_working_day_after(start: datetime.date, n: int, special: dict) -> datetime.date:
    """The ``n``-th working day after ``start`` on a preloaded calendar (no query)."""
    day = start
    while n > 0:
        day += datetime.timedelta(days=1)
        n -= is_working(day, special)
    return day


def nth_working_day_before(end: datetime.date, n: int, special: dict) -> datetime.date:
    """The ``n``-th working day before ``end`` on a preloaded calendar (no query)."""
    day = end
    while n > 0:
        day -= datetime.timedelta(days=1)
        n -= is_working(day, special)
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """How many working days lie after ``start`` up to and including ``end`` (0 if
    ``end <= start``); one query."""
    if end <= start:
        return 0
    special = special_days(start + datetime.timedelta(days=1), end)
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        count += is_working(day, special)
    return count


def review_deadline_days() -> int:
    config = getattr(settings, "QINGDAN", {}) or {}
    return int(config.get("REVIEW_DEADLINE_WORKING_DAYS", DEFAULT_REVIEW_DEADLINE_WORKING_DAYS))


def review_deadline(submitted_on: datetime.date) -> datetime.date:
    """The day by which a request submitted on ``submitted_on`` must be decided:
    ``QINGDAN["REVIEW_DEADLINE_WORKING_DAYS"]`` (default 15) working days later."""
    return add_working_days(submitted_on, review_deadline_days())
