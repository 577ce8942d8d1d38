"""The State Council's holidays as data (fixtures/holidays/cn_holidays.json), their loader
and the deadlines they give."""

import datetime
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from delegations import calendar, holidays
from delegations.holidays import (
    HolidayDataError,
    load_holidays,
    notice_days,
    official_years,
    read_notices,
)
from delegations.models import CalendarDay

D = datetime.date
FESTIVALS = {"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"}
NUMBER = re.compile(r"^国办发明电〔(\d{4})〕\d+号$")

# Days off and adjusted working days per year, summed from the notices' headings by hand.
PUBLISHED = {
    # 元旦 1, 春节 7 extended by 国办发明电〔2020〕1号 to 2月2日 (+3, and 2月1日 is no longer
    # worked), 清明 3, 劳动 5, 端午 3, 国庆中秋 8; worked 1/19, 4/26, 5/9, 6/28, 9/27, 10/10.
    2020: (1 + 10 + 3 + 5 + 3 + 8, 6),
    2021: (3 + 7 + 3 + 5 + 3 + 3 + 7, 7),
    2022: (3 + 7 + 3 + 5 + 3 + 3 + 7, 7),
    2023: (3 + 7 + 1 + 5 + 3 + 8, 7),
    2024: (1 + 8 + 3 + 5 + 1 + 3 + 7, 8),
    2025: (1 + 8 + 3 + 5 + 3 + 8, 5),
    2026: (3 + 9 + 3 + 5 + 3 + 3 + 7, 6),
}

# A date as the notices write it: 2022年12月31日, 1月28日（农历除夕、周二）, 30日.
DATE_IN_TEXT = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:（([^）]*)）)?")
WEEKDAY = re.compile(r"(?:星期|周)([一二三四五六日])")


def dates_in(text: str, year: int) -> list[tuple[datetime.date, str]]:
    """The dates written in ``text`` with their bracketed note; a date without a year or month
    takes those of the date before it."""
    found, month = [], None
    for y, m, d, note in DATE_IN_TEXT.findall(text):
        year, month = int(y or year), int(m or month)
        found.append((D(year, month, int(d)), note))
    return found


def items():
    for notice in read_notices():
        for item in notice["items"]:
            yield notice, item


# --- the data -------------------------------------------------------------------------


def test_the_data_covers_every_year_from_2020_to_2026_without_gaps():
    years = [y.year for y in official_years()]
    assert years[0] == 2020 and years[-1] >= 2026
    assert years == list(range(years[0], years[-1] + 1))


def test_every_notice_is_a_state_council_notice_for_its_year():
    for notice in read_notices():
        year = notice["year"]
        match = NUMBER.match(notice["number"])
        assert match, notice["number"]
        assert int(match.group(1)) in (year - 1, year)
        assert notice["title"].startswith("国务院办公厅关于") and f"{year}年" in notice["title"]
        assert D.fromisoformat(notice["date"]).year == int(match.group(1))
        assert notice["items"]


def test_every_item_is_one_of_the_seven_festivals():
    for _notice, item in items():
        assert set(item["name"].split("、")) <= FESTIVALS, item["name"]


def test_each_heading_says_what_its_dates_say():
    """The days off, their count (共N天), the working days and every weekday written in the
    heading's text agree with the item's dates."""
    previous = {}
    for notice, item in items():
        text, first, last = item["text"], D.fromisoformat(item["from"]), D.fromisoformat(item["to"])
        sentences = [s for s in text.split("。") if s]
        for day, note in dates_in(text, notice["year"]):
            weekday = WEEKDAY.search(note)
            if weekday:
                assert day.weekday() == "一二三四五六日".index(weekday.group(1)), (text, day)
        if item.get("extends"):
            # 延长…假期至2月2日…: the earlier notice's days off run on to the new end.
            assert first == previous[(notice["year"], item["name"])] + datetime.timedelta(days=1)
            assert dates_in(sentences[0].split("至", 1)[1], notice["year"])[0][0] == last
        else:
            assert sentences[0].startswith(item["name"] + "："), text
            span = dates_in(sentences[0].split("放假")[0], notice["year"])
            assert (span[0][0], span[-1][0]) == (first, last), text
            count = re.search(r"(?:共|放假)(\d+)天", sentences[0])
            if count:
                assert int(count.group(1)) == (last - first).days + 1, text
            else:
                assert "与周末连休" in sentences[0] and first == last, text
        worked = [s for s in sentences if s.endswith("上班") and "正常上班" not in s]
        assert sorted(d for s in worked for d, _ in dates_in(s, notice["year"])) == sorted(
            D.fromisoformat(d) for d in item["workdays"]
        ), text
        previous[(notice["year"], item["name"])] = last


def test_adjusted_working_days_are_weekend_days_and_names_fit_the_calendar():
    for year in official_years():
        for day in year.days:
            if day.kind == CalendarDay.Kind.WORKDAY:
                assert day.date.weekday() >= 5, day
            assert len(day.name) <= CalendarDay._meta.get_field("name").max_length


def test_every_day_lies_in_its_year_but_a_new_year_holiday_from_31_december():
    for year in official_years():
        for day in year.days:
            if day.date.year != year.year:
                assert (day.name, day.date) == ("元旦", D(year.year - 1, 12, 31)), day


def test_no_notice_names_a_day_both_off_and_worked():
    for notice in read_notices():
        off = [d.date for d in notice_days(notice) if d.kind == CalendarDay.Kind.HOLIDAY]
        on = [d.date for d in notice_days(notice) if d.kind == CalendarDay.Kind.WORKDAY]
        assert not set(off) & set(on), notice["number"]
    dates = [day.date for year in official_years() for day in year.days]
    assert len(dates) == len(set(dates))  # and no date in two years


def test_each_year_has_the_published_number_of_days_off_and_worked():
    counted = {
        year.year: (
            sum(d.kind == CalendarDay.Kind.HOLIDAY for d in year.days),
            sum(d.kind == CalendarDay.Kind.WORKDAY for d in year.days),
        )
        for year in official_years()
        if year.year in PUBLISHED
    }
    assert counted == PUBLISHED


def test_the_2020_spring_festival_extension_overrides_the_adjusted_working_day():
    (year,) = official_years([2020])
    days = {d.date: d for d in year.days}
    assert year.numbers == ["国办发明电〔2019〕16号", "国办发明电〔2020〕1号"]
    assert days[D(2020, 1, 19)].kind == CalendarDay.Kind.WORKDAY
    for day in (D(2020, 1, 31), D(2020, 2, 1), D(2020, 2, 2)):
        assert (days[day].kind, days[day].number) == ("holiday", "国办发明电〔2020〕1号")
    assert D(2020, 2, 3) not in days


def test_the_2025_notice_as_published():
    (year,) = official_years([2025])
    days = {d.date: (d.kind, d.name) for d in year.days}
    assert year.numbers == ["国办发明电〔2024〕12号"]
    spring = [D(2025, 1, 28) + datetime.timedelta(days=i) for i in range(8)]
    assert all(days[d] == ("holiday", "春节") for d in spring) and spring[-1] == D(2025, 2, 4)
    assert days[D(2025, 1, 26)] == days[D(2025, 2, 8)] == ("workday", "调休上班（春节）")
    assert days[D(2025, 10, 8)] == ("holiday", "国庆节、中秋节")


# --- reading a broken data file ---------------------------------------------------------


def write(tmp_path, notices):
    path = tmp_path / "holidays.json"
    path.write_text(json.dumps({"notices": notices}, ensure_ascii=False), encoding="utf-8")
    return path


NOTICE = {"year": 2030, "number": "国办发明电〔2029〕9号", "title": "国务院办公厅关于2030年部分节假日安排的通知",
          "date": "2029-11-01"}


def test_a_notice_naming_a_day_twice_is_refused(tmp_path):
    path = write(tmp_path, [{**NOTICE, "items": [
        {"name": "春节", "from": "2030-02-02", "to": "2030-02-08", "workdays": ["2030-02-03"],
         "text": ""},
    ]}])
    with pytest.raises(HolidayDataError, match="2030-02-03"):
        official_years(path=path)


@pytest.mark.parametrize("item", [
    {"name": "元旦", "from": "2030-1-1", "to": "2030-01-01", "workdays": [], "text": ""},
    {"name": "元旦", "from": "2030-01-03", "to": "2030-01-01", "workdays": [], "text": ""},
    {"name": "元旦", "from": "2030-01-01", "workdays": [], "text": ""},
])
def test_a_malformed_item_is_refused(tmp_path, item):
    with pytest.raises(HolidayDataError):
        official_years(path=write(tmp_path, [{**NOTICE, "items": [item]}]))


def test_an_unreadable_data_file_is_refused(tmp_path):
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    for path in (tmp_path / "broken.json", tmp_path / "missing.json"):
        with pytest.raises(HolidayDataError):
            official_years(path=path)


# --- loading into the calendar -----------------------------------------------------------


@pytest.fixture
def empty_calendar(db):
    """Start from an empty calendar and history: the database was created with the notices
    already loaded (migration 0006)."""
    CalendarDay.objects.all().delete()
    CalendarDay.history.all().delete()


def calendar_rows():
    return list(CalendarDay.objects.order_by("date").values_list("date", "kind", "name"))


@pytest.mark.usefixtures("empty_calendar")
def test_loading_writes_every_published_day():
    results = load_holidays()
    assert {r.year: len(r.added) for r in results} == {y: h + w for y, (h, w) in PUBLISHED.items()}
    assert CalendarDay.objects.count() == sum(h + w for h, w in PUBLISHED.values())
    assert CalendarDay.objects.get(date=D(2026, 2, 14)).kind == CalendarDay.Kind.WORKDAY
    assert CalendarDay.objects.get(date=D(2026, 2, 14)).name == "调休上班（春节）"
    assert CalendarDay.objects.get(date=D(2022, 12, 31)).name == "元旦"


@pytest.mark.usefixtures("empty_calendar")
def test_a_second_run_changes_nothing():
    load_holidays()
    before = calendar_rows()
    results = load_holidays()
    assert calendar_rows() == before
    assert all(not r.added and not r.kept and not r.updated for r in results)
    assert sum(len(r.unchanged) for r in results) == len(before)


@pytest.mark.usefixtures("empty_calendar")
def test_the_office_rows_are_kept():
    CalendarDay.objects.create(date=D(2025, 10, 8), kind="workday", name="本县安排上班")
    CalendarDay.objects.create(date=D(2025, 10, 1), kind="holiday", name="国庆")
    (result,) = load_holidays([2025])
    assert sorted((d.date, current) for current, d in result.kept) == [
        (D(2025, 10, 1), ("holiday", "国庆")),
        (D(2025, 10, 8), ("workday", "本县安排上班")),
    ]
    assert CalendarDay.objects.get(date=D(2025, 10, 8)).kind == CalendarDay.Kind.WORKDAY
    assert CalendarDay.objects.get(date=D(2025, 10, 1)).name == "国庆"
    assert len(result.added) == PUBLISHED[2025][0] + PUBLISHED[2025][1] - 2


@pytest.mark.usefixtures("empty_calendar")
def test_overwrite_replaces_the_office_rows_on_the_notices_days_only():
    CalendarDay.objects.create(date=D(2025, 10, 8), kind="workday", name="本县安排上班")
    CalendarDay.objects.create(date=D(2025, 3, 31), kind="holiday", name="三月三")  # a local day
    (result,) = load_holidays([2025], overwrite=True)
    assert [(d.date, current) for current, d in result.updated] == [
        (D(2025, 10, 8), ("workday", "本县安排上班")),
    ]
    assert CalendarDay.objects.get(date=D(2025, 10, 8)).kind == CalendarDay.Kind.HOLIDAY
    assert CalendarDay.objects.get(date=D(2025, 3, 31)).name == "三月三"
    (again,) = load_holidays([2025], overwrite=True)
    assert not again.updated and not again.added


@pytest.mark.usefixtures("empty_calendar")
def test_loading_one_year_writes_that_year_only():
    (result,) = load_holidays([2026])
    assert result.numbers == ["国办发明电〔2025〕7号"]
    dates = CalendarDay.objects.values_list("date", flat=True)
    assert min(dates) == D(2026, 1, 1) and max(dates) == D(2026, 10, 10)


@pytest.mark.usefixtures("empty_calendar")
def test_a_year_without_a_notice_is_refused_and_nothing_is_written():
    with pytest.raises(HolidayDataError, match="2019"):
        load_holidays([2019, 2025])
    assert not CalendarDay.objects.exists()


@pytest.mark.usefixtures("empty_calendar")
def test_a_data_migration_can_load_with_the_model_of_its_state():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    state = MigrationExecutor(connection).loader.project_state()
    (result,) = load_holidays([2025], model=state.apps.get_model("delegations", "CalendarDay"))
    assert len(result.added) == sum(PUBLISHED[2025])
    assert CalendarDay.objects.get(date=D(2025, 1, 26)).name == "调休上班（春节）"


@pytest.mark.usefixtures("empty_calendar")
def test_loaded_rows_name_the_notice_in_their_history():
    load_holidays([2025])
    record = CalendarDay.history.get(date=D(2025, 1, 28))
    assert record.history_change_reason == "国务院办公厅节假日安排 国办发明电〔2024〕12号"


def test_a_fresh_install_has_every_published_day_with_its_notice(db):
    """Migration 0006 loaded the data file: nothing to run before deadlines count right."""
    loaded = CalendarDay.objects.exclude(notice="")
    assert loaded.count() == sum(h + w for h, w in PUBLISHED.values())
    day = CalendarDay.objects.get(date=D(2025, 1, 28))
    assert (day.kind, day.name, day.notice) == ("holiday", "春节", "国办发明电〔2024〕12号")
    assert calendar.is_working_day(D(2026, 2, 14))  # a Saturday worked (调休)


@pytest.mark.usefixtures("empty_calendar")
def test_loaded_rows_carry_the_number_of_their_notice():
    load_holidays([2020])
    assert CalendarDay.objects.get(date=D(2020, 1, 19)).notice == "国办发明电〔2019〕16号"
    # 1 February 2020: worked by the first notice, a day off by the extension.
    day = CalendarDay.objects.get(date=D(2020, 2, 1))
    assert (day.kind, day.notice) == ("holiday", "国办发明电〔2020〕1号")


def spring_festival_2030(to, workdays):
    return [{**NOTICE, "items": [{"name": "春节", "from": "2030-02-02", "to": to,
                                  "workdays": workdays, "text": ""}]}]


@pytest.mark.usefixtures("empty_calendar")
def test_loaded_rows_follow_a_corrected_data_file_and_the_office_rows_stay(tmp_path, monkeypatch):
    monkeypatch.setattr(holidays, "DATA_FILE", write(tmp_path, spring_festival_2030(
        "2030-02-08", ["2030-02-10"])))
    load_holidays()
    CalendarDay.objects.filter(date=D(2030, 2, 6)).update(kind="workday", name="本县安排", notice="")
    CalendarDay.objects.create(date=D(2030, 3, 1), kind="holiday", name="本县节日")
    # The file corrected: the festival ends on the 7th and the 9th, not the 10th, is worked.
    monkeypatch.setattr(holidays, "DATA_FILE", write(tmp_path, spring_festival_2030(
        "2030-02-07", ["2030-02-09"])))
    (result,) = load_holidays()
    assert [d.date for d in result.added] == [D(2030, 2, 9)]
    assert [(d.date, current) for current, d in result.kept] == [
        (D(2030, 2, 6), ("workday", "本县安排"))
    ]
    assert sorted(date for date, _kind, _name in result.removed) == [D(2030, 2, 8), D(2030, 2, 10)]
    assert calendar_rows() == [
        (D(2030, 2, 2), "holiday", "春节"),
        (D(2030, 2, 3), "holiday", "春节"),
        (D(2030, 2, 4), "holiday", "春节"),
        (D(2030, 2, 5), "holiday", "春节"),
        (D(2030, 2, 6), "workday", "本县安排"),
        (D(2030, 2, 7), "holiday", "春节"),
        (D(2030, 2, 9), "workday", "调休上班（春节）"),
        (D(2030, 3, 1), "holiday", "本县节日"),
    ]
    removed = CalendarDay.history.filter(date=D(2030, 2, 8), history_type="-").get()
    assert removed.history_change_reason.startswith("国务院办公厅节假日安排 国办发明电〔2029〕9号")
    (again,) = load_holidays()
    assert not (again.added or again.updated or again.removed)


# --- the office's edits in the admin -------------------------------------------------------


def admin_url(view, *args):
    return reverse(f"admin:delegations_calendarday_{view}", args=args)


def test_the_office_changing_a_loaded_day_makes_it_its_own(client, world):
    client.force_login(world.office)
    day = CalendarDay.objects.get(date=D(2025, 10, 8))
    response = client.post(admin_url("change", day.pk), {
        "date": "2025-10-08", "kind": "workday", "name": "本县安排上班",
        "change_reason": "示县政府〔2025〕9号",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors
    day.refresh_from_db()
    assert (day.kind, day.name, day.notice) == ("workday", "本县安排上班", "")
    record = day.history.latest()
    assert (record.history_user, record.history_change_reason) == (world.office, "示县政府〔2025〕9号")
    (result,) = load_holidays([2025])
    assert [d.date for _current, d in result.kept] == [D(2025, 10, 8)]
    assert CalendarDay.objects.get(date=D(2025, 10, 8)).kind == CalendarDay.Kind.WORKDAY
    assert client.get(admin_url("history", day.pk)).status_code == 200


def test_the_office_saving_a_loaded_day_unchanged_leaves_it_the_notices(client, world):
    client.force_login(world.office)
    day = CalendarDay.objects.get(date=D(2025, 10, 8))
    response = client.post(admin_url("change", day.pk), {
        "date": "2025-10-08", "kind": "holiday", "name": day.name, "change_reason": "核对",
    })
    assert response.status_code == 302
    day.refresh_from_db()
    assert day.notice == "国办发明电〔2024〕12号"


def test_the_admin_refuses_a_calendar_change_without_a_reason(client, world):
    client.force_login(world.office)
    day = CalendarDay.objects.get(date=D(2025, 10, 8))
    response = client.post(admin_url("change", day.pk), {
        "date": "2025-10-08", "kind": "workday", "name": "本县安排上班", "change_reason": "",
    })
    assert response.status_code == 200
    assert "change_reason" in response.context["adminform"].form.errors
    day.refresh_from_db()
    assert (day.kind, day.notice) == ("holiday", "国办发明电〔2024〕12号")


# --- the deadlines they give --------------------------------------------------------------


@pytest.mark.usefixtures("empty_calendar")
def test_the_review_deadline_over_national_day_2025(settings):
    settings.QINGDAN = {"REVIEW_DEADLINE_WORKING_DAYS": 15}
    load_holidays([2025])
    # Submitted Fri 26 Sep: Sun 28 (调休) 1, Mon 29 2, Tue 30 3; 1–8 Oct off; Thu 9 4, Fri 10 5,
    # Sat 11 (调休) 6, Sun 12 off; 13–17 Oct 7–11; 20, 21, 22, 23 Oct 12–15.
    assert calendar.review_deadline(D(2025, 9, 26)) == D(2025, 10, 23)


@pytest.mark.usefixtures("empty_calendar")
def test_the_review_deadline_over_the_2026_spring_festival(settings):
    settings.QINGDAN = {"REVIEW_DEADLINE_WORKING_DAYS": 15}
    load_holidays([2026])
    # Submitted Tue 10 Feb: 11, 12, 13 Feb 1–3, Sat 14 (调休) 4; 15–23 Feb off; 24–27 Feb 5–8,
    # Sat 28 (调休) 9; 2–6 Mar 10–14; Mon 9 Mar 15.
    assert calendar.review_deadline(D(2026, 2, 10)) == D(2026, 3, 9)


# --- the command --------------------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command("load_holidays", *args, stdout=out)
    return out.getvalue()


@pytest.mark.usefixtures("empty_calendar")
def test_the_command_prints_what_it_added_and_what_it_kept():
    CalendarDay.objects.create(date=D(2025, 10, 8), kind="workday", name="本县安排上班")
    first = run("--year", "2025", "--year", "2026")
    assert "国办发明电〔2024〕12号" in first and "国办发明电〔2025〕7号" in first
    assert re.search(r"2025\D.*\b32\b", first) and re.search(r"2026\D.*\b39\b", first)
    assert "2025-10-08" in first
    assert CalendarDay.objects.get(date=D(2025, 10, 8)).kind == CalendarDay.Kind.WORKDAY
    replaced = run("--year", "2025", "--overwrite")
    assert "2025-10-08" in replaced
    assert CalendarDay.objects.get(date=D(2025, 10, 8)).kind == CalendarDay.Kind.HOLIDAY


@pytest.mark.usefixtures("empty_calendar")
def test_the_command_lists_the_added_days_when_verbose():
    out = run("--year", "2025", "-v", "2")
    assert "2025-01-28" in out and "2025-10-11" in out


@pytest.mark.usefixtures("empty_calendar")
def test_the_command_refuses_a_year_without_a_notice():
    with pytest.raises(CommandError, match="2019"):
        run("--year", "2019")

