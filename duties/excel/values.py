"""Turning cell values into field values: text, numbers, dates, choices, departments and the
适用乡镇 scope. Each parser raises CellError with the reason shown to the user."""

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

_SPACES_RE = re.compile(r"\s+")
_BRACKETED_RE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
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


def parse_category(value, labels: dict, variants: dict) -> str:
    """权力类型 with local variants: "行政许可(国办)", "行政许可（省级）", "行政处罚类", "许可"…"""
    raw = text(value)
    if not raw:
        return "other"
    k = key(raw).replace("其它", "其他")
    table = {label: code for code, label in labels.items()}
    stripped = _BRACKETED_RE.sub("", k)
    for candidate in (k, stripped, stripped.removesuffix("事项"), stripped.removesuffix("类"),
                      stripped.removesuffix("类事项")):
        if candidate in table:
            return table[candidate]
        if candidate in variants:
            return variants[candidate]
        if candidate.lower() in labels:
            return candidate.lower()
    # "行政许可（审批）类" and the like: the longest canonical name it starts with.
    for label in sorted(table, key=len, reverse=True):
        if len(label) > 2 and stripped.startswith(label):
            return table[label]
    raise CellError(
        _("Unknown category “%(value)s”; use one of %(choices)s.")
        % {"value": raw, "choices": "、".join(labels.values())}
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


def parse_decimal(value, *, places=2, max_digits=12, positive=False, suffixes=()):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
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
    quantum = Decimal(1).scaleb(-places)
    rounded = number.quantize(quantum)
    if rounded != number:
        raise CellError(
            _("%(value)s has more than %(places)s decimal places.")
            % {"value": text(value), "places": places}
        )
    if positive and rounded <= 0:
        raise CellError(_("The number must be greater than 0."))
    if rounded < 0:
        raise CellError(_("The number cannot be negative."))
    if len(rounded.as_tuple().digits) > max_digits or abs(rounded) >= Decimal(10) ** (
        max_digits - places
    ):
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


class DepartmentIndex:
    """The departments of one county, found by code, full name, short name or alias; also by
    the full name without the county's name in front ("应急管理局" for "示范县应急管理局")."""

    def __init__(self, county, departments):
        self.by_id = {}
        layers = [{}, {}, {}, {}, {}]  # code, name, short name, alias, derived
        for department in departments:
            self.by_id[department.pk] = department
            layers[0].setdefault(key(department.code), set()).add(department.pk)
            layers[1].setdefault(key(department.name), set()).add(department.pk)
            if department.short_name:
                layers[2].setdefault(key(department.short_name), set()).add(department.pk)
            for alias in getattr(department, "alias_names", ()):
                layers[3].setdefault(key(alias), set()).add(department.pk)
            if county is not None and department.name.startswith(county.name):
                bare = department.name[len(county.name):]
                for derived in (bare, "县" + bare, "区" + bare, "市" + bare):
                    if derived:
                        layers[4].setdefault(key(derived), set()).add(department.pk)
        self.layers = layers

    def find(self, value):
        """The department a cell names (None for a blank cell); CellError otherwise."""
        raw = text(value)
        if not raw:
            return None
        k = key(raw)
        for layer in self.layers:
            found = layer.get(k)
            if found:
                if len(found) > 1:
                    names = "、".join(sorted(self.by_id[pk].name for pk in found))
                    raise CellError(
                        _("“%(value)s” could be several departments (%(names)s); use the "
                          "department's code or full name.") % {"value": raw, "names": names}
                    )
                return self.by_id[next(iter(found))]
        raise CellError(
            _("Unknown department “%(value)s”: no department of this county has that code, "
              "name, short name or alias.") % {"value": raw}
        )


class TownshipIndex:
    """The townships of one county, by name or 9-digit code."""

    def __init__(self, townships):
        self.townships = list(townships)
        self.by_key = {}
        for township in self.townships:
            self.by_key.setdefault(key(township.code), township)
            self.by_key.setdefault(key(township.name), township)

    def parse_scope(self, value):
        """``(all_townships, [townships])`` from a 适用乡镇 cell."""
        raw = text(value)
        if not raw or key(raw) in ALL_TOWNSHIPS_WORDS:
            return True, []
        found, unknown = {}, []
        for part in SCOPE_SEPARATORS_RE.split(raw):
            part = part.strip(" \u3000\t")
            if not part:
                continue
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
