"""Helpers of the rules' ``explain`` functions, which reshape a flag's facts (its evidence)
before its message is built."""

import json

from django.utils.translation import get_language, gettext, pgettext

from delegations.flags.registry import split_ids

_TRANSLATED: dict = {}


def once_per_language(key, translate):
    """``translate()`` memoised per language and ``key``: explanations run once per flag."""
    key = (get_language(), key)
    if key not in _TRANSLATED:
        _TRANSLATED[key] = translate()
    return _TRANSLATED[key]


def tr(msgid, context=None):
    """gettext / pgettext, memoised per language."""
    return once_per_language(
        ("gettext", context, msgid), lambda: pgettext(context, msgid) if context else gettext(msgid)
    )


def inline(facts, name):
    """Merge the JSON object of fact ``name`` (one subquery, several facts) into ``facts``."""
    value = facts.pop(name, None)
    if isinstance(value, str):
        value = json.loads(value)
    facts.update(value or {})
    return facts


def id_lists(facts, *names):
    for name in names:
        if name in facts:
            facts[name] = split_ids(facts[name])
    return facts
