"""Telling a database that is busy (another write holds the lock too long) from a bug.

On SQLite a write waits up to ``DB_LOCK_TIMEOUT`` seconds for the write lock, on PostgreSQL
for a row lock (``lock_timeout``); past that the database gives up. That is no bug but a
moment of load: the user gets a clear "busy, try again" (503 with ``Retry-After``) from the
API's exception handler and the pages' error view, never a 500.
"""

from django.db import OperationalError
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 5

# PostgreSQL SQLSTATEs of a lock given up on: lock_timeout, deadlock, serialization failure.
_BUSY_SQLSTATES = {"55P03", "40P01", "40001"}
_BUSY_SQLITE_MESSAGES = ("database is locked", "database table is locked", "database is busy")


def is_busy(exc) -> bool:
    """Whether ``exc`` is the database refusing to wait any longer for a lock."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__ or exc
    if getattr(cause, "sqlstate", None) in _BUSY_SQLSTATES:
        return True
    message = str(exc).lower()
    return any(text in message for text in _BUSY_SQLITE_MESSAGES)


def busy_message() -> str:
    return _("The system is busy with other changes. Nothing was saved; please try again in a moment.")
