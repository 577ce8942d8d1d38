"""Turning cell values into field values: text, numbers, dates, choices and the 适用乡镇 scope
(权力类型: duties.excel.categories; departments: duties.excel.departments). Each parser raises
CellError with the reason shown to the user."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from duties.excel.errors import CellError
from duties.excel.spec import (
    ALL_TOWNSHIPS_WORDS,
    SCOPE_SEPARATORS_RE,
    normalise_header,
)

_LINE_BREAK_RE = re.compile(r"\s*[\r\n]+\s*")
_CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_WIDE_RE = re.compile(f"[{_CJK}]")
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def text(value) -> str:
    """A cell as text: numbers without a spurious ``.0``, dates as YYYY-MM-DD; outer spaces and
    line breaks removed (a leading tab or carriage return is kept: it is data)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.rstrip().lstrip(" \u3000\n")
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time.min:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value).strip()


def one_line(value) -> str:
    """A cell that holds one line (a name, a code, a document number) as text: a line break
    the cell was hard-wrapped at is removed — between two Chinese characters (or full-width
    punctuation) without a trace, elsewhere as one space."""
    raw = text(value)
    if "\n" not in raw and "\r" not in raw:
        return raw
    parts = [part for part in _LINE_BREAK_RE.split(raw.strip()) if part]
    joined = parts[0] if parts else ""
    for part in parts[1:]:
        wide = _WIDE_RE.match(joined[-1]) and _WIDE_RE.match(part[0])
        joined += part if wide else " " + part
    return joined


def key(value) -> str:
    """How names are compared: no whitespace at all, half-width brackets."""
    return normalise_header(text(value))


def check_length(value: str, limit: int) -> str:
    if len(value) > limit:
        raise CellError(
            _("The text is %(length)s characters long; at most %(limit)s are allowed.")
            % {"length": len(value), "limit": limit}
        )
    return value


def parse_choice(value, labels: dict, variants: dict, default: str, *, what: str) -> str:
    """A choice from its Chinese label (or a known variant, or the internal value)."""
    raw = text(value)
    if not raw:
        return default
    k = key(raw).replace("其它", "其他")
    table = {label: code for code, label in labels.items()}
    if k in table:
        return table[k]
    if k in variants:
        return variants[k]
    if k.lower() in labels:
        return k.lower()
    raise CellError(
        _("Unknown %(what)s “%(value)s”; use one of %(choices)s.")
        % {"what": what, "value": raw, "choices": "、".join(labels.values())}
    )


def parse_int(value, *, minimum=0, maximum=2_147_483_647, suffixes=("名", "人", "个")):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a whole number.") % {"value": value})
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        raw = text(value).replace(",", "").replace("，", "")
        for suffix in suffixes:
            raw = raw.removesuffix(suffix)
        try:
            number = int(raw)
        except ValueError:
            raise CellError(_("“%(value)s” is not a whole number.") % {"value": text(value)}) from None
    if number < minimum or number > maximum:
        raise CellError(
            _("%(value)s is out of range (%(minimum)s to %(maximum)s).")
            % {"value": number, "minimum": minimum, "maximum": maximum}
        )
    return number


def _decimal(value, suffixes) -> Decimal:
    """The number a cell holds (no rounding), CellError when it holds none."""
    if isinstance(value, bool):
        raise CellError(_("“%(value)s” is not a number.") % {"value": value})
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        raw = text(value).replace(",", "").replace("，", "")
        for suffix in suffixes:
            raw = raw.removesuffix(suffix)
        try:
            number = Decimal(raw)
        except InvalidOperation:
            raise CellError(_("“%(value)s” is not a number.") % {"value": text(value)}) from None
    if not number.is_finite():
        raise CellError(_("“%(value)s” is not a number.") % {"value": text(value)})
    return number


def parse_decimal(value, *, places=2, max_digits=12, positive=False, suffixes=()):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = _decimal(value, suffixes)
    rounded = number.quantize(Decimal(1).scaleb(-places))
    if rounded != number:
        raise CellError(
            _("%(value)s has more than %(places)s decimal places.")
            % {"value": text(value), "places": places}
        )
    if positive and rounded <= 0:
        raise CellError(_("The number must be greater than 0."))
    if rounded < 0:
        raise CellError(_("The number cannot be negative."))
    too_many_digits = len(rounded.as_tuple().digits) > max_digits
    if too_many_digits or abs(rounded) >= Decimal(10) ** (max_digits - places):
        raise CellError(_("%(value)s is too large.") % {"value": text(value)})
    return rounded


def parse_date(value):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raw = text(value)
    match = _DATE_RE.match(raw) or _COMPACT_DATE_RE.match(raw)
    if match:
        try:
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise CellError(
        _("“%(value)s” is not a date; write it as YYYY-MM-DD (e.g. 2025-03-01).") % {"value": raw}
    )


# --------------------------------------------------------------------------- look-ups


class TownshipIndex:
    """The townships of one county, by name or 9-digit code."""

    def __init__(self, townships):
        self.townships = list(townships)
        self._scopes = {}
        self.by_key = {}
        for township in self.townships:
            self.by_key.setdefault(key(township.code), township)
            self.by_key.setdefault(key(township.name), township)

    def parse_scope(self, value):
        """``(all_townships, [townships])`` from a 适用乡镇 cell (the same text is read once)."""
        raw = text(value)
        if raw not in self._scopes:
            try:
                self._scopes[raw] = self._parse_scope(raw)
            except CellError as error:
                self._scopes[raw] = error
        found = self._scopes[raw]
        if isinstance(found, CellError):
            raise CellError(found.message)
        return found

    def _parts(self, raw):
        """The names of a 适用乡镇 cell. A separator splits names, except inside a name the
        cell was hard-wrapped at ("东城\n镇"): a piece that names no township is joined with
        the next when the two together name one."""
        parts = [p.strip(" \u3000\t") for p in SCOPE_SEPARATORS_RE.split(raw)]
        parts = [p for p in parts if p]
        joined = []
        for part in parts:
            if joined and key(joined[-1]) not in self.by_key and key(joined[-1] + part) in self.by_key:
                joined[-1] += part
            else:
                joined.append(part)
        return joined

    def _parse_scope(self, raw):
        if not raw or key(raw) in ALL_TOWNSHIPS_WORDS:
            return True, []
        found, unknown = {}, []
        for part in self._parts(raw):
            township = self.by_key.get(key(part))
            if township is None:
                unknown.append(part)
            else:
                found[township.pk] = township
        if unknown:
            raise CellError(
                _("Unknown township %(names)s: no township of this county has that name or "
                  "code.") % {"names": "、".join(f"“{name}”" for name in unknown)}
            )
        if not found:
            return True, []
        return False, sorted(found.values(), key=lambda t: t.code)
