"""What every atomic step service shares (the delegation workflow, the cases, the calls): the
step's time, the row locked and read afresh, the caller's instance brought up to date, and
the refusals of a step's access check.

Each service module keeps its own rules; these are only the mechanics, written once.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone

from delegations.transitions import InvalidRequest, NotAllowed, StateConflict


def now_or(now) -> datetime.datetime:
    """The step's time: ``now`` (an aware datetime; loaders of past data pass it), else now."""
    if now is None:
        return timezone.now()
    if timezone.is_naive(now):
        raise ValueError("now must be an aware datetime")
    return now


def lock(model, obj):
    """``obj``'s row (an instance or a primary key), locked for the rest of the transaction
    (``select_for_update``; SQLite serialises writers anyway) and read afresh."""
    pk = obj.pk if isinstance(obj, models.Model) else obj
    return model.objects.select_for_update().get(pk=pk)


def refresh_caller(original, fresh):
    """Copy the fresh row into the instance the caller holds (no query)."""
    if not isinstance(original, type(fresh)) or original is fresh:
        return
    for field in type(fresh)._meta.concrete_fields:
        setattr(original, field.attname, getattr(fresh, field.attname))
    original._state.fields_cache = {}
    original.__dict__.pop("_prefetched_objects_cache", None)


def raise_if(errors):
    """Refuse with the field errors (400) when there are any."""
    if errors:
        raise InvalidRequest(errors)


def require(explain, user, step, obj):
    """Raise NotAllowed (403) or StateConflict (409) when ``explain(user, step, obj)`` — an
    access module's ``(kind, message)`` or None — refuses the step."""
    problem = explain(user, step, obj)
    if problem is None:
        return
    kind, message = problem
    if kind == "forbidden":
        raise NotAllowed(message)
    raise StateConflict(message, code="illegal_state")


def history_steps(obj, statuses) -> list[dict]:
    """``obj``'s history, oldest first: each row's time, user, status (and its label from
    the ``statuses`` choices) and reason — the steps a case's or a call's page lists."""
    rows = obj.history.select_related("history_user").order_by("history_date", "history_id")
    return [
        {
            "at": row.history_date,
            "user": row.history_user.get_username() if row.history_user else None,
            "status": row.status,
            "status_label": statuses(row.status).label,
            "reason": row.history_change_reason or "",
        }
        for row in rows
    ]
