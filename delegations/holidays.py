"""Public holidays as data: the State Council's notices, loaded into the calendar.

Every year the General Office of the State Council (国务院办公厅) publishes which days are public
holidays and which weekend days are worked instead (调休上班). Those notices are kept, heading by
heading, in ``fixtures/holidays/cn_holidays.json``; ``load_holidays`` writes their days as
``CalendarDay`` rows, so the 15-working-day deadlines of ``delegations.calendar`` are right on a
fresh install (migration 0006 loads them; ``manage.py load_holidays`` loads them again after the
file gains a year or a correction). docs/holidays.md tells how to add a year.

A loaded row carries its notice's document number (``CalendarDay.notice``) and follows the data
file: a corrected day is rewritten, a day the file no longer names is removed. The office keeps
the calendar in the admin; a row it set or changed there has no ``notice`` and is kept as it is,
unless ``overwrite=True``. A second run changes nothing.
"""

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from delegations.models import CalendarDay

DATA_FILE = Path(settings.BASE_DIR) / "fixtures" / "holidays" / "cn_holidays.json"

# Stored data (history change reasons and day names), not translated strings.
REASON = "国务院办公厅节假日安排 {number}"
REMOVED_REASON = "国务院办公厅节假日安排 {number}：数据文件不再列出此日"
WORKDAY_NAME = "调休上班（{name}）"

HOLIDAY = CalendarDay.Kind.HOLIDAY.value
WORKDAY = CalendarDay.Kind.WORKDAY.value


class HolidayDataError(ValueError):
    """The data file is unreadable or malformed, or has no notice for a requested year."""


@dataclass(frozen=True)
class OfficialDay:
    """One day a notice makes a holiday or a working day."""

    date: datetime.date
    kind: str
    name: str
    number: str  # the notice's document number, 国办发明电〔2024〕12号

    @property
    def reason(self) -> str:
        return REASON.format(number=self.number)


@dataclass
class OfficialYear:
    """A year's notices (document numbers, in the order issued) and the days they name."""

    year: int
    numbers: list[str]
    days: list[OfficialDay]  # in date order


@dataclass
class YearResult:
    """What loading one year did. ``kept`` and ``updated`` pair the row as it was
    (kind, name) with the notice's day; ``removed`` the rows of the year's notices on days
    the data file no longer names, as (date, kind, name)."""

    year: int
    numbers: list[str]
    added: list[OfficialDay] = field(default_factory=list)
    unchanged: list[OfficialDay] = field(default_factory=list)
    kept: list[tuple[tuple[str, str], OfficialDay]] = field(default_factory=list)
    updated: list[tuple[tuple[str, str], OfficialDay]] = field(default_factory=list)
    removed: list[tuple[datetime.date, str, str]] = field(default_factory=list)


def read_notices(path: Path | None = None) -> list[dict]:
    """The notices of the data file, in the order they were issued."""
    path = Path(path or DATA_FILE)
    try:
        with path.open(encoding="utf-8") as f:
            notices = json.load(f)["notices"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise HolidayDataError(
            _("The holiday data file %(path)s cannot be read: %(error)s")
            % {"path": path, "error": exc}
        ) from exc
    return notices


def _date(value, number: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise HolidayDataError(
            _("The notice %(number)s has a date that is not YYYY-MM-DD: %(value)r.")
            % {"number": number, "value": value}
        ) from exc


def notice_days(notice: dict) -> list[OfficialDay]:
    """The days one notice names, in date order; a day named twice is an error."""
    try:
        number = notice["number"]
        items = notice["items"]
        days = {}
        for item in items:
            first, last = _date(item["from"], number), _date(item["to"], number)
            if last < first:
                raise HolidayDataError(
                    _("The notice %(number)s has %(name)s ending before it starts.")
                    % {"number": number, "name": item["name"]}
                )
            named = [
                OfficialDay(first + datetime.timedelta(days=i), HOLIDAY, item["name"], number)
                for i in range((last - first).days + 1)
            ]
            named += [
                OfficialDay(_date(d, number), WORKDAY,
                            WORKDAY_NAME.format(name=item["name"]), number)
                for d in item["workdays"]
            ]
            for day in named:
                if day.date in days:
                    raise HolidayDataError(
                        _("The notice %(number)s names %(date)s twice.")
                        % {"number": number, "date": day.date.isoformat()}
                    )
                days[day.date] = day
    except KeyError as exc:
        raise HolidayDataError(
            _("The holiday data file is malformed: a notice or item lacks the field %(field)s.")
            % {"field": exc}
        ) from exc
    except TypeError as exc:
        raise HolidayDataError(
            _("The holiday data file is malformed: %(error)s") % {"error": exc}
        ) from exc
    return sorted(days.values(), key=lambda d: d.date)


def official_years(years=None, *, path: Path | None = None) -> list[OfficialYear]:
    """The years ``years`` (default: every year of the data file), each with the days its
    notices make holidays or working days. A later notice for a year overrides an earlier one
    on the days it names (the 2020 extension of the Spring Festival turned a working day into a
    holiday). A requested year without a notice is an error."""
    by_year: dict[int, dict[datetime.date, OfficialDay]] = {}
    numbers: dict[int, list[str]] = {}
    for notice in read_notices(path):
        year = notice.get("year") if isinstance(notice, dict) else None
        if not isinstance(year, int):
            raise HolidayDataError(
                _("The holiday data file is malformed: a notice without a year.")
            )
        for day in notice_days(notice):
            by_year.setdefault(year, {})[day.date] = day
        numbers.setdefault(year, []).append(notice["number"])
    wanted = sorted(set(years)) if years is not None else sorted(by_year)
    missing = [y for y in wanted if y not in by_year]
    if missing:
        raise HolidayDataError(
            _("The holiday data file has no State Council notice for %(missing)s (it has "
              "%(known)s). Add the notice to the file first, see docs/holidays.md.")
            % {"missing": "、".join(map(str, missing)),
               "known": "、".join(map(str, sorted(by_year)))}
        )
    return [
        OfficialYear(y, numbers[y], sorted(by_year[y].values(), key=lambda d: d.date))
        for y in wanted
    ]


def _has_history(model) -> bool:
    """Whether ``model`` keeps django-simple-history records (a model of a migration's
    state never does)."""
    return hasattr(model._meta, "simple_history_manager_attribute")


@transaction.atomic
def load_holidays(years=None, *, overwrite: bool = False, model=None) -> list[YearResult]:
    """Write the notices' days of ``years`` (default: every year of the data file) as calendar
    rows; return what was done per year.

    - a date without a row gets the notice's row (``notice``: its document number);
    - a row that already says what the notice says (kind, name and notice) is left alone;
    - a row loaded from a notice (``notice`` set) follows the data file: it is rewritten to
      what the file now says, and removed when the file's notices of its year no longer name
      its date (a corrected data file);
    - a row the office set (``notice`` empty) is kept as it is — unless ``overwrite``: then a
      row on a notice's date becomes the notice's row. Rows on other dates are never touched.

    Idempotent; one transaction; history with the reason ``国务院办公厅节假日安排 <文号>`` when
    the model keeps history. ``model`` is for a data migration (``apps.get_model``)."""
    model = model or CalendarDay
    official = official_years(years)
    dates = [day.date for year in official for day in year.days]
    if not dates:
        return []
    numbers = [number for year in official for number in year.numbers]
    rows = {
        row.date: row
        for row in model._default_manager.select_for_update().filter(
            Q(date__range=(min(dates), max(dates))) | Q(notice__in=numbers)
        )
    }
    named = set(dates)
    results, new, changed, gone = [], [], [], []
    for year in official:
        result = YearResult(year=year.year, numbers=year.numbers)
        for day in year.days:
            row = rows.get(day.date)
            if row is None:
                row = model(date=day.date, kind=day.kind, name=day.name, notice=day.number)
                row._change_reason = day.reason
                new.append(row)
                result.added.append(day)
            elif (row.kind, row.name, row.notice) == (day.kind, day.name, day.number):
                result.unchanged.append(day)
            elif not row.notice and (row.kind, row.name) == (day.kind, day.name) and not overwrite:
                result.unchanged.append(day)
            elif row.notice or overwrite:
                result.updated.append(((row.kind, row.name), day))
                row.kind, row.name, row.notice = day.kind, day.name, day.number
                row._change_reason = day.reason
                changed.append(row)
            else:
                result.kept.append(((row.kind, row.name), day))
        for row in rows.values():
            if row.notice in year.numbers and row.date not in named:
                result.removed.append((row.date, row.kind, row.name))
                row._change_reason = REMOVED_REASON.format(number=row.notice)
                gone.append(row)
        results.append(result)
    if _has_history(model):
        bulk_create_with_history(new, model)
        bulk_update_with_history(changed, model, ["kind", "name", "notice"])
    else:
        model._default_manager.bulk_create(new)
        model._default_manager.bulk_update(changed, ["kind", "name", "notice"])
    for row in gone:
        row.delete()  # one by one, for the history row of each (a handful at most)
    return results
