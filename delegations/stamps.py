"""Who, why and when: what the next save of a row with history (django-simple-history)
records. The workflow's writers stamp every row they save: the delegation, its opinions, the
list entries its decision writes.

Change reasons are stored data (like the importer's ``导入 <file>``), so they are Chinese
constants, not translated strings.
"""

REASON_MAX_LENGTH = 100  # django-simple-history's history_change_reason column


def real_user(user):
    """``user``, or None for an anonymous or missing one (a loader's step)."""
    return user if getattr(user, "is_authenticated", False) else None


def stamp(obj, user, reason, now):
    """Who, why and when, for the history row the next save of ``obj`` writes."""
    obj._history_user = real_user(user)
    obj._change_reason = reason
    obj._history_date = now


def reason_with(text: str, note: str = "") -> str:
    """The change reason ``text``, followed by the user's ``note`` on one line, cut to fit."""
    note = " ".join((note or "").split())
    full = f"{text}：{note}" if note else text
    return full[:REASON_MAX_LENGTH]
