"""The demo county's calls (镇呼县应), from ``fixtures/demo_calls.json``.

Each call is made the way production makes it, through ``delegations.calls.services``: the
township's account files it, the office routes one about something on no list, the lead
department's account accepts and reports, the township confirms or reopens — each step as the
user whose step it is, dated with the service's ``now=``. The deadlines, overdue calls and the
office's per-department figures are therefore the services' own.

Days are written ``load_day``, ``load_day-N`` or ``load_day+N`` (N calendar days before or
after the day the call is first loaded) with a time ``HH:MM`` (China time); a moment later than
the load is taken at the load (``demo_day``, ``demo_moment``, also used by ``demo.claims``). A call is found again by its township and what was found: a second load changes nothing.
"""

from __future__ import annotations

import datetime
import re
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from delegations.calls import services
from delegations.calls.models import Call

_DAY_RE = re.compile(r"^load_day(?:([+-])(\d+))?$")


def demo_day(today: datetime.date, day: str) -> datetime.date:
    """``load_day``, ``load_day-N`` or ``load_day+N`` counted from ``today``."""
    match = _DAY_RE.match(day or "")
    if not match:
        raise ValueError(f"Demo data: a day is load_day, load_day-N or load_day+N, not {day!r}.")
    offset = int(match.group(2) or 0) * (-1 if match.group(1) == "-" else 1)
    return today + datetime.timedelta(days=offset)


def demo_moment(today: datetime.date, day: str, time: str) -> datetime.datetime:
    """``day`` (as ``demo_day``) at ``time`` (HH:MM, China time), never later than now."""
    hour, minute = (int(part) for part in time.split(":"))
    moment = timezone.make_aware(
        datetime.datetime.combine(demo_day(today, day), datetime.time(hour, minute)))
    return min(moment, timezone.now())


@contextmanager
def refused_as_demo_error(message: str, **params):
    """A refusal of the services (or a bad demo day) while loading, as the demo's error:
    ``message`` % (``params`` and the refusal's ``message``)."""
    try:
        yield
    except (ValidationError, PermissionDenied, ValueError) as error:
        from demo.county import DemoDataError

        messages = getattr(error, "messages", [str(error)])
        raise DemoDataError(message % {**params, "message": " ".join(messages)}) from error


class _Steps:
    """Dates and accounts of the demo's calls."""

    def __init__(self, loader):
        self.loader = loader

    def moment(self, day: str, time: str) -> datetime.datetime:
        return demo_moment(self.loader.today, day, time)

    def township_user(self, call):
        return self.loader.township_user(call.township.code)

    def department_user(self, call):
        return self.loader.department_user(call.lead_department.code)


def load_calls(loader, rows: list[dict]) -> None:
    """File and walk each call of ``rows`` not yet in the county (see the module docstring)."""
    known = set(Call.objects.filter(county=loader.county).values_list("township__code", "found"))
    steps = _Steps(loader)
    for row in rows:
        township = loader.township(row["township"])
        if (township.code, row["found"]) in known:
            loader._count("unchanged", "call")
            continue
        with refused_as_demo_error(_("Demo data: call “%(found)s”: %(message)s"),
                                   found=row["found"]):
            _walk(loader, steps, township, row)
        loader._count("created", "call")


def _walk(loader, steps: _Steps, township, row: dict) -> Call:
    filed = steps.moment(row["filed"], row.get("time", "09:30"))
    call = services.file_call(
        loader.township_user(township.code), township=township, item=loader.item(row.get("item")),
        found=row["found"], place=row.get("place", ""), urgency=row.get("urgency", "normal"),
        found_at=filed - datetime.timedelta(minutes=40), now=filed,
    )
    for step in row.get("steps", []):
        at = steps.moment(step["day"], step.get("time", "10:00"))
        kind = step["step"]
        if kind == "route":
            call = services.route(loader.office, call, department=loader.department(step["department"]),
                                  note=step.get("text", ""), now=at)
        elif kind == "accept":
            call = services.accept(steps.department_user(call), call, note=step.get("text", ""), now=at)
        elif kind == "report":
            call = services.report(steps.department_user(call), call, report=step["text"], now=at)
        elif kind == "confirm":
            call = services.confirm(steps.township_user(call), call, note=step.get("text", ""), now=at)
        elif kind == "reopen":
            call = services.reopen(steps.township_user(call), call, reason=step["text"], now=at)
        else:
            raise ValueError(f"Demo calls: unknown step {kind!r}.")
    return call
