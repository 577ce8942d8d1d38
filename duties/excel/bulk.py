"""Lean bulk inserts for large imports (duties.excel.list_writer says when they are used).

Django's bulk_create prepares every value of every row through the field API, which for a
20,000-row list (four wide tables: items, entries and their history) costs far more than
reading the file. Here rows are sent with one ``executemany`` per batch; only the values
that need a database adaptation (dates, datetimes, decimals) go through their field. The
SQL is a plain INSERT with quoted names, the same on SQLite and PostgreSQL.

History rows are written exactly as django-simple-history's ``bulk_history_create`` writes
them (every tracked field, the date, the reason, the type and the user).
"""

from __future__ import annotations

from django.db import connections, router
from django.db.models import AutoField

BATCH = 1000
_ADAPTED_TYPES = {
    "DateField", "DateTimeField", "DecimalField", "TimeField", "DurationField", "UUIDField",
    "JSONField",
}
_HISTORY_SPECIAL = ("history_date", "history_change_reason", "history_type", "history_user_id")


def _columns(model):
    return [
        field for field in model._meta.concrete_fields
        if not (field.primary_key and isinstance(field, AutoField))
    ]


def _execute(model, fields, rows):
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start:start + BATCH])


def _adapters(model, connection):
    return [
        (field.attname, field if field.get_internal_type() in _ADAPTED_TYPES else None)
        for field in _columns(model)
    ]


class _Prepared:
    """``field.get_db_prep_save`` with the last value remembered: an import's rows share
    their timestamps, so each is adapted once, not once per row."""

    def __init__(self, field, connection):
        self.field, self.connection = field, connection
        self.last, self.prepared = object(), None

    def __call__(self, value):
        if value is not self.last:
            self.last, self.prepared = value, self.field.get_db_prep_save(value, self.connection)
        return self.prepared


def insert_objects(model, objs):
    """INSERT ``objs`` (unsaved instances of ``model``); their ids are not read back."""
    connection = connections[router.db_for_write(model)]
    adapters = [
        (attname, _Prepared(field, connection) if field else None)
        for attname, field in _adapters(model, connection)
    ]
    rows = [
        [prepare(getattr(obj, attname)) if prepare else getattr(obj, attname)
         for attname, prepare in adapters]
        for obj in objs
    ]
    _execute(model, _columns(model), rows)


def insert_history(model, objs, *, history_type, user, reason, date):
    """History rows of ``objs`` (saved instances of ``model``), as simple-history writes them."""
    history_model = model.history.model
    connection = connections[router.db_for_write(history_model)]
    special = {
        "history_date": date,
        "history_change_reason": reason,
        "history_type": history_type,
        "history_user_id": getattr(user, "pk", None),
    }
    adapters = []
    for attname, field in _adapters(history_model, connection):
        if attname in special:
            value = special[attname]
            if field is not None:
                value = field.get_db_prep_save(value, connection)
            adapters.append((None, value, None))
        else:
            adapters.append((attname, None, _Prepared(field, connection) if field else None))
    rows = []
    for obj in objs:
        row = []
        for attname, constant, prepare in adapters:
            if attname is None:
                row.append(constant)
            elif prepare is not None:
                row.append(prepare(getattr(obj, attname)))
            else:
                row.append(getattr(obj, attname))
        rows.append(row)
    _execute(history_model, _columns(history_model), rows)
